"""The sample book (storage.sample) scored over nine weeks, with CTAs in every state, on each backend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.configfile import default_config_path, load_config
from bot.i18n import Locale
from handlers.services.scoring import run_scoring_pass
from scoring.compiled import CompiledConfig
from scoring.config import TakibiConfig
from scoring.health import compile_config
from storage.db import Database
from storage.enums import AccountStatus, CtaPriority, CtaStatus
from storage.models import Account, Cta
from storage.sample.load import load_sample

TZ = ZoneInfo("Asia/Tokyo")
TODAY = date(2026, 11, 23)
"""A Monday: the digest reports Mon 11/16 .. Sun 11/22."""
SCORED_DAYS = (1, 3, 8, 10, 15, 22, 29, 36, 43, 50)
"""Days before TODAY with a scoring pass: every week's end, and a mid-week day for two of them."""


@dataclass(frozen=True)
class Book:
    database: Database
    config: TakibiConfig
    compiled: CompiledConfig


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


# (status, opened days before TODAY, due days before TODAY, closed days before TODAY or None)
CTA_CASES: tuple[tuple[CtaStatus, int, int, int | None], ...] = (
    (CtaStatus.OPEN, 3, -4, None),
    (CtaStatus.OPEN, 20, 10, None),
    (CtaStatus.IN_PROGRESS, 6, 2, None),
    (CtaStatus.DONE, 12, 2, 4),
    (CtaStatus.DONE, 12, 6, 3),
    (CtaStatus.DONE, 5, 0, 2),
    (CtaStatus.DISMISSED, 7, 0, 6),
    (CtaStatus.EXPIRED, 40, 35, 5),
    (CtaStatus.AUTO_CLOSED, 9, 2, 4),
    (CtaStatus.DONE, 30, 20, 10),
    (CtaStatus.DONE, 14, 9, 0),
)


def _add_ctas(database: Database) -> None:
    with database.unit_of_work() as session:
        ids = list(session.scalars(select(Account.id).order_by(Account.id)))
        for index, (status, opened, due, closed) in enumerate(CTA_CASES * 3):
            session.add(
                Cta(
                    account_id=ids[(index * 7) % len(ids)],
                    rule_id=f"rule_{index}",
                    status=status,
                    priority=CtaPriority.HIGH,
                    opened_at=_at(TODAY - timedelta(days=opened)),
                    due_on=TODAY - timedelta(days=due),
                    closed_at=None if closed is None else _at(TODAY - timedelta(days=closed), hour=23),
                    config_version="test",
                )
            )


def _churn_one(database: Database) -> None:
    with database.unit_of_work() as session:
        first = session.scalars(select(Account.id).order_by(Account.id).limit(1)).one()
        session.execute(
            update(Account)
            .where(Account.id == first)
            .values(status=AccountStatus.CHURNED, churned_on=TODAY - timedelta(days=4))
        )


@pytest.fixture
def book(database: Database) -> Book:
    config = load_config(default_config_path(), locale=Locale.JA)
    compiled = compile_config(config)
    with database.unit_of_work() as session:
        load_sample(session, TODAY)
    for back in sorted(SCORED_DAYS, reverse=True):
        run_scoring_pass(database, compiled, today=TODAY - timedelta(days=back), tz=TZ, keep_scores=False)
    _add_ctas(database)
    _churn_one(database)
    return Book(database, config, compiled)
