"""evaluate_ctas: CTAs open on new hits, auto-close when cleared, respect cool-downs, wake, go overdue
once and expire; missing data neither opens nor closes a CTA."""

from __future__ import annotations

from datetime import date, timedelta

from handlers.services import ctas as service
from handlers.services.ctas import AutoCloseReason
from scoring.model import Text
from scoring.rules import RuleReason
from storage.enums import AccountStatus, CtaEventKind, CtaPriority, CtaStatus, KeyPersonRole
from storage.models import HealthSnapshot
from storage.repositories import accounts
from storage.repositories.ctas import reasons_from_json
from tests.integration.ctas.conftest import (
    LOW_LOGIN,
    OWNER,
    PO_MISSING,
    SILENT,
    World,
    engine_for,
    make_test_config,
    rule,
)


def test_a_new_hit_opens_a_cta_with_everything_the_alert_needs(world: World) -> None:
    account_id = world.account(segment="MM")
    world.touchpoint(account_id, days_ago=40)

    report = world.evaluate()

    (cta,) = world.ctas()
    assert report.opened == [cta.id]
    assert (cta.account_id, cta.rule_id, cta.status, cta.priority) == (
        account_id,
        "silent",
        CtaStatus.OPEN,
        CtaPriority.MEDIUM,
    )
    assert reasons_from_json(cta.reasons) == (
        RuleReason(
            "rules.reason.no_touchpoint",
            {"days": 40, "last": world.today - timedelta(days=40), "threshold": 30},
        ),
    )
    assert cta.due_on == date(2026, 11, 26)  # two business days after Tue 11/24
    assert (cta.owner_slack_id, cta.channel_id) == (OWNER, "C0CSMM")
    assert cta.opened_at == world.now
    assert cta.config_version == world.engine.rules.version
    assert [(e.kind, e.actor, e.at) for e in world.events(cta.id)] == [
        (CtaEventKind.OPENED, "system", world.now)
    ]
    assert world.notifier.opened_ids == [cta.id]


def test_the_accounts_own_alert_channel_wins(world: World) -> None:
    account_id = world.account(segment="MM", channel="C0OWNCHAN")
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    assert world.ctas()[0].channel_id == "C0OWNCHAN"


