"""Account queries. Functions take the caller's session and never commit (the unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import ColumnElement, Connection, Select, bindparam, case, or_, select
from sqlalchemy.orm import Session

from storage.enums import AccountStatus, RenewalForecast
from storage.models import Account
from storage.search import SEPARATOR, build_search_text, normalize_for_search

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class AccountInput(BaseModel):
    """An account as an importer (CRM, CSV, admin form) knows it.

    Only the fields the caller actually set are written on update (``model_fields_set``): a CRM sync
    that knows nothing of ``alert_channel_id`` or the renewal forecast leaves what Slack users set.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    external_id: NonEmpty
    name: NonEmpty
    segment: NonEmpty
    name_kana: str | None = None
    aliases: tuple[str, ...] = ()
    owner_slack_id: str | None = None
    alert_channel_id: str | None = None
    mrr: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] = Decimal(0)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "JPY"
    plan: str | None = None
    contract_start: date | None = None
    renewal_date: date | None = None
    onboarding_started_on: date | None = None
    onboarding_planned_end: date | None = None
    onboarding_completed_on: date | None = None
    renewal_forecast: RenewalForecast | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    churned_on: date | None = None


def get(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def get_by_external_id(session: Session, external_id: str) -> Account | None:
    return session.scalars(select(Account).where(Account.external_id == external_id)).one_or_none()


def upsert_by_external_id(session: Session, data: AccountInput) -> Account:
    """Create the account or update the fields ``data`` sets; flushes so the returned id is real.

    Read-then-write: two importers syncing the same new account at once make one of them fail on the
    unique ``external_id`` and roll back; running the import again then updates.
    """
    account = get_by_external_id(session, data.external_id)
    if account is None:
        account = Account(**(data.model_dump() | {"aliases": list(data.aliases)}))
        session.add(account)
    else:
        for field in data.model_fields_set:
            value = getattr(data, field)
            setattr(account, field, list(value) if field == "aliases" else value)
    # Assigning an equal value is not a change: an unchanged import issues no UPDATE at all.
    account.search_text = build_search_text(
        name=account.name,
        name_kana=account.name_kana,
        aliases=account.aliases,
        external_id=account.external_id,
    )
    session.flush()
    return account


def list_active(session: Session) -> Sequence[Account]:
    """Active accounts by name: the population every daily job scores."""
    statement = (
        select(Account).where(Account.status == AccountStatus.ACTIVE).order_by(Account.name, Account.id)
    )
    return session.scalars(statement).all()


def search(
    session: Session,
    query: str,
    limit: int = 20,
    prefer_owner: str | None = None,
    *,
    include_churned: bool = False,
) -> Sequence[Account]:
    """Type-ahead over name, reading, aliases and CRM id, however the user spells it.

    Order: the ``prefer_owner``'s own accounts first (a CSM nearly always looks for one of theirs), then
    names or readings that start with the query, then by name. An empty query lists in that order.
    """
    needle = normalize_for_search(query)
    statement = select(Account)
    if needle:
        statement = statement.where(Account.search_text.contains(needle, autoescape=True))
    if not include_churned:
        statement = statement.where(Account.status == AccountStatus.ACTIVE)

    order: list[ColumnElement[int]] = []
    if prefer_owner is not None:
        order.append(case((Account.owner_slack_id == prefer_owner, 0), else_=1))
    if needle:
        is_prefix = or_(
            Account.search_text.startswith(needle, autoescape=True),
            Account.search_text.contains(SEPARATOR + needle, autoescape=True),
        )
        order.append(case((is_prefix, 0), else_=1))
    statement = statement.order_by(*order, Account.name, Account.id).limit(limit)
    return session.scalars(statement).all()


@dataclass(frozen=True, slots=True)
class AccountHeader:
    """An account as a form's header shows it, read as columns: building an ORM entity (and an
    identity map to hold it) costs more than the query on a modal built for every command."""

    id: int
    name: str
    segment: str
    owner_slack_id: str | None
    renewal_date: date | None
    renewal_forecast: RenewalForecast | None
    mrr: Decimal
    currency: str


HEADER_COLUMNS = (
    Account.id,
    Account.name,
    Account.segment,
    Account.owner_slack_id,
    Account.renewal_date,
    Account.renewal_forecast,
    Account.mrr,
    Account.currency,
)
"""The columns of :class:`AccountHeader`, in its field order."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """An account a typed name may mean, with its folded terms for telling an exact name from a part."""

    header: AccountHeader
    search_text: str


_LIKE_ESCAPE = "/"


def _like_escaped(needle: str) -> str:
    """``needle`` as ``contains(..., autoescape=True)`` escapes it, for a prebuilt statement that takes
    it as a bound parameter (``autoescape`` only escapes literal strings)."""
    escaped = needle.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
    return escaped.replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_")


def _candidates_statement(*, with_needle: bool) -> Select[*tuple[Any, ...]]:
    """``search(..., prefer_owner=...)``'s filter and order over active accounts, with bound parameters
    ``reader``, ``limit`` and, ``with_needle``, ``needle`` and ``term_start`` (escaped)."""
    statement = select(*HEADER_COLUMNS, Account.search_text).where(Account.status == AccountStatus.ACTIVE)
    order: list[ColumnElement[int]] = [case((Account.owner_slack_id == bindparam("reader"), 0), else_=1)]
    if with_needle:
        statement = statement.where(Account.search_text.contains(bindparam("needle"), escape=_LIKE_ESCAPE))
        is_prefix = or_(
            Account.search_text.startswith(bindparam("needle"), escape=_LIKE_ESCAPE),
            Account.search_text.contains(bindparam("term_start"), escape=_LIKE_ESCAPE),
        )
        order.append(case((is_prefix, 0), else_=1))
    return statement.order_by(*order, Account.name, Account.id).limit(bindparam("limit"))


_CANDIDATES = _candidates_statement(with_needle=True)
_ANY_CANDIDATES = _candidates_statement(with_needle=False)
"""Built once: their compiled forms are found in the statement cache without rebuilding a cache key."""


def candidates(connection: Connection, query: str, *, prefer_owner: str, limit: int) -> list[Candidate]:
    """``search(session, query, limit, prefer_owner)`` for a command that names an account: the same
    accounts in the same order, as headers with their folded terms, from a prebuilt statement (a test
    holds the two to the same result)."""
    needle = normalize_for_search(query)
    params: dict[str, Any] = {"reader": prefer_owner, "limit": limit}
    if needle:
        escaped = _like_escaped(needle)
        params |= {"needle": escaped, "term_start": SEPARATOR + escaped}
    rows = connection.execute(_CANDIDATES if needle else _ANY_CANDIDATES, params)
    return [Candidate(AccountHeader(*row[:-1]), row[-1]) for row in rows]
