"""Checking source rows: the shape with pydantic (``UsageRow``), then against what takibi knows.

A row is good when its account external id is a known account, its metric a pulled fire metric (after
the connector's name mapping), its date a real date not after today, and its value a finite number. A
bad row is never an exception: it becomes a ``BadRow`` with its number and one reason, so a pull can
count and report it and go on.

Dates: ISO (``2024-11-05``, ``20241105``), ``2024/11/05`` (Excel in Japan), ``2024-11-05T00:00:00``, or
the connector's ``date_format``. Values: numbers, or text such as ``"0.53"``, ``" 12 "``, ``"1,234"``;
booleans, ``NaN`` and infinities are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, ValidationError

from storage.connectors.base import SourceRow

VALUE_PREVIEW = 40
"""How much of an offending value a report shows."""

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


class BadReason(StrEnum):
    """Why a row was refused; each has a ``pull.reason.<value>`` message."""

    MISSING = "missing"
    BAD_DATE = "bad_date"
    FUTURE_DATE = "future_date"
    UNKNOWN_ACCOUNT = "unknown_account"
    UNKNOWN_METRIC = "unknown_metric"
    NOT_A_NUMBER = "not_a_number"
    NOT_FINITE = "not_finite"


class RowField(StrEnum):
    """The four fields of a row, as named in reports (``pull.field.<value>``)."""

    ACCOUNT = "account"
    DATE = "date"
    METRIC = "metric"
    VALUE = "value"


@dataclass(frozen=True, slots=True)
class BadRow:
    """A refused row: its number in the source, the field at fault, why, and a short preview of the value."""

    number: int
    field: RowField
    reason: BadReason
    value: str


def preview(value: object) -> str:
    """A value as a report shows it (``str``; nothing for ``None``), cut to a readable length."""
    text = "" if value is None else str(value)
    return text if len(text) <= VALUE_PREVIEW else text[: VALUE_PREVIEW - 1] + "…"


# --- shape ---------------------------------------------------------------------------------------


class UsageRow(BaseModel):
    """The shape of a good row, before it is matched against the accounts and metrics takibi knows.

    Every field is checked by pydantic's core, with no Python code per field: a pull checks a million
    rows. Ids may arrive as numbers (JSON, a numeric CRM id) and are kept as text. ``day`` must already
    be a ``date``: ``RowChecker`` reads the source's date text first (see ``read_day``), once per
    distinct text, and anything it cannot read reaches this model as is and is refused here.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)

    account_external_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    day: Annotated[date, Strict()]
    metric: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    value: Annotated[float, Field(allow_inf_nan=False)]


_validate = UsageRow.__pydantic_validator__.validate_python
"""``UsageRow.model_validate`` without its Python wrapper: this runs once per row."""

_FIELDS: dict[str, RowField] = {
    "account_external_id": RowField.ACCOUNT,
    "day": RowField.DATE,
    "metric": RowField.METRIC,
    "value": RowField.VALUE,
}


def read_day(text: str, date_format: str | None = None) -> date | None:
    """A date as exports write it, or ``None``: ``date_format`` when given, else ISO (``2024-11-05``,
    ``20241105``, a midnight ``2024-11-05T00:00:00``) or ``2024/11/05`` (Excel in Japan). Never a number
    read as a timestamp."""
    text = text.strip()
    if date_format is not None:
        try:
            return datetime.strptime(text, date_format).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    if text.count("/") == 2:
        try:
            year, month, day = (int(part) for part in text.split("/"))
            return date(year, month, day)
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.date() if moment.time() == time(0) and moment.tzinfo is None else None


# --- matching ------------------------------------------------------------------------------------

GoodRow = tuple[int, int, date, float]
"""``(account id, metric index, day, value)``: the metric as an index into ``RowChecker.metric_ids``."""

_DAY_CACHE_LIMIT = 10_000
"""Distinct date texts remembered; a history has a few hundred, so this only bounds garbage."""


class RowChecker:
    """Checks one connector's rows against the accounts, the metrics it may deliver, and today.

    ``accounts`` maps external ids to account ids (one query per pull, see ``lookup``); ``metrics`` maps
    the source's metric names to fire metric ids. Not thread-safe; cheap to build.
    """

    def __init__(
        self,
        *,
        accounts: Mapping[str, int],
        metrics: Mapping[str, str],
        today: date,
        date_format: str | None = None,
    ) -> None:
        self.metric_ids: Sequence[str] = sorted(set(metrics.values()))
        index = {metric_id: i for i, metric_id in enumerate(self.metric_ids)}
        self._metrics = {name: index[metric_id] for name, metric_id in metrics.items()}
        self._accounts = accounts
        self._today = today
        self._date_format = date_format
        self._days: dict[str, date | str] = {}

    def check(self, row: SourceRow) -> GoodRow | BadRow:
        """The row as a ``GoodRow``, or a ``BadRow`` with the first reason found (in field order)."""
        try:
            usage: UsageRow = _validate(
                {
                    "account_external_id": row.account,
                    "day": self._day(row.day),
                    "metric": row.metric,
                    "value": _number(row.value),
                }
            )
        except ValidationError as exc:
            return _bad_shape(row, exc)
        account_id = self._accounts.get(usage.account_external_id)
        if account_id is None:
            return BadRow(row.number, RowField.ACCOUNT, BadReason.UNKNOWN_ACCOUNT, preview(row.account))
        metric_index = self._metrics.get(usage.metric)
        if metric_index is None:
            return BadRow(row.number, RowField.METRIC, BadReason.UNKNOWN_METRIC, preview(row.metric))
        if usage.day > self._today:
            return BadRow(row.number, RowField.DATE, BadReason.FUTURE_DATE, preview(row.day))
        return account_id, metric_index, usage.day, usage.value

    def _day(self, value: object) -> object:
        """A date for the model: text read once per distinct text; unreadable values passed on as is."""
        if type(value) is str:
            day = self._days.get(value)
            if day is None:
                day = read_day(value, self._date_format) or value
                if len(self._days) < _DAY_CACHE_LIMIT:
                    self._days[value] = day
            return day
        if isinstance(value, datetime):
            return value.date() if value.time() == time(0) and value.tzinfo is None else value
        return value


def _number(value: object) -> object:
    """Text as people write numbers (``"1,234.5"``); a boolean is made unreadable (pydantic takes
    ``True`` for 1.0)."""
    if type(value) is str:
        if "," in value and _THOUSANDS.match(value.strip()):
            return value.replace(",", "")
        return value
    if isinstance(value, bool):
        return str(value)
    return value


def _bad_shape(row: SourceRow, exc: ValidationError) -> BadRow:
    error = exc.errors(include_url=False, include_context=False)[0]
    name = str(error["loc"][0]) if error["loc"] else "value"
    field = _FIELDS.get(name, RowField.VALUE)
    raw = {
        RowField.ACCOUNT: row.account,
        RowField.DATE: row.day,
        RowField.METRIC: row.metric,
        RowField.VALUE: row.value,
    }[field]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        reason = BadReason.MISSING
    elif field is RowField.DATE:
        reason = BadReason.BAD_DATE
    elif field is RowField.VALUE:
        reason = BadReason.NOT_FINITE if error["type"] == "finite_number" else BadReason.NOT_A_NUMBER
    elif field is RowField.ACCOUNT:
        reason = BadReason.UNKNOWN_ACCOUNT  # neither text nor a number: a list, an object
    else:
        reason = BadReason.UNKNOWN_METRIC
    return BadRow(row.number, field, reason, preview(raw))
