"""Importing accounts from a CSV export (CRM, spreadsheet): validate every row, then upsert by external id.

The file is read whole and every row is checked before anything is written, so one run reports every
bad row with its line number and reason, and by default writes nothing when any row is bad (a half
import is worse than none); ``skip_bad`` writes the good rows anyway. A dry run validates and counts
what would be created, updated or left unchanged, and writes nothing.

Columns (a header line is required; order is free; only ``external_id``, ``name`` and ``segment`` are
required)::

    external_id, name, name_kana, aliases (separated by |), owner (Slack user id U… or e-mail),
    segment, alert_channel (C…/G…), mrr, plan, contract_start, renewal_date, onboarding_started_on,
    onboarding_planned_end, onboarding_completed_on, status (active/churned), churned_on

Only the columns present are written: a file without ``alert_channel`` leaves the channels set in
Slack alone, while an empty cell in a present column clears the value. Dates are ``2026-04-01`` or
``2026/4/1``; amounts may carry ``¥`` and thousands separators. Files are UTF-8 (with or without BOM)
or, as Excel in Japan saves them, Shift_JIS (cp932).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from storage.enums import AccountStatus
from storage.models import Account
from storage.repositories import accounts
from storage.repositories.accounts import AccountInput

COLUMNS: tuple[str, ...] = (
    "external_id",
    "name",
    "name_kana",
    "aliases",
    "owner",
    "segment",
    "alert_channel",
    "mrr",
    "plan",
    "contract_start",
    "renewal_date",
    "onboarding_started_on",
    "onboarding_planned_end",
    "onboarding_completed_on",
    "status",
    "churned_on",
)
REQUIRED: tuple[str, ...] = ("external_id", "name", "segment")
FIELD_OF_COLUMN: Mapping[str, str] = {"owner": "owner_slack_id", "alert_channel": "alert_channel_id"}
"""CSV column → ``AccountInput`` field where the names differ."""
COLUMN_OF_FIELD: Mapping[str, str] = {value: key for key, value in FIELD_OF_COLUMN.items()}
ALIAS_SEPARATOR = "|"

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_MONEY_NOISE = re.compile(r"[,\s¥￥円]")


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one line (or the file, ``line`` 1 = the header) cannot be imported: a catalog key and values."""

    line: int
    column: str | None
    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowChange:
    line: int
    external_id: str
    action: Action
    fields: tuple[str, ...] = ()
    """The columns whose value changes (for ``updated``)."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import found and did. ``written`` is False for a dry run and when bad rows stopped it."""

    rows: int
    changes: tuple[RowChange, ...]
    problems: tuple[RowProblem, ...]
    written: bool
    dry_run: bool
    skip_bad: bool = False

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    @property
    def bad_lines(self) -> tuple[int, ...]:
        return tuple(sorted({p.line for p in self.problems}))


class EmailLookup(Protocol):
    """Finds the Slack user id of an e-mail address; ``None`` when nobody in the workspace has it."""

    def __call__(self, email: str) -> str | None: ...


class SlackEmailLookup:
    """``users.lookupByEmail`` through the app's ``WebClient``; each address is asked once per run.

    The client is built on first use, so an import without e-mail owners needs no Slack token.
    """

    def __init__(self, client: WebClient | Callable[[], WebClient]) -> None:
        self._client = client
        self._cache: dict[str, str | None] = {}

    def __call__(self, email: str) -> str | None:
        key = email.casefold()
        if key not in self._cache:
            self._cache[key] = self._ask(email)
        return self._cache[key]

    def _ask(self, email: str) -> str | None:
        if not isinstance(self._client, WebClient):
            self._client = self._client()
        try:
            response = self._client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                return None
            raise
        user = response.get("user") or {}
        user_id = user.get("id") if isinstance(user, dict) else None
        return str(user_id) if user_id else None


# --- one row -------------------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(strip_whitespace=True)]


def _error(kind: str, **params: object) -> PydanticCustomError:
    """A validation error whose type is our catalog key suffix (``import.error.<kind>``)."""
    return PydanticCustomError(f"import_{kind}", kind, dict(params))


