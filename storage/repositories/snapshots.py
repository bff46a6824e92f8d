"""Health snapshots: one row per account and day, the score's history.

Re-scoring a day replaces that day's row (``ON CONFLICT (account_id, day) DO UPDATE``), so a pass can
be re-run after a fix, a late import or a configuration change without leaving two answers for one
day; the row records the configuration version it was computed under.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from scoring.model import HealthResult
from storage.mapping import snapshot_values
from storage.models import Base, HealthSnapshot

_TABLE = Base.metadata.tables[HealthSnapshot.__tablename__]
_KEY = ("account_id", "day")
_UPDATED = tuple(c.name for c in _TABLE.columns if c.name not in {"id", *_KEY})

History = dict[int, list[tuple[date, float | None]]]


def _on_conflict_replace(insert: Any) -> Insert:
    excluded = insert.excluded
    statement: Insert = insert.on_conflict_do_update(
        index_elements=list(_KEY), set_={name: excluded[name] for name in _UPDATED}
    )
    return statement


_UPSERTS: dict[str, Insert] = {
    "sqlite": _on_conflict_replace(sqlite.insert(_TABLE)),
    "postgresql": _on_conflict_replace(postgresql.insert(_TABLE)),
}
"""Executed with one parameter set per row: the driver's ``executemany`` (pipelined on psycopg;
a single ``unnest`` statement was measured no faster here, the JSON being most of the work)."""


def upsert(session: Session, results: Iterable[tuple[int, HealthResult]], *, computed_at: datetime) -> int:
    """Write each ``(account id, result)`` as its account's snapshot for ``result.as_of``.

    Returns how many rows were written. Does not commit.
    """
    dialect = session.get_bind().dialect.name
    statement = _UPSERTS.get(dialect)
    if statement is None:
        raise NotImplementedError(f"no snapshot upsert for the {dialect} dialect")
    shared: dict[int, dict[str, object]] = {}
    rows = [snapshot_values(result, account_id, computed_at, shared) for account_id, result in results]
    if rows:
        session.execute(statement, rows)
    return len(rows)


def history(session: Session, account_ids: Collection[int], *, since: date, until: date) -> History:
    """Per account, ``(day, overall score)`` of its snapshots on ``since``..``until``, oldest first.

    What ``scoring.trend`` takes; accounts without a snapshot in the range are absent.
    """
    if not account_ids:
        return {}
    session.flush()
    statement = (
        select(HealthSnapshot.account_id, HealthSnapshot.day, HealthSnapshot.overall_score)
        .where(
            HealthSnapshot.account_id.in_(list(account_ids)),
            HealthSnapshot.day >= since,
            HealthSnapshot.day <= until,
        )
        .order_by(HealthSnapshot.account_id, HealthSnapshot.day)
    )
    found: History = {}
    for account_id, day, score in session.connection().execute(statement).all():
        found.setdefault(account_id, []).append((day, score))
    return found


def get(session: Session, account_id: int, day: date) -> HealthSnapshot | None:
    statement = select(HealthSnapshot).where(
        HealthSnapshot.account_id == account_id, HealthSnapshot.day == day
    )
    return session.scalars(statement).one_or_none()


def latest(
    session: Session, account_ids: Collection[int] | None = None, *, on_or_before: date | None = None
) -> dict[int, HealthSnapshot]:
    """Each account's most recent snapshot (on or before a day, if given); all accounts when ``None``."""
    newest = select(HealthSnapshot.account_id, func.max(HealthSnapshot.day).label("day")).group_by(
        HealthSnapshot.account_id
    )
    if account_ids is not None:
        if not account_ids:
            return {}
        newest = newest.where(HealthSnapshot.account_id.in_(list(account_ids)))
    if on_or_before is not None:
        newest = newest.where(HealthSnapshot.day <= on_or_before)
    subquery = newest.subquery()
    statement = select(HealthSnapshot).join(
        subquery,
        (HealthSnapshot.account_id == subquery.c.account_id) & (HealthSnapshot.day == subquery.c.day),
    )
    return {snapshot.account_id: snapshot for snapshot in session.scalars(statement)}


def grade_distribution(session: Session, *, since: date, until: date) -> dict[date, dict[int | None, int]]:
    """Per day in ``since``..``until``, how many accounts had each overall grade (``None`` = 未評価)."""
    statement = (
        select(HealthSnapshot.day, HealthSnapshot.overall_grade, func.count())
        .where(HealthSnapshot.day >= since, HealthSnapshot.day <= until)
        .group_by(HealthSnapshot.day, HealthSnapshot.overall_grade)
        .order_by(HealthSnapshot.day)
    )
    found: dict[date, dict[int | None, int]] = {}
    for day, grade, count in session.execute(statement):
        found.setdefault(day, {})[grade] = int(count)
    return found
