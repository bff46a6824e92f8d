"""CTA queries: open, find, record events, read history for the rules and rows for statistics.

Functions take the caller's session and never commit. The transitions themselves (who may do what,
in which state) live in ``handlers.services.ctas``; this module only reads and writes rows.

At most one CTA per (account, rule) is open (``open`` or ``in_progress``): the partial unique index
guarantees it, and :func:`try_open` turns losing a race for it into ``None`` instead of an error, inside
a savepoint, so the caller's transaction goes on.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring.rules import GradePoint, RuleReason
from storage.enums import (
    OPEN_CTA_STATUSES,
    AccountStatus,
    CtaEventKind,
    CtaPriority,
    CtaStatus,
    CtaUsefulness,
)
from storage.mapping import param_from_json, param_to_json
from storage.models import Account, Cta, CtaEvent, HealthSnapshot

SYSTEM_ACTOR = "system"
"""The actor of transitions takibi makes by itself (opening, auto-closing, waking, expiring)."""

CLOSED_STATUSES: frozenset[CtaStatus] = frozenset(CtaStatus) - OPEN_CTA_STATUSES
_OPEN = sorted(OPEN_CTA_STATUSES)
_CLOSED = sorted(CLOSED_STATUSES)


# --- reasons as JSON -----------------------------------------------------------------------------


def reasons_to_json(reasons: Iterable[RuleReason]) -> list[dict[str, Any]]:
    """``[{"key", "params"}]`` with dates and labels tagged (see ``storage.mapping``)."""
    return [
        {"key": r.key, "params": {name: param_to_json(value) for name, value in r.params.items()}}
        for r in reasons
    ]


def reasons_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[RuleReason, ...]:
    return tuple(
        RuleReason(
            str(item["key"]),
            {str(name): param_from_json(value) for name, value in (item.get("params") or {}).items()},
        )
        for item in items
    )


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountContext:
    """The account columns the rules and CTAs need besides the scoring facts."""

    id: int
    external_id: str
    name: str
    segment: str
    status: AccountStatus
    owner_slack_id: str | None
    alert_channel_id: str | None
    renewal_date: date | None


def account_contexts(session: Session, account_ids: Collection[int]) -> dict[int, AccountContext]:
    if not account_ids:
        return {}
    statement = select(
        Account.id,
        Account.external_id,
        Account.name,
        Account.segment,
        Account.status,
        Account.owner_slack_id,
        Account.alert_channel_id,
        Account.renewal_date,
    ).where(Account.id.in_(list(account_ids)))
    return {row[0]: AccountContext(*row) for row in session.execute(statement)}


def get(session: Session, cta_id: int, *, lock: bool = False) -> Cta | None:
    """One CTA; ``lock`` takes a row lock on PostgreSQL so two clicks cannot both apply."""
    if lock:
        return session.scalars(select(Cta).where(Cta.id == cta_id).with_for_update()).one_or_none()
    return session.get(Cta, cta_id)


def open_ctas(
    session: Session, account_ids: Collection[int] | None = None, *, rule_ids: Collection[str] | None = None
) -> list[Cta]:
    """Open CTAs (``open`` or ``in_progress``), of some accounts or all, by id."""
    statement = select(Cta).where(Cta.status.in_(_OPEN))
    if account_ids is not None:
        if not account_ids:
            return []
        statement = statement.where(Cta.account_id.in_(list(account_ids)))
    if rule_ids is not None:
        statement = statement.where(Cta.rule_id.in_(list(rule_ids)))
    return list(session.scalars(statement.order_by(Cta.id)))


def open_ctas_of_inactive_accounts(session: Session) -> list[Cta]:
    """Open CTAs whose account is no longer active (churned): nothing will evaluate them again."""
    statement = (
        select(Cta)
        .join(Account, Account.id == Cta.account_id)
        .where(Cta.status.in_(_OPEN), Account.status != AccountStatus.ACTIVE)
        .order_by(Cta.id)
    )
    return list(session.scalars(statement))


def last_closed(session: Session, account_ids: Collection[int]) -> dict[tuple[int, str], datetime]:
    """When each (account, rule) last had a CTA closed, for the cool-down."""
    if not account_ids:
        return {}
    statement = (
        select(Cta.account_id, Cta.rule_id, func.max(Cta.closed_at))
        .where(Cta.account_id.in_(list(account_ids)), Cta.status.in_(_CLOSED), Cta.closed_at.is_not(None))
        .group_by(Cta.account_id, Cta.rule_id)
    )
    # MAX() keeps the column's type, so the values come back as aware UTC datetimes.
    found: dict[tuple[int, str], datetime] = {}
    for account_id, rule_id, closed_at in session.execute(statement):
        if closed_at is not None:
            found[(account_id, rule_id)] = closed_at
    return found


def grade_history(
    session: Session, account_ids: Collection[int], *, since: date, until: date
) -> dict[int, tuple[GradePoint, ...]]:
    """Per account, the grades of its snapshots on ``since``..``until``, oldest first."""
    if not account_ids:
        return {}
    statement = (
        select(
            HealthSnapshot.account_id,
            HealthSnapshot.day,
            HealthSnapshot.overall_grade,
            HealthSnapshot.firewood_grade,
            HealthSnapshot.ember_grade,
            HealthSnapshot.wind_grade,
            HealthSnapshot.fire_grade,
        )
        .where(
            HealthSnapshot.account_id.in_(list(account_ids)),
            HealthSnapshot.day >= since,
            HealthSnapshot.day <= until,
        )
        .order_by(HealthSnapshot.account_id, HealthSnapshot.day)
    )
    found: dict[int, list[GradePoint]] = {}
    for account_id, day, overall, firewood, ember, wind, fire in session.execute(statement):
        found.setdefault(account_id, []).append(GradePoint(day, overall, firewood, ember, wind, fire))
    return {account_id: tuple(points) for account_id, points in found.items()}


def events(session: Session, cta_id: int) -> list[CtaEvent]:
    return list(session.scalars(select(CtaEvent).where(CtaEvent.cta_id == cta_id).order_by(CtaEvent.id)))


@dataclass(frozen=True, slots=True)
class CtaRow:
    """The columns per-rule statistics read."""

    rule_id: str
    status: CtaStatus
    opened_at: datetime
    due_on: date
    closed_at: datetime | None
    usefulness: CtaUsefulness | None


def stats_rows(session: Session, *, opened_since: datetime | None = None) -> list[CtaRow]:
    """Every CTA's status, dates and feedback (a few columns: CTAs number thousands, not millions)."""
    statement = select(Cta.rule_id, Cta.status, Cta.opened_at, Cta.due_on, Cta.closed_at, Cta.usefulness)
    if opened_since is not None:
        statement = statement.where(Cta.opened_at >= opened_since)
    return [CtaRow(*row) for row in session.execute(statement.order_by(Cta.id))]


