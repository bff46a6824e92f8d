"""What a CSM sees about accounts: the status card, ``/takibi mine``, ``/takibi ctas`` and App Home.

Read models only: plain frozen data assembled from the repositories in a few queries per screen
(never one per account), for the pure view builders to render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from decimal import Decimal

from sqlalchemy.orm import Session

from handlers.services.assess import AccountBrief, Person
from scoring.freshness import fresh_from
from scoring.model import ELEMENTS, Element, Reason
from scoring.trend import FOUR_WEEKS, Trend, trend
from storage import mapping
from storage.enums import CtaPriority, CtaStatus, ExpectationFit, KeyPersonRole, TouchpointKind
from storage.models import Account, Cta, HealthSnapshot
from storage.repositories import accounts, key_people, snapshots, surface, touchpoints
from storage.repositories.surface import Coverage

TREND_TOLERANCE_DAYS = 3
STATUS_MATCHES = 10
"""An ambiguous ``/takibi status`` lists at most this many accounts to pick from."""
RECENT_TOUCHPOINTS = 3


@dataclass(frozen=True, slots=True)
class Health:
    """An account's latest snapshot, as the surfaces show it (all ``None``: never scored)."""

    day: date | None = None
    grade: int | None = None
    score: float | None = None
    confidence: float | None = None
    elements: tuple[tuple[Element, int | None], ...] = ()
    trend: Trend | None = None

    @classmethod
    def of(
        cls, snapshot: HealthSnapshot | None, history: Sequence[tuple[date, float | None]], today: date
    ) -> Health:
        if snapshot is None:
            return cls()
        elements = tuple((element, getattr(snapshot, f"{element.value}_grade")) for element in ELEMENTS)
        return cls(
            day=snapshot.day,
            grade=snapshot.overall_grade,
            score=snapshot.overall_score,
            confidence=snapshot.confidence,
            elements=elements,
            trend=trend(snapshot.overall_score, history, today, tolerance_days=TREND_TOLERANCE_DAYS),
        )

    @property
    def change_7d(self) -> float | None:
        return self.trend.change_7d if self.trend is not None else None


@dataclass(frozen=True, slots=True)
class AccountLine:
    """One account in a list (mine, Home): its health and whether its assessment is stale."""

    id: int
    name: str
    segment: str
    mrr: Decimal
    currency: str
    health: Health
    last_assessed: date | None
    stale: bool


@dataclass(frozen=True, slots=True)
class CtaLine:
    id: int
    account_id: int
    account_name: str
    rule_id: str
    priority: CtaPriority
    status: CtaStatus
    due_on: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class TouchpointLine:
    day: date
    kind: TouchpointKind
    fit: ExpectationFit | None
    author_slack_id: str | None
    permalink: str | None


@dataclass(frozen=True, slots=True)
class StatusCard:
    account: AccountBrief
    health: Health
    reasons: tuple[Reason, ...]
    unknowns: tuple[Reason, ...]
    ctas: tuple[CtaLine, ...]
    touchpoints: tuple[TouchpointLine, ...]
    people: tuple[Person, ...]
    last_assessed: date | None
    stale: bool
    today: date


@dataclass(frozen=True, slots=True)
class HomeData:
    reader: str
    today: date
    accounts: tuple[AccountLine, ...]
    ctas: tuple[CtaLine, ...]
    mine: Coverage
    team: Coverage
    max_age_days: int


def find_accounts(session: Session, query: str, *, reader: str) -> list[AccountBrief]:
    """Accounts ``/takibi status <query>`` may mean: one when the query names exactly one (the only
    match, or the only exact name), else up to ``STATUS_MATCHES`` candidates, the reader's first."""
    found = accounts.search(session, query, limit=STATUS_MATCHES, prefer_owner=reader)
    exact = surface.exactly_named(query, found)
    if len(exact) == 1:
        return [AccountBrief.of(exact[0])]
    return [AccountBrief.of(account) for account in found]


