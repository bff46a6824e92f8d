"""Read queries behind the weekly digest: one team's accounts, snapshots, CTAs and touchpoints as the
plain rows ``scoring.digest`` takes. Never writes, never commits.

A team is a set of segments (``None``: every account). Every query filters by joining ``accounts``
on its segment rather than passing thousands of ids. Local days (the team's time zone) are turned into
UTC bounds for timestamp columns, and timestamps back into local days. Rows are read through the
session's connection (Core), not the ORM's result loading: tens of thousands of plain rows, several
times cheaper that way, and nothing here is an entity to track.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from scoring.digest import DigestAccount, DigestCta, DigestSnapshot, Grade, WeekGrades
from scoring.model import Reason
from storage.enums import AccountStatus
from storage.mapping import UNKNOWN_FLAG, reason_from_json
from storage.models import Account, Assessment, Cta, HealthSnapshot, Touchpoint
from storage.repositories.touchpoints import day_start

Segments = Collection[str] | None
SNAPSHOT_MAX_AGE = timedelta(days=6)
"""A week's state is each account's latest snapshot within that week (a scoring pass runs daily)."""


def _rows(session: Session, statement: Executable) -> Sequence[Any]:
    """Every row of ``statement``, fetched at once through the session's connection (Core)."""
    return session.connection().execute(statement).all()


def _in_team(segments: Segments) -> ColumnElement[bool]:
    return true() if segments is None else Account.segment.in_(list(segments))


def _in_book(day: date) -> ColumnElement[bool]:
    """Not churned as of ``day`` (the rule of ``DigestAccount.in_book``)."""
    return or_(
        Account.status == AccountStatus.ACTIVE,
        and_(Account.churned_on.is_not(None), Account.churned_on > day),
    )


def accounts(session: Session, segments: Segments, *, end: date) -> list[DigestAccount]:
    """The team's accounts still in the book a week before ``end`` (so last week's figures and this
    week's churn are right), each with its last assessment's call date on or before ``end``."""
    last_call = (
        select(Assessment.account_id, func.max(Assessment.call_date).label("last_call"))
        .where(Assessment.call_date <= end)
        .group_by(Assessment.account_id)
        .subquery()
    )
    statement = (
        select(
            Account.id,
            Account.name,
            Account.segment,
            Account.owner_slack_id,
            Account.mrr,
            Account.renewal_date,
            Account.status,
            Account.churned_on,
            last_call.c.last_call,
        )
        .outerjoin(last_call, last_call.c.account_id == Account.id)
        .where(_in_team(segments), _in_book(end - timedelta(days=7)))
        .order_by(Account.id)
    )
    return [
        DigestAccount(
            account_id=row.id,
            name=row.name,
            segment=row.segment,
            owner=row.owner_slack_id,
            mrr=Decimal(row.mrr or 0),
            renewal_date=row.renewal_date,
            churned=row.status != AccountStatus.ACTIVE,
            churned_on=row.churned_on,
            last_assessed_on=row.last_call,
        )
        for row in _rows(session, statement)
    ]


def _latest_days(segments: Segments, on_or_before: date) -> Any:
    return (
        select(HealthSnapshot.account_id, func.max(HealthSnapshot.day).label("day"))
        .join(Account, Account.id == HealthSnapshot.account_id)
        .where(
            _in_team(segments),
            HealthSnapshot.day <= on_or_before,
            HealthSnapshot.day >= on_or_before - SNAPSHOT_MAX_AGE,
        )
        .group_by(HealthSnapshot.account_id)
        .subquery()
    )


def latest_snapshots(
    session: Session, segments: Segments, *, on_or_before: date
) -> dict[int, DigestSnapshot]:
    """Each team account's latest snapshot in the week ending ``on_or_before`` (reasons not loaded)."""
    newest = _latest_days(segments, on_or_before)
    statement = select(
        HealthSnapshot.account_id,
        HealthSnapshot.day,
        HealthSnapshot.overall_score,
        HealthSnapshot.overall_grade,
        HealthSnapshot.firewood_score,
        HealthSnapshot.fire_score,
    ).join(
        newest,
        and_(HealthSnapshot.account_id == newest.c.account_id, HealthSnapshot.day == newest.c.day),
    )
    return {
        row.account_id: DigestSnapshot(
            account_id=row.account_id,
            day=row.day,
            overall_score=row.overall_score,
            overall_grade=row.overall_grade,
            firewood_score=row.firewood_score,
            fire_score=row.fire_score,
        )
        for row in _rows(session, statement)
    }