class AccountRow(BaseModel):
    """One CSV row, validated. Empty cells arrive as ``None``; pass ``context={"segments": ...}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    external_id: Annotated[Text, StringConstraints(min_length=1, max_length=128)]
    name: Annotated[Text, StringConstraints(min_length=1, max_length=255)]
    segment: Text
    name_kana: Annotated[Text, StringConstraints(max_length=255)] | None = None
    aliases: tuple[str, ...] = ()
    owner: Text | None = None
    alert_channel: Text | None = None
    mrr: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] = Decimal(0)
    plan: Annotated[Text, StringConstraints(max_length=64)] | None = None
    contract_start: date | None = None
    renewal_date: date | None = None
    onboarding_started_on: date | None = None
    onboarding_planned_end: date | None = None
    onboarding_completed_on: date | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    churned_on: date | None = None

    @field_validator("external_id", "name", "segment", mode="before")
    @classmethod
    def _required(cls, value: object) -> object:
        if value is None:
            raise _error("required")
        return value

    @field_validator("aliases", mode="before")
    @classmethod
    def _split_aliases(cls, value: object) -> object:
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(ALIAS_SEPARATOR) if part.strip())
        return value

    @field_validator("segment")
    @classmethod
    def _known_segment(cls, value: str, info: ValidationInfo) -> str:
        known: Collection[str] = (info.context or {}).get("segments", ())
        if known and value not in known:
            raise _error("segment", value=value, known=", ".join(sorted(known)))
        return value

    @field_validator("owner")
    @classmethod
    def _owner_shape(cls, value: str | None) -> str | None:
        if value is not None and not (SLACK_USER_ID.match(value) or EMAIL.match(value)):
            raise _error("owner", value=value)
        return value

    @field_validator("alert_channel")
    @classmethod
    def _channel_shape(cls, value: str | None) -> str | None:
        if value is not None and not SLACK_CHANNEL_ID.match(value):
            raise _error("channel", value=value)
        return value

    @field_validator("mrr", mode="before")
    @classmethod
    def _money(cls, value: object) -> object:
        if value is None:
            return Decimal(0)
        if isinstance(value, str):
            cleaned = _MONEY_NOISE.sub("", value)
            try:
                return Decimal(cleaned)
            except InvalidOperation:
                raise _error("number", value=value) from None
        return value

    @field_validator(
        "contract_start",
        "renewal_date",
        "onboarding_started_on",
        "onboarding_planned_end",
        "onboarding_completed_on",
        "churned_on",
        mode="before",
    )
    @classmethod
    def _day(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        match = _DATE.match(value.strip())
        try:
            if match is None:
                raise ValueError(value)
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise _error("date", value=value) from None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: object) -> object:
        if value is None:
            return AccountStatus.ACTIVE
        if isinstance(value, str) and value.strip().lower() not in AccountStatus._value2member_map_:
            raise _error("status", value=value, allowed=", ".join(s.value for s in AccountStatus))
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> AccountRow:
        for later, earlier in (
            ("renewal_date", "contract_start"),
            ("onboarding_planned_end", "onboarding_started_on"),
            ("onboarding_completed_on", "onboarding_started_on"),
        ):
            end, start = getattr(self, later), getattr(self, earlier)
            if end is not None and start is not None and end < start:
                raise _error("date_order", column=later, other=earlier)
        if self.status is AccountStatus.CHURNED and self.churned_on is None:
            raise _error("churned_without_date")
        if self.status is AccountStatus.ACTIVE and self.churned_on is not None:
            raise _error("churn_date_but_active")
        return self


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    row: AccountRow
    columns: frozenset[str]
    """The columns present in the file (only those are written)."""


@dataclass(frozen=True, slots=True)
class ParsedFile:
    rows: tuple[ParsedRow, ...]
    problems: tuple[RowProblem, ...]
    count: int
    """Data rows in the file, good and bad."""


# --- the file ------------------------------------------------------------------------------------


def decode(data: bytes) -> str | None:
    """UTF-8 (a BOM is dropped), else Shift_JIS as Japanese Excel writes CSV; ``None`` if neither."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def parse(data: bytes, *, segments: Collection[str]) -> ParsedFile:
    """Validate every row of the file; no database and no Slack (e-mail owners are checked later)."""
    text = decode(data)
    if text is None:
        return ParsedFile((), (RowProblem(1, None, "import.error.encoding"),), 0)
    reader = csv.reader(io.StringIO(text, newline=""))
    header_row = next(reader, None)
    if header_row is None or not any(cell.strip() for cell in header_row):
        return ParsedFile((), (RowProblem(1, None, "import.error.empty"),), 0)
    header = [cell.strip().lower() for cell in header_row]
    problems = _header_problems(header)
    if problems:
        return ParsedFile((), tuple(problems), 0)
    columns = frozenset(header)

    rows: list[ParsedRow] = []
    seen: dict[str, int] = {}
    count = 0
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (a trailing newline in Excel exports)
        count += 1
        if len(cells) != len(header):
            problems.append(
                RowProblem(start, None, "import.error.cells", {"count": len(cells), "expected": len(header)})
            )
            continue
        values = {column: (cell.strip() or None) for column, cell in zip(header, cells, strict=True)}
        try:
            row = AccountRow.model_validate(values, context={"segments": frozenset(segments)})
        except ValidationError as exc:
            problems.extend(_row_problems(start, exc))
            continue
        first = seen.setdefault(row.external_id, start)
        if first != start:
            problems.append(
                RowProblem(
                    start, "external_id", "import.error.duplicate", {"value": row.external_id, "first": first}
                )
            )
            continue
        rows.append(ParsedRow(start, row, columns))
    return ParsedFile(tuple(rows), tuple(problems), count)


def _header_problems(header: Sequence[str]) -> list[RowProblem]:
    problems = [
        RowProblem(1, column, "import.error.unknown_column", {"column": column, "known": ", ".join(COLUMNS)})
        for column in header
        if column not in COLUMNS
    ]
    problems += [
        RowProblem(1, column, "import.error.missing_column", {"column": column})
        for column in REQUIRED
        if column not in header
    ]
    duplicated = sorted({column for column in header if header.count(column) > 1})
    problems += [
        RowProblem(1, column, "import.error.duplicate_column", {"column": column}) for column in duplicated
    ]
    return problems


