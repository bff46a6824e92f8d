"""Touchpoints (送風): recording them, and reading the ones scoring needs.

Timestamps are stored in UTC; scoring counts days on the team's calendar, so every read that feeds
scoring takes the team's time zone and turns a touchpoint into its local day.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoring.model import Touchpoint as TouchpointFact
from storage.enums import ExpectationFit, TouchpointKind
from storage.mapping import local_day, touchpoint
from storage.models import Touchpoint


def add(
    session: Session,
    *,
    account_id: int,
    kind: TouchpointKind,
    occurred_at: datetime,
    author_slack_id: str | None = None,
    expectation_fit: ExpectationFit | None = None,
    effort_minutes: int | None = None,
    note: str = "",
    slack_permalink: str | None = None,
    assessment_id: int | None = None,
) -> Touchpoint:
    """Record one contact; ``expectation_fit`` is お節介 / ハッピー / がっかり when the CSM rated it."""
    row = Touchpoint(
        account_id=account_id,
        kind=kind,
        occurred_at=occurred_at,
        author_slack_id=author_slack_id,
        expectation_fit=expectation_fit,
        effort_minutes=effort_minutes,
        note=note,
        slack_permalink=slack_permalink,
        assessment_id=assessment_id,
    )
    session.add(row)
    session.flush()
    return row


def recent(session: Session, account_id: int, *, limit: int = 10) -> Sequence[Touchpoint]:
    """The account's latest touchpoints, newest first."""
    statement = (
        select(Touchpoint)
        .where(Touchpoint.account_id == account_id)
        .order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc())
        .limit(limit)
    )
    return session.scalars(statement).all()


def day_start(day: date, tz: tzinfo) -> datetime:
    """Midnight at the start of ``day`` in the team's time zone, as an aware timestamp."""
    return datetime.combine(day, time.min, tzinfo=tz)


def facts_between(
    session: Session, account_ids: Collection[int], *, first_day: date, last_day: date, tz: tzinfo
) -> dict[int, list[TouchpointFact]]:
    """Touchpoints on the team's days ``first_day``..``last_day`` (inclusive), oldest first, per account.

    Also, for each account with none in that range, its last touchpoint before it: scoring needs the
    day of the last contact however old (a silent account is known to be silent, not unknown). Two
    queries for all the accounts given.
    """
    if not account_ids:
        return {}
    session.flush()  # read below the ORM (no autoflush): a caller's unsaved touchpoint must count
    ids = list(account_ids)
    start, end = day_start(first_day, tz), day_start(last_day + timedelta(days=1), tz)
    columns = (Touchpoint.account_id, Touchpoint.occurred_at, Touchpoint.kind, Touchpoint.expectation_fit)
    statement = (
        select(*columns)
        .where(Touchpoint.account_id.in_(ids), Touchpoint.occurred_at >= start, Touchpoint.occurred_at < end)
        .order_by(Touchpoint.account_id, Touchpoint.occurred_at, Touchpoint.id)
    )
    found: dict[int, list[TouchpointFact]] = {}
    for account_id, occurred_at, kind, fit in session.connection().execute(statement).all():
        found.setdefault(account_id, []).append(touchpoint(local_day(occurred_at, tz), kind, fit))

    silent = [account_id for account_id in ids if account_id not in found]
    for account_id, row in last_before(session, silent, start).items():
        found[account_id] = [touchpoint(local_day(row.occurred_at, tz), row.kind, row.expectation_fit)]
    return found


def last_before(session: Session, account_ids: Collection[int], before: datetime) -> dict[int, Touchpoint]:
    """Each account's latest touchpoint strictly before ``before`` (absent: never contacted)."""
    if not account_ids:
        return {}
    latest = (
        select(Touchpoint.account_id, func.max(Touchpoint.occurred_at).label("at"))
        .where(Touchpoint.account_id.in_(list(account_ids)), Touchpoint.occurred_at < before)
        .group_by(Touchpoint.account_id)
        .subquery()
    )
    statement = (
        select(Touchpoint)
        .join(
            latest,
            (Touchpoint.account_id == latest.c.account_id) & (Touchpoint.occurred_at == latest.c.at),
        )
        .order_by(Touchpoint.id)
    )
    return {row.account_id: row for row in session.scalars(statement)}
