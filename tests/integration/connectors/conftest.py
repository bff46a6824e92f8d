"""Shared pieces for the connector tests: the shipped configuration with test connectors, accounts,
and a snapshot of ``daily_metrics`` to compare before and after a pull."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.configfile import default_config_path
from scoring.config import TakibiConfig
from scoring.config_parse import parse_config
from storage.db import Database
from storage.models import Account, DailyMetric

TODAY = date(2024, 11, 15)
METRICS = ("login_rate", "weekly_active_user_ratio", "key_feature_use")
"""The pulled fire metrics of the shipped takibi.yml."""


def config_data() -> dict[str, Any]:
    """The shipped takibi.yml as plain data, without its connectors."""
    data: dict[str, Any] = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    data.pop("connectors", None)
    return data


def config_with(*connectors: dict[str, Any]) -> TakibiConfig:
    """The shipped configuration with exactly these connectors."""
    return parse_config(config_data() | {"connectors": list(connectors)})


def external_id(number: int) -> str:
    return f"CUST-{number:03d}"


@pytest.fixture
def account_ids(database: Database) -> dict[str, int]:
    """Twenty accounts, CUST-001 to CUST-020, one of them churned (its history still counts)."""
    with database.unit_of_work() as session:
        accounts = [
            Account(external_id=external_id(n), name=f"顧客 {n}", segment="SMB", search_text="")
            for n in range(1, 21)
        ]
        session.add_all(accounts)
        session.flush()
        return {a.external_id: a.id for a in accounts}


@dataclass(frozen=True)
class StoredMetric:
    external_id: str
    metric_id: str
    day: date
    value: float
    source: str
    updated_at: datetime


def stored(database: Database) -> list[StoredMetric]:
    """Every stored metric, in key order, with the account's external id."""
    statement = (
        select(
            Account.external_id,
            DailyMetric.metric_id,
            DailyMetric.day,
            DailyMetric.value,
            DailyMetric.source,
            DailyMetric.updated_at,
        )
        .join(Account, Account.id == DailyMetric.account_id)
        .order_by(Account.external_id, DailyMetric.metric_id, DailyMetric.day)
    )
    with database.unit_of_work() as session:
        return [StoredMetric(*row) for row in session.execute(statement)]


def values(database: Database) -> dict[tuple[str, str, date], float]:
    return {(m.external_id, m.metric_id, m.day): m.value for m in stored(database)}