def _history(session: Session, ids: Sequence[int], today: date) -> snapshots.History:
    since = today - timedelta(days=FOUR_WEEKS + TREND_TOLERANCE_DAYS)
    return snapshots.history(session, ids, since=since, until=today - timedelta(days=1))


def _cta_line(cta: Cta, account_name: str, today: date) -> CtaLine:
    return CtaLine(
        id=cta.id,
        account_id=cta.account_id,
        account_name=account_name,
        rule_id=cta.rule_id,
        priority=cta.priority,
        status=cta.status,
        due_on=cta.due_on,
        overdue=cta.due_on < today,
    )


def status_card(
    session: Session, account_id: int, *, today: date, max_age_days: int, tz: tzinfo
) -> StatusCard | None:
    """Everything the status card shows for one active account (``None`` if there is none)."""
    account = surface.active_account(session, account_id)
    if account is None:
        return None
    snapshot = snapshots.latest(session, [account.id]).get(account.id)
    reasons, unknowns = mapping.reasons_from_json(snapshot.reasons if snapshot is not None else [])
    history = _history(session, [account.id], today).get(account.id, [])
    last = surface.last_call_dates(session, [account.id]).get(account.id)
    return StatusCard(
        account=AccountBrief.of(account),
        health=Health.of(snapshot, history, today),
        reasons=reasons,
        unknowns=unknowns,
        ctas=tuple(
            _cta_line(c, account.name, today) for c in surface.open_ctas_of_account(session, account.id)
        ),
        touchpoints=tuple(
            TouchpointLine(
                day=mapping.local_day(row.occurred_at, tz),
                kind=row.kind,
                fit=row.expectation_fit,
                author_slack_id=row.author_slack_id,
                permalink=row.slack_permalink,
            )
            for row in touchpoints.recent(session, account.id, limit=RECENT_TOUCHPOINTS)
        ),
        people=tuple(
            Person(p.id, p.role, p.name, p.since)
            for p in key_people.current(session, account.id, today=today)
            if p.role != KeyPersonRole.OPPONENT
        ),
        last_assessed=last,
        stale=last is None or last < fresh_from(today, max_age_days),
        today=today,
    )


def account_lines(
    session: Session, owned: Sequence[Account], *, today: date, max_age_days: int
) -> tuple[AccountLine, ...]:
    """The accounts with their latest health, trend and staleness: four queries for any number."""
    ids = [account.id for account in owned]
    latest = snapshots.latest(session, ids)
    history = _history(session, ids, today)
    last = surface.last_call_dates(session, ids)
    cutoff = fresh_from(today, max_age_days)
    return tuple(
        AccountLine(
            id=account.id,
            name=account.name,
            segment=account.segment,
            mrr=account.mrr,
            currency=account.currency,
            health=Health.of(latest.get(account.id), history.get(account.id, []), today),
            last_assessed=last.get(account.id),
            stale=last.get(account.id) is None or last[account.id] < cutoff,
        )
        for account in owned
    )


def my_accounts(session: Session, reader: str, *, today: date, max_age_days: int) -> tuple[AccountLine, ...]:
    return account_lines(
        session, surface.owned_accounts(session, reader), today=today, max_age_days=max_age_days
    )


def my_ctas(session: Session, reader: str, *, today: date) -> tuple[CtaLine, ...]:
    return tuple(_cta_line(cta, name, today) for cta, name in surface.open_ctas_of_owner(session, reader))


def home_data(session: Session, reader: str, *, today: date, max_age_days: int) -> HomeData:
    since = fresh_from(today, max_age_days)
    return HomeData(
        reader=reader,
        today=today,
        accounts=my_accounts(session, reader, today=today, max_age_days=max_age_days),
        ctas=my_ctas(session, reader, today=today),
        mine=surface.coverage(session, since=since, owner_slack_id=reader),
        team=surface.coverage(session, since=since),
        max_age_days=max_age_days,
    )
