"""CTA lifecycle fixtures: a small rule set, accounts with facts written through the repositories, a
clock that moves, and a notifier that records what it was told. Real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import calendar_around
from bot.configfile import default_config_path, load_config
from handlers.services import ctas as service
from handlers.services.ctas import CtaEngine, EvaluationReport
from scoring.config import TakibiConfig
from storage.db import Database
from storage.enums import KeyPersonRole, TouchpointKind
from storage.models import Cta, CtaEvent
from storage.repositories import accounts, key_people, touchpoints
from storage.repositories.accounts import AccountInput
from storage.repositories.metrics import DailyMetricRow, upsert_daily_metrics
from tests.fakes.cta_notifier import RecordingNotifier
from tests.unit.scoring.builders import config_data, label, make_config

TZ = ZoneInfo("Asia/Tokyo")
START = date(2026, 11, 24)
"""A Tuesday; the day before 勤労感謝の日 (Mon 11/23) in 2026 was a holiday."""
OWNER, COLLEAGUE, ADMIN = "U0SATO", "U0SUZUKI", "U0TAKAHASHI"


def rule(rule_id: str, condition: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": rule_id,
        "title": label(f"ルール {rule_id}", f"Rule {rule_id}"),
        "element": "wind",
        "condition": dict(condition),
        "priority": "medium",
        "due_business_days": 2,
        "cooldown_days": 7,
        "playbook": [label("やること", "Do it")],
        **extra,
    }


SILENT = rule("silent", {"no_touchpoint": {"days": 30}})
PO_MISSING = rule("po_missing", {"role_vacant": {"role": "po"}}, element="firewood", priority="high")
LOW_LOGIN = rule("low_login", {"compare": {"metric": "login_rate", "op": "<", "value": 0.2}}, element="fire")


def make_test_config(*rules: Mapping[str, Any], cta: Mapping[str, Any] | None = None) -> TakibiConfig:
    data = config_data()
    data["rules"] = [dict(r) for r in rules] or [SILENT, PO_MISSING, LOW_LOGIN]
    data["cta"] = dict(
        cta or {"channels": {"SMB": "C0CSSMB", "MM": "C0CSMM"}, "expire_after_overdue_days": 10}
    )
    return make_config(data)


def engine_for(config: TakibiConfig) -> CtaEngine:
    def calendar_for(day: date) -> Any:
        return calendar_around(config.schedule, datetime.combine(day, time(12), tzinfo=TZ), TZ)

    return CtaEngine.from_config(config, calendar_for=calendar_for)


def at(day: date, hour: int = 10) -> datetime:
    """``day`` at ``hour`` in Tokyo, as an aware UTC timestamp (what the app stores)."""
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


@dataclass
class World:
    """The database, the rules, a clock and a recording notifier; helpers to write facts and to run."""

    database: Database
    engine: CtaEngine
    notifier: RecordingNotifier = field(default_factory=RecordingNotifier)
    today: date = START

    @property
    def now(self) -> datetime:
        return at(self.today)

    def advance(self, days: int) -> None:
        self.today += timedelta(days=days)

    def account(
        self,
        name: str = "株式会社アルファ",
        *,
        segment: str = "MM",
        owner: str | None = OWNER,
        channel: str | None = None,
        renewal: date | None = None,
    ) -> int:
        with self.database.unit_of_work() as session:
            data = AccountInput(
                external_id=f"CRM-{name}",
                name=name,
                segment=segment,
                owner_slack_id=owner,
                alert_channel_id=channel,
                renewal_date=renewal,
            )
            return accounts.upsert_by_external_id(session, data).id

    def touchpoint(self, account_id: int, days_ago: int) -> None:
        with self.database.unit_of_work() as session:
            touchpoints.add(
                session,
                account_id=account_id,
                kind=TouchpointKind.CALL,
                occurred_at=at(self.today - timedelta(days=days_ago)),
            )

    def person(self, account_id: int, role: KeyPersonRole, *, since_days: int = 400) -> int:
        with self.database.unit_of_work() as session:
            person = key_people.add(
                session,
                account_id=account_id,
                role=role,
                name="山田",
                since=self.today - timedelta(days=since_days),
            )
            return person.id

    def leave(self, person_id: int, *, days_ago: int = 0) -> None:
        with self.database.unit_of_work() as session:
            key_people.leave(session, person_id, left_on=self.today - timedelta(days=days_ago))

    def metric(self, account_id: int, metric_id: str, value: float, *, days_ago: int = 0) -> None:
        with self.database.unit_of_work() as session:
            row = DailyMetricRow(account_id, metric_id, self.today - timedelta(days=days_ago), value, "test")
            upsert_daily_metrics(session, [row])

    def evaluate(self, account_ids: list[int] | None = None) -> EvaluationReport:
        with self.database.unit_of_work(immediate=True) as session:
            return service.evaluate_ctas(
                session, self.engine, now=self.now, tz=TZ, notify=self.notifier, account_ids=account_ids
            )

    def ctas(self, session: Session | None = None) -> list[Cta]:
        if session is not None:
            return list(session.scalars(select(Cta).order_by(Cta.id)))
        with self.database.unit_of_work() as own:
            return list(own.scalars(select(Cta).order_by(Cta.id)))

    def cta(self, cta_id: int) -> Cta:
        with self.database.unit_of_work() as session:
            found = session.get(Cta, cta_id)
            assert found is not None
            return found

    def events(self, cta_id: int) -> list[CtaEvent]:
        with self.database.unit_of_work() as session:
            return list(
                session.scalars(select(CtaEvent).where(CtaEvent.cta_id == cta_id).order_by(CtaEvent.id))
            )


@pytest.fixture
def world(database: Database) -> World:
    return World(database, engine_for(make_test_config()))


@pytest.fixture
def shipped_config() -> TakibiConfig:
    return load_config(default_config_path())
