"""An alert nobody takes within the configured business hours is escalated once: the segment lead is
mentioned in its thread (through the outbox) and the CTA keeps an ``escalated`` event."""

from __future__ import annotations

from datetime import date, timedelta

from bot.calendar import calendar_around
from bot.i18n import Locale, Translator
from handlers.services import ctas as service
from handlers.services.cta_alerts import CtaAlerts, alert_key, escalate_untaken
from scoring.calendar import BusinessCalendar
from scoring.config import TakibiConfig
from storage.db import Database
from storage.enums import CtaEventKind, OutboxStatus
from storage.models import OutboxMessage
from storage.repositories import outbox

from .conftest import COLLEAGUE, SILENT, TZ, World, at, engine_for, make_test_config

LEAD = "U0TAKAHASHI"
CTA_SETTINGS = {
    "channels": {"SMB": "C0CSSMB", "MM": "C0CSMM"},
    "segment_leads": {"MM": LEAD},
    "escalate_after_business_hours": 8,
}


def opened(database: Database) -> tuple[World, CtaAlerts, int]:
    """A CTA on an MM account, opened Tuesday 11/24 at 10:00, its alert enqueued."""
    world = World(database, engine_for(config()))
    account_id = world.account(segment="MM")
    world.touchpoint(account_id, days_ago=40)
    alerts = CtaAlerts(
        rules=world.engine.rules, scale=world.engine.health.scale, t=Translator(Locale.JA), tz=TZ
    )
    with database.unit_of_work(immediate=True) as session:
        report = service.evaluate_ctas(session, world.engine, now=world.now, tz=TZ, notify=alerts)
    (cta_id,) = report.opened
    return world, alerts, cta_id


def config() -> TakibiConfig:
    return make_test_config(SILENT, cta=CTA_SETTINGS)


def calendar(world: World) -> BusinessCalendar:
    return calendar_around(config().schedule, world.now, TZ)


def escalate(database: Database, world: World, alerts: CtaAlerts, day: date, hour: int) -> list[int]:
    with database.unit_of_work(immediate=True) as session:
        return escalate_untaken(session, alerts, calendar(world), now=at(day, hour))


def thread_rows(database: Database, cta_id: int) -> list[OutboxMessage]:
    with database.unit_of_work() as session:
        parent = session.query(OutboxMessage).filter_by(dedupe_key=alert_key(cta_id)).one()
        return [
            row
            for row in session.query(OutboxMessage)
            .filter_by(depends_on_id=parent.id)
            .order_by(OutboxMessage.id)
            if row.method == "chat.postMessage"
        ]


def test_an_untaken_alert_is_escalated_to_the_segment_lead_once_after_the_business_hours(
    database: Database,
) -> None:
    world, alerts, cta_id = opened(database)
    wednesday = world.today + timedelta(days=1)

    early = escalate(database, world, alerts, world.today, 12)
    late = escalate(database, world, alerts, wednesday, 17)
    again = escalate(database, world, alerts, wednesday, 18)

    assert (early, late, again) == ([], [cta_id], [])
    event = world.events(cta_id)[-1]
    assert (event.kind, event.detail) == (CtaEventKind.ESCALATED, {"lead": LEAD, "hours": 8})
    (reply,) = thread_rows(database, cta_id)
    assert reply.status is OutboxStatus.PENDING
    assert f"<@{LEAD}>" in reply.payload["text"]
    with database.unit_of_work() as session:
        assert outbox.result_for(session, alert_key(cta_id)) is None  # the reply waits for its alert


def test_a_taken_alert_is_not_escalated(database: Database) -> None:
    world, alerts, cta_id = opened(database)
    with database.unit_of_work(immediate=True) as session:
        service.take(session, cta_id, user_id=COLLEAGUE, now=world.now)

    assert escalate(database, world, alerts, world.today + timedelta(days=2), 17) == []


def test_a_snoozed_alert_waits_until_its_snooze_ends(database: Database) -> None:
    world, alerts, cta_id = opened(database)
    friday = world.today + timedelta(days=3)
    with database.unit_of_work(immediate=True) as session:
        service.snooze(session, cta_id, user_id=COLLEAGUE, until=friday, tz=TZ, now=world.now)

    during = escalate(database, world, alerts, world.today + timedelta(days=2), 17)
    after = escalate(database, world, alerts, friday, 17)

    assert (during, after) == ([], [cta_id])
