"""Shared pieces for the scoring integration tests: the shipped configuration and small builders."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from bot.configfile import default_config_path, load_config
from scoring.compiled import CompiledConfig
from scoring.config import TakibiConfig
from scoring.health import compile_config
from storage.enums import AccountStatus
from storage.models import Account

TODAY = date(2026, 11, 23)
JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture(scope="session")
def shipped_config() -> TakibiConfig:
    return load_config(default_config_path())


@pytest.fixture(scope="session")
def compiled(shipped_config: TakibiConfig) -> CompiledConfig:
    return compile_config(shipped_config, max_unknowns=20)


def days_ago(n: int, today: date = TODAY) -> date:
    return today - timedelta(days=n)


def at(day: date, hour: int = 10, tz: ZoneInfo = JST) -> datetime:
    """A moment on the team's ``day``, as the aware UTC timestamp storage keeps."""
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def add_account(
    session: Session,
    external_id: str,
    *,
    segment: str = "MM",
    status: AccountStatus = AccountStatus.ACTIVE,
    planned_end: date | None = None,
    completed_on: date | None = None,
) -> int:
    account = Account(
        external_id=external_id,
        name=f"株式会社{external_id}",
        segment=segment,
        status=status,
        onboarding_planned_end=planned_end,
        onboarding_completed_on=completed_on,
    )
    session.add(account)
    session.flush()
    return account.id
