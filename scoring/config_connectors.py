"""The ``connectors:`` section of ``takibi.yml``: where the fire metrics (usage data) are pulled from.

Each connector has an ``id``, a ``kind`` (``csv``, ``sql`` or ``http``) and that kind's settings. A
connector delivers rows of *account external id, date, metric, value*; ``metrics`` optionally maps the
source's metric names to fire metric ids (``{ログイン率: login_rate}``). Without a mapping, a source's
metric names must be the fire metric ids themselves.

Secrets never live in the file: a SQL connector names the environment variable holding its URL
(``url_env``), an HTTP connector the one holding its bearer token (``token_env``). The cross-field check
reports a value that does not look like a variable name without echoing it (it may be the secret).

This module is pure like the rest of ``scoring``: it describes settings; ``storage.connectors`` reads.
``scoring.config`` imports it for its ``connectors`` field and turns ``connector_problems`` into
``ConfigProblem``s with full paths, as it does for the other sections.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Seconds = Annotated[float, Field(gt=0, le=600)]


def is_env_name(text: str) -> bool:
    """An environment variable's name (``[A-Za-z_][A-Za-z0-9_]*``); anything else is probably the secret."""
    return text.isascii() and text.isidentifier()


PACKAGE_PREFIX = "package:"
"""``path: package:storage.sample/usage.csv`` names a file shipped inside an installed package."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Columns(_Model):
    """The source's names for the four fields of a row (CSV header, SQL result or JSON keys)."""

    account: NonEmpty = "account_external_id"
    date: NonEmpty = "date"
    metric: NonEmpty = "metric"
    value: NonEmpty = "value"

    def names(self) -> tuple[str, str, str, str]:
        return self.account, self.date, self.metric, self.value


class _ConnectorBase(_Model):
    id: Id
    metrics: dict[NonEmpty, Id] = Field(default_factory=dict)
    """Source metric name → fire metric id. Empty: the source uses the fire metric ids."""
    columns: Columns = Columns()
    date_format: NonEmpty | None = None
    """A ``strftime`` format such as ``%Y/%m/%d``; by default ISO dates and ``2024/11/05`` are read."""

    @field_validator("metrics", mode="before")
    @classmethod
    def _names_as_text(cls, value: object) -> object:
        """A source's metric names can be numbers in YAML (``101: login_rate``); they are names."""
        if isinstance(value, Mapping):
            return {
                str(k) if isinstance(k, int | float) and not isinstance(k, bool) else k: v
                for k, v in value.items()
            }
        return value


class CsvConnectorSettings(_ConnectorBase):
    """A CSV file. ``path`` is absolute, relative to ``takibi.yml``, or ``package:<package>/<file>``.

    ``utf-8`` also reads a file that starts with a BOM (as Excel writes "CSV UTF-8"); ``cp932`` is the
    Japanese Windows encoding of Excel's plain "CSV" export.
    """

    kind: Literal["csv"]
    path: NonEmpty
    encoding: Literal["utf-8", "utf-8-sig", "cp932"] = "utf-8"
    delimiter: Annotated[str, StringConstraints(min_length=1, max_length=1)] = ","


class SqlConnectorSettings(_ConnectorBase):
    """A query against a warehouse that does the aggregation and returns one row per account, day and
    metric. ``url_env`` names the environment variable holding the SQLAlchemy URL. The query may use
    ``:today`` and, with ``lookback_days``, ``:since`` (today − lookback_days) to pull a recent window."""

    kind: Literal["sql"]
    url_env: NonEmpty
    query: NonEmpty
    lookback_days: Annotated[int, Field(ge=1)] | None = None


class HttpConnectorSettings(_ConnectorBase):
    """An endpoint answering JSON: a list of rows, or pages ``{"rows": [...], "next": "<url>"}``.

    Server errors (5xx) and failed connections are retried ``retries`` times, waiting
    ``retry_wait_seconds`` doubled each time (or the server's ``Retry-After``, up to a minute).
    """

    kind: Literal["http"]
    url: NonEmpty
    token_env: NonEmpty | None = None
    timeout_seconds: Seconds = 30.0
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    retry_wait_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0
    max_pages: Annotated[int, Field(ge=1)] = 10_000


ConnectorSettings = Annotated[
    CsvConnectorSettings | SqlConnectorSettings | HttpConnectorSettings, Field(discriminator="kind")
]


# --- cross-field check ---------------------------------------------------------------------------

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ConnectorProblem:
    """A problem at ``loc`` relative to the ``connectors`` list; ``scoring.config`` prefixes the path."""

    loc: Loc
    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    on_key: bool = False


def connector_problems(
    connectors: Sequence[ConnectorSettings],
    *,
    pulled_metrics: Collection[str],
    builtin_metrics: Collection[str],
) -> Iterator[ConnectorProblem]:
    """Unique ids; mapped metrics are pulled fire metrics; env names are names; URLs are http(s).

    ``pulled_metrics`` are the fire metric ids a connector may deliver; ``builtin_metrics`` are fire
    metrics takibi computes itself (the onboarding delay), which a connector must not overwrite.
    """
    known = ", ".join(sorted(pulled_metrics)) or "-"
    seen: dict[str, int] = {}
    for index, connector in enumerate(connectors):
        if connector.id in seen:
            yield ConnectorProblem(
                (index, "id"),
                "config.error.duplicate_id",
                {"id": connector.id, "first": seen[connector.id] + 1},
            )
        seen.setdefault(connector.id, index)
        for source_name, metric_id in connector.metrics.items():
            loc: Loc = (index, "metrics", source_name)
            if metric_id in builtin_metrics:
                yield ConnectorProblem(loc, "config.error.connector_builtin_metric", {"metric": metric_id})
            elif metric_id not in pulled_metrics:
                yield ConnectorProblem(
                    loc, "config.error.connector_unknown_metric", {"metric": metric_id, "known": known}
                )
        names = connector.columns.names()
        for name_of_field, name in zip(Columns.model_fields, names, strict=True):
            if names.count(name) > 1:
                yield ConnectorProblem(
                    (index, "columns", name_of_field), "config.error.connector_column", {"column": name}
                )
        if connector.date_format is not None and not _date_format_works(connector.date_format):
            yield ConnectorProblem((index, "date_format"), "config.error.connector_date_format")
        if isinstance(connector, SqlConnectorSettings) and not is_env_name(connector.url_env):
            yield ConnectorProblem((index, "url_env"), "config.error.connector_env_name")
        if isinstance(connector, HttpConnectorSettings):
            if connector.token_env is not None and not is_env_name(connector.token_env):
                yield ConnectorProblem((index, "token_env"), "config.error.connector_env_name")
            if not connector.url.startswith(("http://", "https://")):
                yield ConnectorProblem((index, "url"), "config.error.connector_url")


def _date_format_works(date_format: str) -> bool:
    """A format is usable when a date written with it reads back as the same date."""
    sample = datetime(2024, 11, 23)  # noqa: DTZ001 - a calendar date, no instant involved
    try:
        return datetime.strptime(sample.strftime(date_format), date_format) == sample  # noqa: DTZ007
    except ValueError:
        return False
