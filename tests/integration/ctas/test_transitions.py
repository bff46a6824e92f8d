"""What people do to a CTA: take, snooze, done, dismiss, feedback; who may; what is refused; races."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.services import ctas as service
from handlers.services.ctas import (
    CtaNotFoundError,
    IllegalTransitionError,
    InvalidCtaInputError,
    NotAllowedError,
    day_start,
)
from scoring.rules import RuleReason
from storage.enums import CtaEventKind, CtaPriority, CtaStatus, CtaUsefulness
from storage.models import Cta, CtaEvent
from storage.repositories import ctas as repo
from tests.integration.ctas.conftest import ADMIN, COLLEAGUE, OWNER, TZ, World


def _open_cta(world: World) -> int:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    (cta,) = world.ctas()
    return cta.id


def _last_event(world: World, cta_id: int) -> CtaEvent:
    return world.events(cta_id)[-1]


# --- take ------------------------------------------------------------------------------------------


def test_anyone_in_cs_takes_an_open_cta(world: World) -> None:
    cta_id = _open_cta(world)
    with world.database.unit_of_work() as session:
        event = service.take(session, cta_id, user_id=COLLEAGUE, now=world.now)
    cta = world.cta(cta_id)
    assert (cta.status, cta.taken_by, cta.taken_at) == (CtaStatus.IN_PROGRESS, COLLEAGUE, world.now)
    assert (event.kind, event.actor, event.at) == (CtaEventKind.TAKEN, COLLEAGUE, world.now)


def test_a_colleague_can_take_over(world: World) -> None:
    cta_id = _open_cta(world)
    with world.database.unit_of_work() as session:
        service.take(session, cta_id, user_id=COLLEAGUE, now=world.now)
    with world.database.unit_of_work() as session:
        service.take(session, cta_id, user_id=OWNER, now=world.now)
    assert world.cta(cta_id).taken_by == OWNER
    assert _last_event(world, cta_id).detail == {"previous": COLLEAGUE}


def test_taking_your_own_cta_again_is_refused(world: World) -> None:
    cta_id = _open_cta(world)
    with world.database.unit_of_work() as session:
        service.take(session, cta_id, user_id=OWNER, now=world.now)
    with pytest.raises(IllegalTransitionError) as caught, world.database.unit_of_work() as session:
        service.take(session, cta_id, user_id=OWNER, now=world.now)
    assert caught.value.key == "rules.error.already_yours"
    assert len(world.events(cta_id)) == 2


# --- done / dismiss --------------------------------------------------------------------------------


def test_the_owner_marks_it_done_with_feedback(world: World) -> None:
    cta_id = _open_cta(world)
    with world.database.unit_of_work() as session:
        service.take(session, cta_id, user_id=OWNER, now=world.now)
    world.advance(1)
    with world.database.unit_of_work() as session:
        event = service.complete(
            session,
            cta_id,
            user_id=OWNER,
            is_admin=False,
            now=world.now,
            usefulness=CtaUsefulness.USEFUL,
            note=" 訪問した ",
        )
    cta = world.cta(cta_id)
    assert (cta.status, cta.closed_at, cta.closed_by, cta.usefulness) == (
        CtaStatus.DONE,
        world.now,
        OWNER,
        CtaUsefulness.USEFUL,
    )
    assert (event.kind, event.actor, event.detail) == (
        CtaEventKind.DONE,
        OWNER,
        {"usefulness": "useful", "note": "訪問した"},
    )


def test_an_admin_may_close_someone_elses_cta(world: World) -> None:
    cta_id = _open_cta(world)
    with world.database.unit_of_work() as session:
        service.complete(session, cta_id, user_id=ADMIN, is_admin=True, now=world.now)
    assert world.cta(cta_id).closed_by == ADMIN


def _close(world: World, action: str, cta_id: int, user_id: str, *, is_admin: bool) -> None:
    with world.database.unit_of_work() as session:
        if action == "done":
            service.complete(session, cta_id, user_id=user_id, is_admin=is_admin, now=world.now)
        else:
            service.dismiss(session, cta_id, user_id=user_id, is_admin=is_admin, reason="不要", now=world.now)


@pytest.mark.parametrize("action", ["done", "dismiss"])
def test_only_the_owner_or_an_admin_may_close(world: World, action: str) -> None:
    cta_id = _open_cta(world)
    with world.database.unit_of_work() as session:
        service.take(session, cta_id, user_id=COLLEAGUE, now=world.now)
    with pytest.raises(NotAllowedError) as caught:
        _close(world, action, cta_id, COLLEAGUE, is_admin=False)
    assert caught.value.key == "rules.error.not_allowed.close"
    assert caught.value.params["cta_id"] == cta_id
    assert world.cta(cta_id).status is CtaStatus.IN_PROGRESS


def test_an_account_without_owner_can_only_be_closed_by_an_admin(world: World) -> None:
    account_id = world.account(owner=None)
    world.touchpoint(account_id, days_ago=40)
    world.evaluate()
    (cta,) = world.ctas()
    with pytest.raises(NotAllowedError), world.database.unit_of_work() as session:
        service.complete(session, cta.id, user_id=OWNER, is_admin=False, now=world.now)


def test_dismissing_needs_a_reason(world: World) -> None:
    cta_id = _open_cta(world)
    with pytest.raises(InvalidCtaInputError) as caught, world.database.unit_of_work() as session:
        service.dismiss(session, cta_id, user_id=OWNER, is_admin=False, reason="  ", now=world.now)
    assert caught.value.key == "rules.error.input.reason_required"
    with world.database.unit_of_work() as session:
        service.dismiss(
            session,
            cta_id,
            user_id=OWNER,
            is_admin=False,
            reason="先方の繁忙期のため",
            now=world.now,
            usefulness=CtaUsefulness.TOO_EARLY,
        )
    cta = world.cta(cta_id)
    assert (cta.status, cta.dismiss_reason, cta.usefulness) == (
        CtaStatus.DISMISSED,
        "先方の繁忙期のため",
        CtaUsefulness.TOO_EARLY,
    )
    assert _last_event(world, cta_id).detail == {"reason": "先方の繁忙期のため", "usefulness": "too_early"}


def _act(world: World, action: str, cta_id: int) -> None:
    with world.database.unit_of_work() as session:
        if action == "take":
            service.take(session, cta_id, user_id=OWNER, now=world.now)
        elif action == "snooze":
            until = world.today + timedelta(days=7)
            service.snooze(session, cta_id, user_id=OWNER, until=until, tz=TZ, now=world.now)
        elif action == "done":
            service.complete(session, cta_id, user_id=OWNER, is_admin=True, now=world.now)
        else:
            service.dismiss(session, cta_id, user_id=OWNER, is_admin=True, reason="x", now=world.now)


@pytest.mark.parametrize("action", ["take", "snooze", "done", "dismiss"])
def test_nothing_happens_to_a_closed_cta(world: World, action: str) -> None:
    cta_id = _open_cta(world)
    with world.database.unit_of_work() as session:
        service.complete(session, cta_id, user_id=OWNER, is_admin=False, now=world.now)
    with pytest.raises(IllegalTransitionError) as caught:
        _act(world, action, cta_id)
    assert caught.value.key == "rules.error.already_closed"
    assert caught.value.status is CtaStatus.DONE
    assert [e.kind for e in world.events(cta_id)] == [CtaEventKind.OPENED, CtaEventKind.DONE]


def test_an_unknown_cta_is_reported_as_such(world: World) -> None:
    with pytest.raises(CtaNotFoundError) as caught, world.database.unit_of_work() as session:
        service.take(session, 999, user_id=OWNER, now=world.now)
    assert (caught.value.key, caught.value.params) == ("rules.error.not_found", {"cta_id": 999})


# --- feedback --------------------------------------------------------------------------------------


def test_feedback_after_closing(world: World) -> None:
    cta_id = _open_cta(world)
    with pytest.raises(IllegalTransitionError) as caught, world.database.unit_of_work() as session:
        service.give_feedback(
            session, cta_id, user_id=OWNER, is_admin=False, usefulness=CtaUsefulness.USEFUL, now=world.now
        )
    assert caught.value.key == "rules.error.feedback_open"

    world.touchpoint(world.ctas()[0].account_id, days_ago=0)
    world.evaluate()  # auto-closed
    with pytest.raises(NotAllowedError) as refused, world.database.unit_of_work() as session:
        service.give_feedback(
            session, cta_id, user_id=COLLEAGUE, is_admin=False, usefulness=CtaUsefulness.USEFUL, now=world.now
        )
    assert refused.value.key == "rules.error.not_allowed.feedback"
    with world.database.unit_of_work() as session:
        service.give_feedback(
            session,
            cta_id,
            user_id=OWNER,
            is_admin=False,
            usefulness=CtaUsefulness.FALSE_ALARM,
            now=world.now,
        )
    assert world.cta(cta_id).usefulness is CtaUsefulness.FALSE_ALARM
    event = _last_event(world, cta_id)
    assert (event.kind, event.actor, event.detail) == (
        CtaEventKind.FEEDBACK,
        OWNER,
        {"usefulness": "false_alarm", "previous": None},
    )


# --- snooze and wake -------------------------------------------------------------------------------


def test_snooze_until_a_day_then_wake(world: World) -> None:
    cta_id = _open_cta(world)
    until = world.today + timedelta(days=7)
    with world.database.unit_of_work() as session:
        event = service.snooze(
            session, cta_id, user_id=COLLEAGUE, until=until, tz=TZ, now=world.now, reason="来週訪問"
        )
    cta = world.cta(cta_id)
    assert (cta.status, cta.snoozed_until, cta.snooze_reason) == (
        CtaStatus.OPEN,
        day_start(until, TZ),
        "来週訪問",
    )
    assert (event.kind, event.actor) == (CtaEventKind.SNOOZED, COLLEAGUE)
    assert event.detail["reason"] == "来週訪問"

    world.advance(6)  # past the due date, still asleep: no overdue flag, no second CTA
    report = world.evaluate()
    assert (report.opened, report.overdue, report.woke) == ([], [], [])

    world.advance(1)
    report = world.evaluate()
    assert report.woke == [cta_id]
    assert report.overdue == [cta_id]
    assert world.cta(cta_id).snoozed_until is None
    kinds = [e.kind for e in world.events(cta_id)]
    assert kinds[-2:] == [CtaEventKind.WOKE, CtaEventKind.OVERDUE]
    assert world.notifier.changed_kinds() == [(cta_id, CtaEventKind.WOKE), (cta_id, CtaEventKind.OVERDUE)]


def test_a_snooze_must_end_in_the_future(world: World) -> None:
    cta_id = _open_cta(world)
    with pytest.raises(InvalidCtaInputError) as caught, world.database.unit_of_work() as session:
        service.snooze(session, cta_id, user_id=OWNER, until=world.today, tz=TZ, now=world.now)
    assert caught.value.key == "rules.error.input.snooze_past"


def test_taking_a_snoozed_cta_wakes_it(world: World) -> None:
    cta_id = _open_cta(world)
    with world.database.unit_of_work() as session:
        service.snooze(
            session, cta_id, user_id=OWNER, until=world.today + timedelta(days=3), tz=TZ, now=world.now
        )
    with world.database.unit_of_work() as session:
        service.take(session, cta_id, user_id=OWNER, now=world.now)
    assert world.cta(cta_id).snoozed_until is None
    assert _last_event(world, cta_id).detail == {"unsnoozed": True}


def test_a_snoozed_cta_whose_condition_clears_auto_closes(world: World) -> None:
    cta_id = _open_cta(world)
    with world.database.unit_of_work() as session:
        service.snooze(
            session, cta_id, user_id=OWNER, until=world.today + timedelta(days=3), tz=TZ, now=world.now
        )
    world.touchpoint(world.cta(cta_id).account_id, days_ago=0)
    world.evaluate()
    assert world.cta(cta_id).status is CtaStatus.AUTO_CLOSED


# --- one open CTA per account and rule -------------------------------------------------------------


def test_losing_the_race_for_a_cta_returns_none_and_keeps_the_transaction(world: World) -> None:
    account_id = world.account()
    other = world.account("B社")
    kwargs = {
        "rule_id": "silent",
        "priority": CtaPriority.MEDIUM,
        "reasons": [RuleReason("rules.reason.no_touchpoint", {"days": 40})],
        "due_on": world.today,
        "owner_slack_id": OWNER,
        "channel_id": None,
        "config_version": "v",
        "now": world.now,
    }
    with world.database.unit_of_work() as session:
        assert repo.try_open(session, account_id=account_id, **kwargs) is not None  # type: ignore[arg-type]

    with world.database.unit_of_work() as session:
        assert repo.try_open(session, account_id=account_id, **kwargs) is None  # type: ignore[arg-type]
        won = repo.try_open(session, account_id=other, **kwargs)  # type: ignore[arg-type]
        assert won is not None

    with world.database.unit_of_work() as session:
        rows = session.execute(select(Cta.account_id, Cta.status)).all()
        events = session.scalars(select(CtaEvent.kind)).all()
    assert sorted(rows) == [(account_id, CtaStatus.OPEN), (other, CtaStatus.OPEN)]
    assert events == [CtaEventKind.OPENED, CtaEventKind.OPENED]


def test_two_evaluations_at_once_open_one_cta(world: World) -> None:
    account_id = world.account()
    world.touchpoint(account_id, days_ago=40)
    barrier = threading.Barrier(2)
    reports: list[service.EvaluationReport] = []
    errors: list[BaseException] = []

    def evaluate() -> None:
        try:
            barrier.wait(timeout=10)
            reports.append(world.evaluate())
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(len(r.opened) for r in reports) == [0, 1]
    assert len(world.ctas()) == 1
    assert len(world.notifier.opened_ids) == 1