_PYDANTIC_KEYS: Mapping[str, str] = {
    "missing": "required",
    "string_too_short": "required",
    "string_too_long": "too_long",
    "greater_than_equal": "negative",
    "decimal_parsing": "number",
    "decimal_type": "number",
    "decimal_max_digits": "number_precision",
    "decimal_max_places": "number_precision",
    "decimal_whole_digits": "number_precision",
    "date_type": "date",
    "date_parsing": "date",
    "date_from_datetime_parsing": "date",
}


def _row_problems(line: int, error: ValidationError) -> Iterable[RowProblem]:
    for detail in error.errors(include_url=False):
        loc = detail.get("loc") or ()
        column = str(loc[0]) if loc else None
        kind = str(detail["type"])
        ctx: dict[str, Any] = dict(detail.get("ctx") or {})
        if kind.startswith("import_"):
            key = kind.removeprefix("import_")
        elif kind in _PYDANTIC_KEYS:
            key = _PYDANTIC_KEYS[kind]
            ctx = {"value": detail.get("input"), **{k: v for k, v in ctx.items() if k != "error"}}
        else:
            key, ctx = "invalid", {"message": detail.get("msg", "")}
        yield RowProblem(line, column, f"import.error.{key}", ctx)


# --- importing -----------------------------------------------------------------------------------


def to_input(parsed: ParsedRow, owner_slack_id: str | None) -> AccountInput:
    """The row as the accounts repository takes it, with only the file's columns set."""
    row = parsed.row
    values: dict[str, Any] = {"external_id": row.external_id, "name": row.name, "segment": row.segment}
    for column in parsed.columns - set(REQUIRED):
        value = owner_slack_id if column == "owner" else getattr(row, column)
        values[FIELD_OF_COLUMN.get(column, column)] = value
    return AccountInput(**values)


def import_accounts(
    session: Session,
    data: bytes,
    *,
    segments: Collection[str],
    lookup: EmailLookup | None = None,
    dry_run: bool = False,
    skip_bad: bool = False,
) -> ImportReport:
    """Validate the file, resolve e-mail owners, and upsert the accounts by external id.

    Writes nothing when ``dry_run``, and nothing when a row is bad unless ``skip_bad``. Does not commit.
    ``lookup`` resolves owners given by e-mail (``SlackEmailLookup``); without it they are bad rows.
    """
    parsed = parse(data, segments=segments)
    problems = list(parsed.problems)
    ready: list[tuple[ParsedRow, AccountInput]] = []
    for row in parsed.rows:
        owner, problem = _owner(row, lookup)
        if problem is not None:
            problems.append(problem)
        else:
            ready.append((row, to_input(row, owner)))
    problems.sort(key=lambda p: p.line)

    existing = _existing(session, [data_.external_id for _, data_ in ready])
    changes = [_change(row.line, data_, existing.get(data_.external_id)) for row, data_ in ready]
    write = not dry_run and (skip_bad or not problems) and bool(ready)
    if write:
        for change, (_, data_) in zip(changes, ready, strict=True):
            if change.action is not Action.UNCHANGED:
                accounts.upsert_by_external_id(session, data_)
    return ImportReport(
        rows=parsed.count,
        changes=tuple(changes),
        problems=tuple(problems),
        written=write,
        dry_run=dry_run,
        skip_bad=skip_bad,
    )


def _owner(row: ParsedRow, lookup: EmailLookup | None) -> tuple[str | None, RowProblem | None]:
    owner = row.row.owner
    if owner is None or SLACK_USER_ID.match(owner):
        return owner, None
    if lookup is None:
        return None, RowProblem(row.line, "owner", "import.error.owner_email_needs_slack", {"value": owner})
    user_id = lookup(owner)
    if user_id is None:
        return None, RowProblem(row.line, "owner", "import.error.owner_not_found", {"value": owner})
    return user_id, None


def _existing(session: Session, external_ids: Sequence[str]) -> dict[str, Account]:
    """The stored accounts of these ids (one lookup each: imports are small and rare)."""
    found: dict[str, Account] = {}
    for external_id in external_ids:
        account = accounts.get_by_external_id(session, external_id)
        if account is not None:
            found[external_id] = account
    return found


def _change(line: int, data: AccountInput, account: Account | None) -> RowChange:
    if account is None:
        return RowChange(line, data.external_id, Action.CREATED)
    changed = tuple(
        COLUMN_OF_FIELD.get(name, name)
        for name in sorted(data.model_fields_set)
        if _comparable(getattr(data, name)) != _comparable(getattr(account, name))
    )
    return RowChange(line, data.external_id, Action.UPDATED if changed else Action.UNCHANGED, changed)


def _comparable(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(value)
    if isinstance(value, Decimal):
        return value.normalize()
    if value == "":
        return None
    return value