# --- writing -------------------------------------------------------------------------------------


def add_event(
    session: Session,
    cta: Cta,
    kind: CtaEventKind,
    *,
    actor: str,
    at: datetime,
    detail: Mapping[str, object] | None = None,
) -> CtaEvent:
    """Record one transition of ``cta``; values in ``detail`` go through the reason JSON tagging."""
    event = CtaEvent(
        cta_id=cta.id,
        kind=kind,
        actor=actor,
        at=at,
        detail={name: param_to_json(value) for name, value in (detail or {}).items()},
    )
    session.add(event)
    return event


def try_open(
    session: Session,
    *,
    account_id: int,
    rule_id: str,
    priority: CtaPriority,
    reasons: Sequence[RuleReason],
    due_on: date,
    owner_slack_id: str | None,
    channel_id: str | None,
    config_version: str,
    now: datetime,
) -> Cta | None:
    """Open a CTA and record its ``opened`` event; ``None`` when one is already open for the account
    and rule (another pass got there first: the unique index refused the row).

    The insert runs in a savepoint, so losing the race leaves the caller's transaction usable. On
    PostgreSQL a concurrent insert waits for the other transaction and then fails here; on SQLite
    writers are serialised by the caller's ``unit_of_work(immediate=True)``.
    """
    cta = Cta(
        account_id=account_id,
        rule_id=rule_id,
        status=CtaStatus.OPEN,
        priority=priority,
        reasons=reasons_to_json(reasons),
        opened_at=now,
        due_on=due_on,
        owner_slack_id=owner_slack_id,
        channel_id=channel_id,
        config_version=config_version,
    )
    try:
        with session.begin_nested():
            session.add(cta)
            session.flush()
    except IntegrityError:
        return None
    add_event(session, cta, CtaEventKind.OPENED, actor=SYSTEM_ACTOR, at=now, detail={"due_on": due_on})
    return cta
