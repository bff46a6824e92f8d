"""``rules preview`` reads only and tells who each rule fires on and why; ``rules stats`` adds up the
history per rule. On data made here and on the bundled sample book."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handlers.services import cta_reports as reports
from handlers.services import ctas as service
from handlers.services.cta_reports import PreviewState, RulePreview
from storage.db import Database
from storage.enums import CtaStatus, CtaUsefulness
from storage.models import Base
from storage.sample.load import load_sample
from tests.integration.ctas.conftest import OWNER, PO_MISSING, SILENT, TZ, World, engine_for, make_test_config


def dump(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare before and after."""
    with database.unit_of_work() as session:
        return {
            table.name: sorted(tuple(row) for row in session.execute(select(table)).all())
            for table in Base.metadata.sorted_tables
        }


def preview(world: World, rule_ids: list[str] | None = None) -> dict[str, RulePreview]:
    with world.database.unit_of_work() as session:
        found = reports.preview_rules(session, world.engine, today=world.today, tz=TZ, rule_ids=rule_ids)
    return {p.rule.id: p for p in found}


def test_preview_writes_nothing(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    other = world.account("B社")
    world.touchpoint(other, days_ago=50)
    before = dump(world.database)

    preview(world)

    assert dump(world.database) == before


def test_preview_tells_new_open_and_cooling_down_hits_with_reasons(world: World) -> None:
    opened, cooling, new = world.account("A社"), world.account("B社"), world.account("C社")
    for account_id in (opened, cooling, new):
        world.touchpoint(account_id, days_ago=40)
    world.evaluate([opened, cooling])
    cooling_cta = next(c for c in world.ctas() if c.account_id == cooling)
    with world.database.unit_of_work() as session:
        service.complete(session, cooling_cta.id, user_id=OWNER, is_admin=False, now=world.now)

    silent = preview(world)["silent"]

    by_name = {hit.name: hit for hit in silent.hits}
    assert by_name["A社"].state is PreviewState.OPEN
    assert by_name["A社"].cta_id == next(c.id for c in world.ctas() if c.account_id == opened)
    assert by_name["B社"].state is PreviewState.COOLING_DOWN
    assert by_name["B社"].cooling_until == world.today + timedelta(days=7)
    assert by_name["C社"].state is PreviewState.NEW
    assert by_name["C社"].reasons[0].key == "rules.reason.no_touchpoint"
    assert (silent.count(PreviewState.NEW), silent.count(PreviewState.OPEN)) == (1, 1)


def test_preview_lists_open_ctas_and_whether_they_still_fire(world: World) -> None:
    still, cleared = world.account("A社"), world.account("B社")
    world.touchpoint(still, days_ago=40)
    world.touchpoint(cleared, days_ago=40)
    world.evaluate()
    world.touchpoint(cleared, days_ago=0)

    silent = preview(world, ["silent"])["silent"]

    assert {(cta.name, cta.still_fires) for cta in silent.open} == {("A社", True), ("B社", False)}


def test_preview_counts_accounts_it_cannot_decide(world: World) -> None:
    world.account("A社")
    world.account("B社")
    assert preview(world)["silent"].undetermined == 2


def test_preview_shows_a_switched_off_rule(world: World) -> None:
    world.engine = engine_for(make_test_config({**SILENT, "enabled": False}))
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    silent = preview(world)["silent"]
    assert not silent.rule.enabled
    assert [hit.state for hit in silent.hits] == [PreviewState.NEW]
    assert world.evaluate().opened == []


def test_stats_per_rule(world: World) -> None:
    world.engine = engine_for(make_test_config({**SILENT, "cooldown_days": 60}, PO_MISSING))
    ids = [world.account(name) for name in ("A社", "B社", "C社", "D社", "E社")]
    for account_id in ids:
        world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    done, dismissed, late, expires, clears = (c.id for c in world.ctas())
    with world.database.unit_of_work() as session:
        service.complete(
            session, done, user_id=OWNER, is_admin=False, now=world.now, usefulness=CtaUsefulness.USEFUL
        )
        service.dismiss(
            session,
            dismissed,
            user_id=OWNER,
            is_admin=False,
            reason="誤検知",
            now=world.now,
            usefulness=CtaUsefulness.FALSE_ALARM,
        )
    world.advance(5)  # past the due date (two business days)
    with world.database.unit_of_work() as session:
        service.complete(session, late, user_id=OWNER, is_admin=False, now=world.now)
    world.touchpoint(ids[4], days_ago=0)
    world.evaluate()
    world.today = world.cta(expires).due_on + timedelta(days=11)
    world.evaluate()
    assert world.cta(clears).status is CtaStatus.AUTO_CLOSED
    assert world.cta(expires).status is CtaStatus.EXPIRED

    with world.database.unit_of_work() as session:
        stats = {s.rule_id: s for s in reports.rules_stats(session, world.engine.rules, tz=TZ)}

    silent = stats["silent"]
    counts = (silent.fired, silent.open, silent.done, silent.dismissed, silent.auto_closed, silent.expired)
    assert counts == (5, 0, 2, 1, 1, 1)
    assert silent.done_on_time == 1
    assert silent.completion_rate == 1 / 4  # on time / (done + dismissed + expired)
    assert silent.median_days_to_close == 0.0  # 0, 0 and 5 days
    assert (silent.feedback, silent.useful_share, silent.false_alarm_share) == (2, 0.5, 0.5)
    assert stats["po_missing"].fired == 0


def test_stats_since_a_day(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    with world.database.unit_of_work() as session:
        later = reports.rules_stats(session, world.engine.rules, tz=TZ, since=world.today + timedelta(days=1))
        today = reports.rules_stats(session, world.engine.rules, tz=TZ, since=world.today)
    assert [s.fired for s in later if s.rule_id == "silent"] == [0]
    assert [s.fired for s in today if s.rule_id == "silent"] == [1]


# --- the sample book -------------------------------------------------------------------------------

SAMPLE_DAY = date(2026, 11, 24)


@pytest.fixture
def sample(database: Database, shipped_config: Any) -> World:
    with database.unit_of_work() as session:
        load_sample(session, SAMPLE_DAY)
    world = World(database, engine_for(shipped_config))
    world.today = SAMPLE_DAY
    return world


def test_the_default_rules_on_the_sample_book(sample: World) -> None:
    found = preview(sample)
    fired = {rule_id: {hit.external_id for hit in p.hits} for rule_id, p in found.items()}

    assert "CRM-0003" in fired["key_person_missing"]  # the PO left 18 days ago, no successor
    assert "CRM-0005" in fired["onboarding_overdue"]  # due 45 days ago, still not done
    assert "CRM-0007" in fired["silent_account"]  # 75 days without a touchpoint
    assert "CRM-0002" in fired["renewal_at_risk"]  # E, renewal in 45 days
    everyone = set().union(*fired.values())
    assert "CRM-0011" not in everyone  # signed 3 days ago, nothing known: no CTA
    assert "CRM-0001" not in everyone  # the healthy reference
    assert "CRM-0060" not in everyone  # churned
    assert found["grade_drop"].hits == ()  # no snapshot history yet


def test_evaluating_the_sample_book_opens_what_the_preview_promised(sample: World) -> None:
    promised = sum(p.count(PreviewState.NEW) for p in preview(sample).values())
    report = sample.evaluate()
    assert len(report.opened) == promised > 0
    assert sample.evaluate().opened == []

    with sample.database.unit_of_work() as session:
        stats = reports.rules_stats(session, sample.engine.rules, tz=TZ)
    assert sum(s.fired for s in stats) == promised
    assert all(s.open == s.fired for s in stats)
