"""Loading the sample book into a database, laid out around a given day.

Accounts are upserted by external id from the same rows ``accounts.csv`` holds (``takibi accounts
import`` of that file and this loader agree field for field; a test holds them to it), then key
people, assessments, touchpoints and 90 days of usage are added. Storage may not call the import
service (imports flow bot → handlers → storage), and the sample's owners are Slack ids already, so
nothing here needs Slack.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from storage.enums import AccountStatus, ExpectationFit, KeyPersonRole, TouchpointKind
from storage.models import Account, Assessment, DailyMetric, KeyPerson, Touchpoint
from storage.repositories import accounts
from storage.repositories.accounts import AccountInput
from storage.repositories.metrics import DailyMetricRow, upsert_daily_metrics
from storage.sample.generate import SampleAccount, SampleBook, generate

SOURCE = "sample"
"""``daily_metrics.source`` of the sample's usage."""

SAMPLE_TZ = ZoneInfo("Asia/Tokyo")
SUBMITTED_AT = time(18, 0)
"""Assessments are sent in the evening of the call."""


@dataclass(frozen=True, slots=True)
class SampleSummary:
    """What ``load_sample`` wrote."""

    today: date
    accounts: int
    people: int
    assessments: int
    touchpoints: int
    usage_rows: int


class SampleAlreadyLoadedError(RuntimeError):
    """The sample's accounts already have activity recorded; loading again would duplicate it."""


def account_input(account: SampleAccount) -> AccountInput:
    """The account as ``takibi accounts import`` reads its ``accounts.csv`` row."""
    return AccountInput(
        external_id=account.external_id,
        name=account.name,
        name_kana=account.name_kana or None,
        aliases=account.aliases,
        owner_slack_id=account.owner,
        segment=account.segment,
        alert_channel_id=account.alert_channel,
        mrr=Decimal(account.mrr),
        plan=account.plan,
        contract_start=account.contract_start,
        renewal_date=account.renewal_date,
        onboarding_started_on=account.onboarding_started_on,
        onboarding_planned_end=account.onboarding_planned_end,
        onboarding_completed_on=account.onboarding_completed_on,
        status=AccountStatus(account.status),
        churned_on=account.churned_on,
    )


def sample_external_ids() -> frozenset[str]:
    return frozenset(a.external_id for a in generate().accounts)


def has_activity(session: Session, external_ids: Collection[str]) -> bool:
    """Whether any of these accounts has people, assessments, touchpoints or usage recorded."""
    ids = select(Account.id).where(Account.external_id.in_(list(external_ids)))
    checks = [
        exists().where(model.account_id.in_(ids))
        for model in (KeyPerson, Assessment, Touchpoint, DailyMetric)
    ]
    return bool(session.scalar(select(or_(*checks))))


def other_accounts(session: Session, external_ids: Collection[str]) -> int:
    """How many accounts in the database are not sample accounts."""
    statement = (
        select(func.count()).select_from(Account).where(Account.external_id.not_in(list(external_ids)))
    )
    return int(session.scalar(statement) or 0)


def remove_sample(session: Session, external_ids: Collection[str]) -> int:
    """Delete the sample's accounts and, through ON DELETE CASCADE, everything recorded on them."""
    result = session.execute(delete(Account).where(Account.external_id.in_(list(external_ids))))
    return int(getattr(result, "rowcount", 0) or 0)


def load_sample(
    session: Session, today: date, *, tz: tzinfo = SAMPLE_TZ, config_version: str = SOURCE
) -> SampleSummary:
    """Insert the whole sample book laid out around ``today``; does not commit.

    Refuses (``SampleAlreadyLoadedError``) when its accounts already have activity: remove them first
    (``remove_sample``). Accounts that only exist (imported from ``accounts.csv``) are updated in place.
    ``config_version`` is recorded on the assessments (the version of the configuration in use).
    """
    book = generate(today)
    external_ids = [a.external_id for a in book.accounts]
    if has_activity(session, external_ids):
        raise SampleAlreadyLoadedError("the sample accounts already have activity recorded")
    ids = {a.external_id: accounts.upsert_by_external_id(session, account_input(a)).id for a in book.accounts}
    # Rows are added together and flushed once (a few multi-row INSERTs instead of one per row).
    session.add_all(
        KeyPerson(
            account_id=ids[person.external_id],
            role=KeyPersonRole(person.role),
            name=person.name,
            since=person.since,
            left_on=person.left_on,
            title=person.title,
            department=person.department,
            in_using_department=person.in_using_department,
        )
        for person in book.people
    )
    session.add_all(
        Assessment(
            account_id=ids[assessment.external_id],
            author_slack_id=assessment.author,
            call_date=assessment.call_date,
            answers=dict(assessment.answers),
            submitted_at=_at(assessment.call_date, SUBMITTED_AT, tz),
            config_version=config_version,
            note=assessment.note or None,
        )
        for assessment in book.assessments
    )
    session.add_all(
        Touchpoint(
            account_id=ids[contact.external_id],
            kind=TouchpointKind(contact.kind),
            occurred_at=_at(contact.on, time(contact.hour), tz),
            author_slack_id=contact.author,
            expectation_fit=None if contact.fit is None else ExpectationFit(contact.fit),
            effort_minutes=contact.effort_minutes,
            note=contact.note,
        )
        for contact in book.touchpoints
    )
    session.flush()
    usage_rows = upsert_daily_metrics(session, _usage_rows(book, ids), now=_at(today, time(6), tz))
    return SampleSummary(
        today=today,
        accounts=len(ids),
        people=len(book.people),
        assessments=len(book.assessments),
        touchpoints=len(book.touchpoints),
        usage_rows=usage_rows,
    )


def _at(day: date, at: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _usage_rows(book: SampleBook, ids: dict[str, int]) -> Iterator[DailyMetricRow]:
    for row in book.usage():
        yield DailyMetricRow(ids[row.account_external_id], row.metric, row.day, row.value, SOURCE)
