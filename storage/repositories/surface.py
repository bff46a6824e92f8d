"""Reads behind the Slack surfaces (assess modal, status card, ``/takibi mine``, ``ctas``, App Home).

Each function answers one screen's question in a fixed, small number of queries, whatever the number
of accounts. Plus one write the surfaces need and no other repository offers: the audit log row that
records who changed what from Slack. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Connection, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from storage.enums import OPEN_CTA_STATUSES, AccountStatus
from storage.models import Account, Assessment, AuditLogEntry, Cta
from storage.repositories.accounts import HEADER_COLUMNS, AccountHeader
from storage.search import SEPARATOR, normalize_for_search


def active_account(session: Session, account_id: int) -> Account | None:
    """The account if it exists and is active (churned accounts are not assessed)."""
    account = session.get(Account, account_id)
    return account if account is not None and account.status == AccountStatus.ACTIVE else None


@dataclass(frozen=True, slots=True)
class AccountGate:
    """What deciding whether a form may be stored needs to know of its account, and nothing more."""

    id: int
    owner_slack_id: str | None


_ACCOUNT_GATE = select(Account.owner_slack_id).where(
    Account.id == bindparam("account_id"), Account.status == AccountStatus.ACTIVE
)
"""Built once: its compiled form is found in the statement cache without rebuilding its cache key."""


def account_gate(connection: Connection, account_id: int) -> AccountGate | None:
    """``active_account`` for a check made before an ack: two columns over a bare connection, without
    an ORM session or an identity map (it runs while Slack waits, beside every other ack)."""
    row = connection.execute(_ACCOUNT_GATE, {"account_id": account_id}).first()
    return AccountGate(account_id, row.owner_slack_id) if row is not None else None


_ACTIVE_HEADER = select(*HEADER_COLUMNS).where(
    Account.id == bindparam("account_id"), Account.status == AccountStatus.ACTIVE
)


def active_header(connection: Connection, account_id: int) -> AccountHeader | None:
    """``active_account`` for a screen that only shows the account: its header columns, without an
    ORM session (the assess modal reads it for every command)."""
    row = connection.execute(_ACTIVE_HEADER, {"account_id": account_id}).first()
    return AccountHeader(*row) if row is not None else None


class Named(Protocol):
    """Anything carrying an account's folded terms (``accounts.search_text``)."""

    @property
    def search_text(self) -> str: ...


NamedT = TypeVar("NamedT", bound=Named)


def exactly_named(query: str, candidates: Sequence[NamedT]) -> list[NamedT]:
    """Of ``candidates`` (entities or ``accounts.Candidate``), those whose name, reading, alias or CRM id
    *is* the query (folded), not just contains it: ``/takibi status カミナシ`` means 株式会社カミナシ even
    when カミナシ物流 exists too."""
    needle = normalize_for_search(query)
    if not needle:
        return []
    return [candidate for candidate in candidates if needle in candidate.search_text.split(SEPARATOR)]


def owned_accounts(session: Session, owner_slack_id: str) -> Sequence[Account]:
    """The owner's active accounts by name."""
    statement = (
        select(Account)
        .where(Account.owner_slack_id == owner_slack_id, Account.status == AccountStatus.ACTIVE)
        .order_by(Account.name, Account.id)
    )
    return session.scalars(statement).all()


def last_call_dates(session: Session, account_ids: Collection[int]) -> dict[int, date]:
    """Per account, the call date of its latest assessment (absent: never assessed)."""
    if not account_ids:
        return {}
    statement = (
        select(Assessment.account_id, func.max(Assessment.call_date))
        .where(Assessment.account_id.in_(list(account_ids)))
        .group_by(Assessment.account_id)
    )
    return {account_id: day for account_id, day in session.execute(statement) if day is not None}


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many active accounts (of one owner, or the team's) were assessed on or after ``since``."""

    since: date
    accounts: int
    assessed: int

    @property
    def share(self) -> float | None:
        return None if self.accounts == 0 else self.assessed / self.accounts


def coverage(session: Session, *, since: date, owner_slack_id: str | None = None) -> Coverage:
    """Two counts in one query: active accounts, and those with an assessment since ``since``."""
    recent = (
        select(Assessment.account_id)
        .where(Assessment.call_date >= since)
        .group_by(Assessment.account_id)
        .subquery()
    )
    statement = (
        select(func.count(Account.id), func.count(recent.c.account_id))
        .select_from(Account)
        .outerjoin(recent, recent.c.account_id == Account.id)
        .where(Account.status == AccountStatus.ACTIVE)
    )
    if owner_slack_id is not None:
        statement = statement.where(Account.owner_slack_id == owner_slack_id)
    accounts, assessed = session.execute(statement).one()
    return Coverage(since=since, accounts=int(accounts), assessed=int(assessed))


def open_ctas_of_account(session: Session, account_id: int) -> Sequence[Cta]:
    statement = (
        select(Cta)
        .where(Cta.account_id == account_id, Cta.status.in_(OPEN_CTA_STATUSES))
        .order_by(Cta.due_on, Cta.id)
    )
    return session.scalars(statement).all()


def open_ctas_of_owner(
    session: Session, owner_slack_id: str, *, limit: int = 50
) -> Sequence[tuple[Cta, str]]:
    """The owner's open CTAs (owned by them, or on their accounts when the CTA has no owner), with
    the account's name, soonest due first."""
    statement = (
        select(Cta, Account.name)
        .join(Account, Account.id == Cta.account_id)
        .where(
            Cta.status.in_(OPEN_CTA_STATUSES),
            (Cta.owner_slack_id == owner_slack_id)
            | (Cta.owner_slack_id.is_(None) & (Account.owner_slack_id == owner_slack_id)),
        )
        .order_by(Cta.due_on, Cta.id)
        .limit(limit)
    )
    return [(cta, name) for cta, name in session.execute(statement)]


def ctas_by_ids(session: Session, cta_ids: Collection[int]) -> Sequence[Cta]:
    if not cta_ids:
        return []
    return session.scalars(select(Cta).where(Cta.id.in_(list(cta_ids))).order_by(Cta.id)).all()


def record_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any],
) -> AuditLogEntry:
    """Who changed what from Slack (an assessment, key people, a renewal forecast); flushed, not committed."""
    entry = AuditLogEntry(
        at=at, actor=actor, action=action, entity=entity, entity_id=entity_id, detail=detail
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class PickerRow:
    id: int
    name: str
    segment: str
    owner_slack_id: str | None


def picker_rows(session: Session, query: str, *, reader: str, limit: int) -> list[PickerRow]:
    """``accounts.search(session, query, limit, prefer_owner=reader)``, reading only the four columns
    the picker shows: the same filter and order, without building ORM objects, which is most of the
    cost of a type-ahead answer over thousands of accounts. A test holds the two to the same result."""
    needle = normalize_for_search(query)
    statement = select(Account.id, Account.name, Account.segment, Account.owner_slack_id).where(
        Account.status == AccountStatus.ACTIVE
    )
    order: list[ColumnElement[int]] = [case((Account.owner_slack_id == reader, 0), else_=1)]
    if needle:
        statement = statement.where(Account.search_text.contains(needle, autoescape=True))
        is_prefix = or_(
            Account.search_text.startswith(needle, autoescape=True),
            Account.search_text.contains(SEPARATOR + needle, autoescape=True),
        )
        order.append(case((is_prefix, 0), else_=1))
    statement = statement.order_by(*order, Account.name, Account.id).limit(limit)
    return [PickerRow(*row) for row in session.execute(statement)]
