"""Daily usage metrics: bulk, idempotent writes from the connectors.

Connectors deliver a whole history at once (a first import is accounts × metrics × days, easily a
million rows), so this path is tuned: one statement per batch on PostgreSQL (``unnest`` of column
arrays), and a driver-level ``executemany`` on SQLite, where SQLAlchemy's per-row parameter handling
would otherwise cost four times the insert itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Date,
    Float,
    Insert,
    Integer,
    String,
    bindparam,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Base, DailyMetric
from storage.types import UtcDateTime

BATCH_SIZE = 10_000
"""Rows per statement: large enough to amortise the round trip, small enough to stream."""

_TABLE = Base.metadata.tables[DailyMetric.__tablename__]
_KEY = (_TABLE.c.account_id, _TABLE.c.metric_id, _TABLE.c.day)
_COLUMNS = ("account_id", "metric_id", "day", "value", "source", "updated_at")


@dataclass(frozen=True, slots=True)
class DailyMetricRow:
    """One value of one metric for one account on one day, as a connector produces it."""

    account_id: int
    metric_id: str
    day: date
    value: float
    source: str


def upsert_daily_metrics(
    session: Session,
    rows: Iterable[DailyMetricRow],
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Insert new rows and update changed ones, in batches; returns how many rows were given.

    Idempotent: a row whose value and source are already stored is not written at all, so re-running
    an import leaves the table exactly as it was (``updated_at`` included). ``rows`` may be a generator
    (a connector can stream millions); a later duplicate of a key wins. Does not commit: the caller's
    unit of work decides, and a failure half-way rolls every batch back.
    """
    connection = session.connection()
    updated_at = now or datetime.now(UTC)
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return _upsert_sqlite(connection, rows, updated_at, batch_size)
    if dialect == "postgresql":
        return _upsert_postgresql(connection, rows, updated_at, batch_size)
    raise NotImplementedError(f"no metric upsert for the {dialect} dialect")


def _on_conflict_update(statement: Any) -> Insert:
    """The shared ``ON CONFLICT .. DO UPDATE .. WHERE changed`` of both dialects' insert constructs."""
    excluded = statement.excluded
    upsert: Insert = statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={"value": excluded.value, "source": excluded.source, "updated_at": excluded.updated_at},
        where=or_(_TABLE.c.value != excluded.value, _TABLE.c.source != excluded.source),
    )
    return upsert


def _upsert_sqlite(
    connection: Connection, rows: Iterable[DailyMetricRow], updated_at: datetime, batch_size: int
) -> int:
    dialect = connection.dialect
    values: dict[str, BindParameter[Any]] = {name: bindparam(name) for name in _COLUMNS}
    statement = _on_conflict_update(sqlite.insert(_TABLE).values(values))
    compiled = statement.compile(dialect=dialect)
    if compiled.positiontup != list(_COLUMNS):
        raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
    # The column types' own bind processors, so values are stored exactly as the ORM stores them.
    to_day = _TABLE.c.day.type.dialect_impl(dialect).bind_processor(dialect) or _unchanged
    to_timestamp = _TABLE.c.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
    stamp = to_timestamp(updated_at) if to_timestamp else updated_at

    count = 0
    for batch in _batches(rows, batch_size):
        connection.exec_driver_sql(
            compiled.string,
            [(row.account_id, row.metric_id, to_day(row.day), row.value, row.source, stamp) for row in batch],
        )
        count += len(batch)
    return count


def _upsert_postgresql(
    connection: Connection, rows: Iterable[DailyMetricRow], updated_at: datetime, batch_size: int
) -> int:
    arrays = (
        func.unnest(
            cast(bindparam("account_ids"), postgresql.ARRAY(Integer)),
            cast(bindparam("metric_ids"), postgresql.ARRAY(String)),
            cast(bindparam("days"), postgresql.ARRAY(Date)),
            cast(bindparam("values"), postgresql.ARRAY(Float)),
            cast(bindparam("sources"), postgresql.ARRAY(String)),
        )
        .table_valued("account_id", "metric_id", "day", "value", "source")
        .render_derived()
    )
    source = select(
        arrays.c.account_id,
        arrays.c.metric_id,
        arrays.c.day,
        arrays.c.value,
        arrays.c.source,
        bindparam("updated_at", type_=UtcDateTime()),
    )
    statement = _on_conflict_update(postgresql.insert(_TABLE).from_select(list(_COLUMNS), source))

    count = 0
    for batch in _batches(rows, batch_size):
        # One statement cannot update a row twice (PostgreSQL refuses); keep the last row per key.
        latest = {(row.account_id, row.metric_id, row.day): row for row in batch}
        unique = list(latest.values())
        connection.execute(
            statement,
            {
                "account_ids": [row.account_id for row in unique],
                "metric_ids": [row.metric_id for row in unique],
                "days": [row.day for row in unique],
                "values": [row.value for row in unique],
                "sources": [row.source for row in unique],
                "updated_at": updated_at,
            },
        )
        count += len(batch)
    return count


def _unchanged(value: Any) -> Any:
    return value


def _batches(rows: Iterable[DailyMetricRow], size: int) -> Iterator[list[DailyMetricRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
