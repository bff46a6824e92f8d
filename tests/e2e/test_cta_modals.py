"""End to end: the alert's buttons that open a modal (スヌーズ, 完了, 却下) and the 💤 reaction, through
signed requests to the real app, its outbox deliverer and the stand-in. Each submission changes the
CTA, updates the alert in place, replies in its thread and writes an event with its actor; invalid
input answers inline (``response_action: errors``) and changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.sandbox import SlackDriver, SlackStandIn
from handlers.ids import CtaBlock, CtaButton, CtaCallback
from handlers.services.cta_reports import rules_stats
from scoring.rules import compile_rules
from storage.db import Database
from storage.enums import CtaEventKind, CtaStatus, CtaUsefulness
from storage.mapping import param_from_json
from storage.models import Cta
from storage.repositories import ctas as repo
from tests.e2e.conftest import (
    CHANNEL,
    COLLEAGUE,
    OWNER,
    Book,
    RunningApp,
    answer_json,
    initial_state,
    radio,
    table_counts,
    text_input,
    wait_for_modal,
)
from tests.e2e.test_cta import cta_state, fire, wait_for_alert


def click(slack: SlackDriver, user: str, message: dict[str, Any], button: CtaButton, cta_id: int) -> None:
    action = {"type": "button", "action_id": button, "block_id": CtaBlock.ACTIONS, "value": str(cta_id)}
    assert slack.block_actions(user, [action], message=message, channel_id=CHANNEL).status == 200


def stored(database: Database, cta_id: int) -> Cta:
    with database.unit_of_work() as session:
        cta = repo.get(session, cta_id)
        assert cta is not None
        return cta


def last_event(database: Database, cta_id: int) -> tuple[CtaEventKind, str, dict[str, Any]]:
    with database.unit_of_work() as session:
        event = repo.events(session, cta_id)[-1]
        detail = {name: param_from_json(value) for name, value in (event.detail or {}).items()}
        return event.kind, event.actor, detail


def status_field(message: dict[str, Any]) -> str:
    fields = next(b for b in message["blocks"] if b.get("block_id") == CtaBlock.FIELDS)["fields"]
    return str(fields[-1]["text"])


def replies(standin: SlackStandIn, ts: str) -> list[dict[str, Any]]:
    """The replies in the alert's thread (the stand-in's ``thread`` starts with the alert itself)."""
    return [m for m in standin.thread(CHANNEL, ts) if m["ts"] != ts]


def wait_for_replies(standin: SlackStandIn, ts: str, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    assert standin.wait_until(lambda s: len(replies(s, ts)) >= count, timeout=timeout), replies(standin, ts)
    return replies(standin, ts)


def top_level(standin: SlackStandIn) -> list[str]:
    return [m["ts"] for m in standin.messages(CHANNEL) if m.get("thread_ts") in (None, m["ts"])]


def local_today(running_app: RunningApp) -> date:
    return datetime.now(running_app.takibi.settings.tz).date()


def test_snoozing_by_button_asks_why_then_snoozes_updates_the_alert_and_replies_in_its_thread(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    before = local_today(delivering_app)

    click(slack, COLLEAGUE, message, CtaButton.SNOOZE, cta_id)
    view = wait_for_modal(standin, COLLEAGUE, CtaCallback.SNOOZE)
    values = initial_state(
        view, **{CtaBlock.SNOOZE_DAYS: radio("3"), CtaBlock.SNOOZE_REASON: radio("waiting")}
    )
    answer = slack.view_submission(COLLEAGUE, view, values)

    assert answer.status == 200
    assert not answer.body
    (reply,) = wait_for_replies(standin, message["ts"], 1)
    assert standin.wait_until(
        lambda s: "スヌーズ中" in status_field(s.message(CHANNEL, message["ts"]) or {}), 10
    )
    cta = stored(database, cta_id)
    until = (
        cta.snoozed_until.astimezone(delivering_app.takibi.settings.tz).date() if cta.snoozed_until else None
    )
    assert until in {before + timedelta(days=3), local_today(delivering_app) + timedelta(days=3)}
    assert (cta.status, cta.snooze_reason) == (CtaStatus.OPEN, "waiting")
    assert last_event(database, cta_id) == (
        CtaEventKind.SNOOZED,
        COLLEAGUE,
        {"until": until, "reason": "waiting"},
    )
    assert top_level(standin) == [message["ts"]]
    assert f"<@{COLLEAGUE}>" in reply["text"]
    assert "顧客の判断待ち" in reply["text"]


def test_snoozing_for_another_reason_without_writing_it_is_refused_inline(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    click(slack, COLLEAGUE, message, CtaButton.SNOOZE, cta_id)
    view = wait_for_modal(standin, COLLEAGUE, CtaCallback.SNOOZE)

    values = initial_state(view, **{CtaBlock.SNOOZE_REASON: radio("other")})
    answer = slack.view_submission(COLLEAGUE, view, values)

    assert answer_json(answer) == {
        "response_action": "errors",
        "errors": {CtaBlock.SNOOZE_NOTE: "「その他」の理由を書いてください。"},
    }
    assert standin.open_views(COLLEAGUE)[-1]["callback_id"] == CtaCallback.SNOOZE
    assert cta_state(database, cta_id) == (CtaStatus.OPEN, [CtaEventKind.OPENED])
    assert stored(database, cta_id).snoozed_until is None


def test_done_by_button_asks_whether_it_was_useful_and_keeps_the_answer_for_its_rule(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)

    click(slack, OWNER, message, CtaButton.DONE, cta_id)
    view = wait_for_modal(standin, OWNER, CtaCallback.DONE)
    values = initial_state(view, **{CtaBlock.USEFULNESS: radio(CtaUsefulness.FALSE_ALARM.value)})
    assert slack.view_submission(OWNER, view, values).status == 200

    (reply,) = wait_for_replies(standin, message["ts"], 1)
    assert "完了にしました" in reply["text"]
    assert standin.wait_until(
        lambda s: "actions" not in [b["type"] for b in (s.message(CHANNEL, message["ts"]) or {})["blocks"]],
        10,
    )
    cta = stored(database, cta_id)
    assert (cta.status, cta.closed_by, cta.usefulness) == (CtaStatus.DONE, OWNER, CtaUsefulness.FALSE_ALARM)
    assert last_event(database, cta_id) == (CtaEventKind.DONE, OWNER, {"usefulness": "false_alarm"})
    rules = compile_rules(delivering_app.takibi.config)
    with database.unit_of_work() as session:
        stats = {s.rule_id: s for s in rules_stats(session, rules, tz=delivering_app.takibi.settings.tz)}
    assert (stats[cta.rule_id].done, stats[cta.rule_id].false_alarm_share) == (1, 1.0)


def test_done_without_answering_the_optional_question_closes_it_with_no_answer(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)

    click(slack, OWNER, message, CtaButton.DONE, cta_id)
    view = wait_for_modal(standin, OWNER, CtaCallback.DONE)
    assert slack.view_submission(OWNER, view, initial_state(view)).status == 200

    assert standin.wait_until(lambda s: cta_state(database, cta_id)[0] is CtaStatus.DONE, timeout=10)
    assert stored(database, cta_id).usefulness is None


def test_dismissing_asks_why_refuses_an_empty_reason_inline_then_keeps_the_reason(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    click(slack, OWNER, message, CtaButton.DISMISS, cta_id)
    view = wait_for_modal(standin, OWNER, CtaCallback.DISMISS)

    empty = slack.view_submission(
        OWNER, view, initial_state(view, **{CtaBlock.DISMISS_REASON: text_input("  ")})
    )
    assert answer_json(empty) == {
        "response_action": "errors",
        "errors": {CtaBlock.DISMISS_REASON: "却下する理由を書いてください。"},
    }
    assert cta_state(database, cta_id) == (CtaStatus.OPEN, [CtaEventKind.OPENED])

    reason = "先週の定例で別施策として対応済み"
    values = initial_state(
        view, **{CtaBlock.DISMISS_REASON: text_input(reason), CtaBlock.USEFULNESS: radio("too_early")}
    )
    assert slack.view_submission(OWNER, view, values).status == 200

    (reply,) = wait_for_replies(standin, message["ts"], 1)
    assert reason in reply["text"]
    cta = stored(database, cta_id)
    assert (cta.status, cta.dismiss_reason, cta.usefulness) == (
        CtaStatus.DISMISSED,
        reason,
        CtaUsefulness.TOO_EARLY,
    )
    assert last_event(database, cta_id) == (
        CtaEventKind.DISMISSED,
        OWNER,
        {"reason": reason, "usefulness": "too_early"},
    )


def test_done_clicked_by_someone_who_is_neither_owner_nor_admin_is_refused_and_changes_nothing(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    counts = table_counts(database)

    for button in (CtaButton.DONE, CtaButton.DISMISS):
        click(slack, COLLEAGUE, message, button, cta_id)

    assert standin.wait_until(lambda s: len(s.ephemerals(user_id=COLLEAGUE)) >= 2, timeout=10)
    notes = [str(e["message"]) for e in standin.ephemerals(user_id=COLLEAGUE)]
    assert all("担当者か管理者" in note for note in notes)
    assert standin.open_views(COLLEAGUE) == []
    assert cta_state(database, cta_id) == (CtaStatus.OPEN, [CtaEventKind.OPENED])
    assert table_counts(database) == counts
    assert standin.message(CHANNEL, message["ts"]) == message
    assert replies(standin, message["ts"]) == []


def test_a_snooze_reaction_snoozes_for_seven_days(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    before = local_today(delivering_app)

    event = slack.reaction_added(COLLEAGUE, "zzz", CHANNEL, message["ts"], standin.bot_user_id)
    assert slack.event(event).status == 200

    (reply,) = wait_for_replies(standin, message["ts"], 1)
    cta = stored(database, cta_id)
    assert cta.snoozed_until is not None
    until = cta.snoozed_until.astimezone(delivering_app.takibi.settings.tz).date()
    assert until in {before + timedelta(days=7), local_today(delivering_app) + timedelta(days=7)}
    assert last_event(database, cta_id)[:2] == (CtaEventKind.SNOOZED, COLLEAGUE)
    assert f"{until:%m/%d} までスヌーズしました" in reply["text"]
    assert standin.wait_until(
        lambda s: "スヌーズ中" in status_field(s.message(CHANNEL, message["ts"]) or {}), 10
    )