def snapshot_reasons(
    session: Session, snapshots: Mapping[int, DigestSnapshot], account_ids: Collection[int]
) -> dict[int, tuple[Reason, ...]]:
    """The known reasons (unknowns left out) of the given snapshots of ``account_ids``."""
    wanted = [(i, snapshots[i].day) for i in account_ids if i in snapshots]
    if not wanted:
        return {}
    statement = select(HealthSnapshot.account_id, HealthSnapshot.reasons).where(
        or_(*(and_(HealthSnapshot.account_id == i, HealthSnapshot.day == day) for i, day in wanted))
    )
    return {
        account_id: tuple(reason_from_json(item) for item in items or () if not item.get(UNKNOWN_FLAG))
        for account_id, items in _rows(session, statement)
    }


def _local_day(at: datetime, tz: tzinfo) -> date:
    return at.astimezone(tz).date()


def ctas(
    session: Session, segments: Segments, *, start: date, end: date, tz: tzinfo
) -> dict[str, list[DigestCta]]:
    """Per segment, CTAs that matter to the week: opened on or before ``end`` and not closed before
    ``start`` (opened this week, closed this week, or still open at its end)."""
    end_bound = day_start(end + timedelta(days=1), tz)
    start_bound = day_start(start, tz)
    statement = (
        select(Account.segment, Cta.account_id, Cta.status, Cta.opened_at, Cta.due_on, Cta.closed_at)
        .join(Account, Account.id == Cta.account_id)
        .where(
            _in_team(segments),
            Cta.opened_at < end_bound,
            or_(Cta.closed_at.is_(None), Cta.closed_at >= start_bound),
        )
    )
    found: dict[str, list[DigestCta]] = {}
    for row in _rows(session, statement):
        found.setdefault(row.segment, []).append(
            DigestCta(
                account_id=row.account_id,
                status=str(row.status),
                opened_on=_local_day(row.opened_at, tz),
                due_on=row.due_on,
                closed_on=None if row.closed_at is None else _local_day(row.closed_at, tz),
            )
        )
    return found


def touchpoint_counts(
    session: Session, segments: Segments, *, first_day: date, last_day: date, tz: tzinfo
) -> dict[str, int]:
    """Per segment, touchpoints on the team's days ``first_day``..``last_day`` (inclusive)."""
    statement = (
        select(Account.segment, func.count())
        .select_from(Touchpoint)
        .join(Account, Account.id == Touchpoint.account_id)
        .where(
            _in_team(segments),
            Touchpoint.occurred_at >= day_start(first_day, tz),
            Touchpoint.occurred_at < day_start(last_day + timedelta(days=1), tz),
        )
        .group_by(Account.segment)
    )
    return {segment: int(count) for segment, count in _rows(session, statement)}


def _book_sizes(session: Session, segments: Segments, day: date) -> dict[str, int]:
    statement = (
        select(Account.segment, func.count())
        .where(_in_team(segments), _in_book(day))
        .group_by(Account.segment)
    )
    return {segment: int(count) for segment, count in _rows(session, statement)}


def grade_history(session: Session, segments: Segments, ends: Sequence[date]) -> dict[str, list[WeekGrades]]:
    """Per segment and week ending on each of ``ends``: accounts in the book then, per grade of their
    latest snapshot in that week; accounts without one count as 未評価 (``None``). Counted in the
    database, one grouped query per week for every segment at once (measured cheaper than one
    window-function query or a pass in Python)."""
    per_week: list[tuple[date, dict[str, dict[Grade, int]]]] = []
    for end in ends:
        newest = _latest_days(segments, end)
        statement = (
            select(Account.segment, HealthSnapshot.overall_grade, func.count())
            .join(
                newest,
                and_(HealthSnapshot.account_id == newest.c.account_id, HealthSnapshot.day == newest.c.day),
            )
            .join(Account, Account.id == HealthSnapshot.account_id)
            .where(_in_book(end))
            .group_by(Account.segment, HealthSnapshot.overall_grade)
        )
        counts: dict[str, dict[Grade, int]] = {}
        for segment, grade, count in _rows(session, statement):
            counts.setdefault(segment, {})[grade] = int(count)
        for segment, book in _book_sizes(session, segments, end).items():
            graded = counts.setdefault(segment, {})
            graded[None] = book - sum(c for g, c in graded.items() if g is not None)
        per_week.append((end, counts))
    names = {segment for _end, counts in per_week for segment in counts}
    return {
        segment: [WeekGrades(end=end, counts=counts.get(segment, {})) for end, counts in per_week]
        for segment in sorted(names)
    }
