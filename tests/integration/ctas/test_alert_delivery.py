"""CTA alerts leave through the outbox to the Slack stand-in over real HTTP: 200 rules firing while the
stand-in fails a fifth of all calls at random still give every alert, and none twice (counted in what
the stand-in stored, by the outbox marker each post carries)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from bot.i18n import Locale, Translator
from bot.outbox import Deliverer, build_delivery_client
from bot.outbox_methods import OUTBOX_EVENT_TYPE
from bot.sandbox import SlackStandIn
from handlers.services.cta_alerts import CtaAlerts, alert_key
from handlers.services.ctas import evaluate_ctas
from storage.db import Database
from storage.enums import OutboxStatus
from storage.repositories import outbox

from .conftest import SILENT, TZ, World, engine_for, make_test_config

ALERTS = 200
CHANNELS = 8


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


def stored_alerts(standin: SlackStandIn, channels: list[str]) -> Counter[str]:
    """How many messages Slack stored per alert key (``cta:{id}:alert``)."""
    seen: Counter[str] = Counter()
    for channel in channels:
        for message in standin.messages(channel):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == OUTBOX_EVENT_TYPE:
                seen[str(metadata["event_payload"]["dedupe_key"])] += 1
    return seen


def drain(deliverer: Deliverer, database: Database, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        report = deliverer.deliver_due(ALERTS)
        with database.unit_of_work() as session:
            if outbox.pending_count(session) == 0:
                return
        assert time.monotonic() < deadline, "outbox not drained"
        if report.claimed == 0:
            time.sleep(0.02)


def test_200_alerts_under_20_percent_random_failures_each_arrive_exactly_once(
    database: Database, standin: SlackStandIn
) -> None:
    channels = [standin.add_channel(f"cs-team-{n}") for n in range(CHANNELS)]
    world = World(database, engine_for(make_test_config(SILENT)))
    for n in range(ALERTS):
        account_id = world.account(f"顧客 {n:03d}", channel=channels[n % CHANNELS])
        world.touchpoint(account_id, days_ago=40)
    alerts = CtaAlerts(
        rules=world.engine.rules, scale=world.engine.health.scale, t=Translator(Locale.JA), tz=TZ
    )
    with database.unit_of_work(immediate=True) as session:
        report = evaluate_ctas(session, world.engine, now=world.now, tz=TZ, notify=alerts)
    assert len(report.opened) == ALERTS

    standin.set_failure_rate(0.2, seed=20261123)
    # Short backoff and no pacing keep the run to seconds; the behaviour under test (classify, retry,
    # reconcile before resending, never twice) is the production deliverer's.
    deliverer = Deliverer(
        database,
        build_delivery_client("xoxb-cta-delivery-test", standin.base_url),
        per_channel_interval=0.0,
        backoff_base=0.05,
        backoff_cap=0.2,
        reconcile_delay=0.0,
        max_attempts=20,
        workers=8,
        seed=1,
    )
    drain(deliverer, database, timeout=60)

    injected = Counter(c.status for c in standin.calls if c.injected == "failure_rate")
    assert set(injected) == {429, 500, 503}
    assert injected.total() >= 0.1 * ALERTS
    assert stored_alerts(standin, channels) == {alert_key(cta_id): 1 for cta_id in report.opened}
    with database.unit_of_work() as session:
        assert {s: n for s, n in outbox.status_counts(session).items() if n} == {OutboxStatus.SENT: ALERTS}
