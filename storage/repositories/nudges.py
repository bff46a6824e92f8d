"""Queries behind the steward's nudges: what is due (accounts and their last assessment, overdue CTAs),
each CSM's pause and language, and the record of every nudge sent. Functions take a session and never
commit; reads come back as the plain types of ``scoring.nudges``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from scoring.nudges import AccountFacts, OverdueCta, PreviousNudge
from storage.enums import OPEN_CTA_STATUSES, AccountStatus, NudgeOutcome
from storage.models import Account, Assessment, Cta, NudgePreference, NudgeRecord

# --- what is due ------------------------------------------------------------------------------------


def account_facts(session: Session) -> list[AccountFacts]:
    """Every active account with its owner and the call date of its latest assessment (two columns
    of one grouped join: one query however many accounts)."""
    latest = (
        select(Assessment.account_id, func.max(Assessment.call_date).label("last"))
        .group_by(Assessment.account_id)
        .subquery()
    )
    statement = (
        select(Account.id, Account.name, Account.owner_slack_id, Account.segment, latest.c.last)
        .outerjoin(latest, latest.c.account_id == Account.id)
        .where(Account.status == AccountStatus.ACTIVE)
        .order_by(Account.name, Account.id)
    )
    return [AccountFacts(*row) for row in session.execute(statement)]


def overdue_ctas(session: Session, *, today: date, now: datetime) -> list[OverdueCta]:
    """Open CTAs of active accounts due before ``today`` and not snoozed at ``now``; the one to act is
    the CTA's owner, else the account's (a CTA with neither is left out)."""
    owner = func.coalesce(Cta.owner_slack_id, Account.owner_slack_id)
    statement = (
        select(Cta.id, Cta.account_id, Account.name, Cta.rule_id, owner, Cta.due_on)
        .join(Account, Account.id == Cta.account_id)
        .where(
            Cta.status.in_(OPEN_CTA_STATUSES),
            Cta.due_on < today,
            Account.status == AccountStatus.ACTIVE,
            owner.is_not(None),
            or_(Cta.snoozed_until.is_(None), Cta.snoozed_until <= now),
        )
        .order_by(Cta.due_on, Cta.id)
    )
    return [OverdueCta(*row) for row in session.execute(statement)]


# --- pauses and language ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preference:
    user: str
    paused_through: date | None
    locale: str | None


def preferences(session: Session, users: Collection[str] | None = None) -> dict[str, Preference]:
    statement = select(NudgePreference)
    if users is not None:
        if not users:
            return {}
        statement = statement.where(NudgePreference.user_slack_id.in_(list(users)))
    return {
        row.user_slack_id: Preference(row.user_slack_id, row.paused_through, row.locale)
        for row in session.scalars(statement)
    }


def set_preference(
    session: Session, user: str, *, paused_through: date | None, locale: str | None, now: datetime
) -> Preference:
    """Pause through a day (``None``: not paused) and remember the user's language; flushed."""
    row = session.get(NudgePreference, user)
    if row is None:
        row = NudgePreference(user_slack_id=user)
        session.add(row)
    row.paused_through = paused_through
    if locale is not None:
        row.locale = locale
    row.updated_at = now
    session.flush()
    return Preference(user, row.paused_through, row.locale)


# --- nudges sent ------------------------------------------------------------------------------------


def unresolved_before(session: Session, day: date) -> dict[str, PreviousNudge]:
    """Per CSM, their latest nudge from before ``day`` if it is still unresolved."""
    latest = (
        select(NudgeRecord.user_slack_id, func.max(NudgeRecord.day).label("day"))
        .where(NudgeRecord.day < day)
        .group_by(NudgeRecord.user_slack_id)
        .subquery()
    )
    statement = select(NudgeRecord).join(
        latest, (latest.c.user_slack_id == NudgeRecord.user_slack_id) & (latest.c.day == NudgeRecord.day)
    )
    return {
        row.user_slack_id: PreviousNudge(
            user=row.user_slack_id,
            day=row.day,
            items=frozenset(row.items),
            streak=row.streak,
            steward_told=row.steward_told,
        )
        for row in session.scalars(statement)
        if row.outcome is None
    }


def nudged_on(session: Session, day: date) -> set[str]:
    """CSMs who already got their nudge of ``day``."""
    statement = select(NudgeRecord.user_slack_id).where(NudgeRecord.day == day)
    return set(session.scalars(statement))


def resolve(session: Session, user: str, day: date, outcome: NudgeOutcome, *, on: date) -> bool:
    """Record what became of ``user``'s nudge of ``day``; ``False`` when it was already resolved."""
    row = session.scalars(
        select(NudgeRecord).where(NudgeRecord.user_slack_id == user, NudgeRecord.day == day)
    ).one_or_none()
    if row is None or row.outcome is not None:
        return False
    row.outcome = outcome
    row.resolved_on = on
    return True


def add(
    session: Session,
    *,
    user: str,
    day: date,
    items: Collection[str],
    total: int,
    streak: int,
    steward_told: bool,
    now: datetime,
) -> NudgeRecord:
    record = NudgeRecord(
        user_slack_id=user,
        day=day,
        sent_at=now,
        items=list(items),
        total=total,
        streak=streak,
        steward_told=steward_told,
    )
    session.add(record)
    session.flush()
    return record


def history(session: Session, user: str, *, limit: int = 20) -> list[NudgeRecord]:
    """A CSM's latest nudges, newest first."""
    statement = (
        select(NudgeRecord)
        .where(NudgeRecord.user_slack_id == user)
        .order_by(NudgeRecord.day.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))