def test_evaluating_again_keeps_one_open_cta(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    world.advance(1)
    report = world.evaluate()
    assert report.opened == []
    assert len(world.ctas()) == 1
    assert len(world.notifier.opened_ids) == 1


def test_a_cleared_condition_auto_closes_the_cta(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    world.touchpoint(account_id, days_ago=0)

    report = world.evaluate()

    (cta,) = world.ctas()
    assert report.auto_closed == [cta.id]
    assert (cta.status, cta.closed_at, cta.closed_by) == (CtaStatus.AUTO_CLOSED, world.now, "system")
    last = world.events(cta.id)[-1]
    assert (last.kind, last.actor, last.detail) == (CtaEventKind.AUTO_CLOSED, "system", {"reason": "cleared"})
    assert world.notifier.changed_kinds() == [(cta.id, CtaEventKind.AUTO_CLOSED)]


def test_missing_data_neither_opens_nor_closes(world: World) -> None:
    world.engine = engine_for(make_test_config(cta={"expire_after_overdue_days": 60}))
    account_id = world.account()
    world.metric(account_id, "login_rate", 0.1)
    world.evaluate()
    (cta,) = world.ctas()
    assert cta.rule_id == "low_login"

    world.advance(20)  # the value is now older than fresh_days (14): unknown, not cleared
    report = world.evaluate()
    assert report.auto_closed == []
    assert world.cta(cta.id).status is CtaStatus.OPEN
    assert report.undetermined >= 1


def test_an_account_with_no_data_raises_nothing(world: World) -> None:
    world.account()
    report = world.evaluate()
    assert world.ctas() == []
    assert report.undetermined == 3


def test_after_closing_the_rule_waits_its_cool_down(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    (first,) = world.ctas()
    with world.database.unit_of_work() as session:
        service.complete(session, first.id, user_id=OWNER, is_admin=False, now=world.now)

    world.advance(6)  # cooldown_days: 7
    report = world.evaluate()
    assert report.opened == []
    assert report.cooling_down == 1

    world.advance(1)
    report = world.evaluate()
    assert len(report.opened) == 1
    assert [c.status for c in world.ctas()] == [CtaStatus.DONE, CtaStatus.OPEN]


def test_an_overdue_cta_is_flagged_once(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    (cta,) = world.ctas()

    world.today = cta.due_on
    assert world.evaluate().overdue == []
    world.advance(1)
    assert world.evaluate().overdue == [cta.id]
    world.advance(1)
    assert world.evaluate().overdue == []

    assert world.cta(cta.id).overdue_flagged_at == world.now - timedelta(days=1)
    kinds = [e.kind for e in world.events(cta.id)]
    assert kinds.count(CtaEventKind.OVERDUE) == 1
    assert world.notifier.changed_kinds() == [(cta.id, CtaEventKind.OVERDUE)]


def test_a_long_overdue_cta_expires(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    (cta,) = world.ctas()

    world.today = cta.due_on + timedelta(days=10)  # expire_after_overdue_days: 10
    assert world.evaluate().expired == []
    world.advance(1)
    report = world.evaluate()

    assert report.expired == [cta.id]
    expired = world.cta(cta.id)
    assert (expired.status, expired.closed_at, expired.closed_by) == (CtaStatus.EXPIRED, world.now, "system")
    assert world.events(cta.id)[-1].detail == {"days_overdue": 11}


def test_switching_a_rule_off_closes_its_open_ctas(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    (cta,) = world.ctas()

    world.engine = engine_for(make_test_config({**SILENT, "enabled": False}, PO_MISSING, LOW_LOGIN))
    report = world.evaluate()
    assert report.auto_closed == [cta.id]
    assert world.events(cta.id)[-1].detail == {"reason": AutoCloseReason.RULE_DISABLED.value}


def test_removing_a_rule_closes_its_open_ctas(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    (cta,) = world.ctas()

    world.engine = engine_for(make_test_config(PO_MISSING, LOW_LOGIN))
    world.evaluate()
    assert world.cta(cta.id).status is CtaStatus.AUTO_CLOSED
    assert world.events(cta.id)[-1].detail == {"reason": "rule_removed"}


def test_a_churned_accounts_ctas_close(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    with world.database.unit_of_work() as session:
        account = accounts.get(session, account_id)
        assert account is not None
        account.status = AccountStatus.CHURNED

    report = world.evaluate()

    (cta,) = world.ctas()
    assert report.auto_closed == [cta.id]
    assert world.events(cta.id)[-1].detail == {"reason": "account_inactive"}


def test_account_ids_limit_the_evaluation(world: World) -> None:
    first, second = world.account("A社"), world.account("B社")
    world.touchpoint(first, days_ago=40)
    world.touchpoint(second, days_ago=40)
    report = world.evaluate([second])
    assert report.accounts == 1
    assert [c.account_id for c in world.ctas()] == [second]


def test_po_missing_reason_and_priority(world: World) -> None:
    account_id = world.account()
    po = world.person(account_id, KeyPersonRole.PO)
    world.leave(po, days_ago=3)
    world.touchpoint(account_id, days_ago=1)
    world.evaluate()
    (cta,) = world.ctas()
    assert (cta.rule_id, cta.priority) == ("po_missing", CtaPriority.HIGH)
    assert reasons_from_json(cta.reasons) == (
        RuleReason("rules.reason.role_vacant.po", {"since": world.today - timedelta(days=3)}),
    )


def test_grade_drop_reads_the_stored_snapshots(world: World) -> None:
    world.engine = engine_for(make_test_config(rule("drop", {"grade_drop": {"levels": 1, "days": 7}})))
    account_id = world.account()
    world.metric(account_id, "login_rate", 0.05)
    with world.database.unit_of_work() as session:
        session.add(
            HealthSnapshot(
                account_id=account_id,
                day=world.today - timedelta(days=7),
                overall_grade=5,
                confidence=1.0,
                config_version="v",
            )
        )
    world.evaluate()
    (cta,) = world.ctas()
    (reason,) = reasons_from_json(cta.reasons)
    assert reason.key == "rules.reason.grade_drop"
    assert reason.params["before"] == Text("A 好調", "A Thriving")


def test_a_change_rule_reads_values_older_than_the_score_does(world: World) -> None:
    drop = rule("login_drop", {"change": {"metric": "login_rate", "percent": 30, "days": 28}}, element="fire")
    world.engine = engine_for(make_test_config(drop))
    account_id = world.account()
    world.metric(account_id, "login_rate", 0.6, days_ago=28)  # older than login_rate's fresh_days (14)
    world.metric(account_id, "login_rate", 0.3)

    world.evaluate()

    (cta,) = world.ctas()
    (reason,) = reasons_from_json(cta.reasons)
    assert reason.key == "rules.reason.change.down.ratio"
    assert (reason.params["before"], reason.params["after"], reason.params["days"]) == (0.6, 0.3, 28)
