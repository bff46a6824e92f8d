"""The nudges job on a real database (SQLite and PostgreSQL) driven by the scheduler with a frozen
clock: a few accounts with known owners and assessment dates, the shipped ``takibi.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.configfile import default_config_path, load_config
from bot.i18n import Locale, Translator
from bot.scheduler import JobScheduler
from bot.services import translator_for
from handlers.context import Deps
from handlers.jobs import nudges
from scoring.config import TakibiConfig
from scoring.health import compile_config
from storage.db import Database
from storage.enums import CtaPriority
from storage.models import NudgeRecord, OutboxMessage
from storage.repositories import accounts, assessments, ctas
from storage.repositories.accounts import AccountInput
from tests.integration.scheduler.conftest import TOKYO, Clock, make_scheduler, tokyo

SATO, SUZUKI, EMILY, STEWARD = "U0SATO", "U0SUZUKI", "U0EMILY", "U0TAKAHASHI"


@dataclass(frozen=True)
class Seeded:
    stale: int
    """佐藤's, assessed in May: stale."""
    missing: int
    """鈴木's, never assessed."""
    fresh: int
    """Emily's, assessed last week."""
    cta_account: int
    """佐藤's second account, fresh, with a CTA overdue since 11/20."""
    cta: int


@pytest.fixture
def config() -> TakibiConfig:
    return load_config(default_config_path(), locale=Locale.JA)


def seed(database: Database, config: TakibiConfig) -> Seeded:
    now = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)
    with database.unit_of_work() as session:

        def account(external_id: str, name: str, owner: str, segment: str = "SMB") -> int:
            data = AccountInput(external_id=external_id, name=name, segment=segment, owner_slack_id=owner)
            return accounts.upsert_by_external_id(session, data).id

        stale = account("N-1", "株式会社カミナシ", SATO)
        missing = account("N-2", "カミナシ物流株式会社", SUZUKI, "MM")
        fresh = account("N-3", "株式会社焚火", EMILY, "EP")
        cta_account = account("N-4", "株式会社ひので", SATO)
        for account_id, call_date in (
            (stale, date(2026, 5, 1)),
            (fresh, date(2026, 11, 17)),
            (cta_account, date(2026, 11, 17)),
        ):
            assessments.add(
                session,
                account_id=account_id,
                author_slack_id="U0X",
                call_date=call_date,
                answers={},
                submitted_at=now,
                config_version=config.config_version,
            )
        cta = ctas.try_open(
            session,
            account_id=cta_account,
            rule_id="key_person_left",
            priority=CtaPriority.HIGH,
            reasons=(),
            due_on=date(2026, 11, 20),
            owner_slack_id=None,
            channel_id="C0CSSMB",
            config_version="r1",
            now=now,
        )
        assert cta is not None
        return Seeded(stale, missing, fresh, cta_account, cta.id)


@pytest.fixture
def seeded(database: Database, config: TakibiConfig) -> Seeded:
    return seed(database, config)


@pytest.fixture
def clock() -> Clock:
    return Clock(tokyo(2026, 11, 24, 9, 30))  # a Tuesday, the day after 勤労感謝の日


def nudge_scheduler(database: Database, config: TakibiConfig, clock: Clock, **kwargs: Any) -> JobScheduler:
    deps = Deps(database=database, now=clock, config=config, scoring=compile_config(config), tz=TOKYO)
    job = nudges.job(deps, translator=translator_for(Translator(Locale.JA)))
    return make_scheduler(database, [job], clock, schedule=config.schedule, **kwargs)


@pytest.fixture
def scheduler(database: Database, config: TakibiConfig, clock: Clock) -> JobScheduler:
    return nudge_scheduler(database, config, clock)


def queued(database: Database) -> dict[str, dict[str, Any]]:
    """The outbox rows by dedupe key (their payloads)."""
    with database.unit_of_work() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return {row.dedupe_key: row.payload for row in rows}


def records(database: Database) -> list[tuple[str, date, str | None, int, bool]]:
    with database.unit_of_work() as session:
        rows = session.scalars(select(NudgeRecord).order_by(NudgeRecord.day, NudgeRecord.user_slack_id))
        return [(r.user_slack_id, r.day, r.outcome, r.streak, r.steward_told) for r in rows]


def count_rows(database: Database) -> tuple[int, int]:
    with database.unit_of_work() as session:
        outbox_rows = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        nudge_rows = session.scalar(select(func.count()).select_from(NudgeRecord)) or 0
    return int(outbox_rows), int(nudge_rows)
