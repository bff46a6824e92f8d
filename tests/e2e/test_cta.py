"""End to end: a CTA rule fires, its alert reaches the team channel through the outbox and the stand-in,
and people act on it by button and by reaction, with signed requests to the real app."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.i18n import Locale, Translator
from bot.sandbox import SlackDriver, SlackStandIn
from handlers.ids import CtaButton
from handlers.services.cta_alerts import CtaAlerts, alert_key
from handlers.services.ctas import CtaEngine, evaluate_ctas
from scoring.rules import compile_rules
from storage.db import Database
from storage.enums import CtaEventKind, CtaStatus, KeyPersonRole
from storage.repositories import ctas as repo
from storage.repositories import key_people, outbox
from tests.e2e.conftest import CHANNEL, COLLEAGUE, OWNER, Book, RunningApp

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def fire(running_app: RunningApp, database: Database, book: Book) -> int:
    """Their PL left last week; evaluating the default rules opens a CTA and enqueues its alert."""
    takibi = running_app.takibi
    with database.unit_of_work() as session:
        key_people.add(
            session,
            account_id=book.kaminashi,
            role=KeyPersonRole.PL,
            name="田中",
            since=date(2025, 4, 1),
            left_on=date(2026, 11, 17),
        )
    alerts = CtaAlerts(
        rules=compile_rules(takibi.config),
        scale=CtaEngine.from_config(takibi.config).health.scale,
        t=Translator(Locale.JA),
        tz=takibi.settings.tz,
    )
    engine = CtaEngine.from_config(takibi.config)
    with database.unit_of_work(immediate=True) as session:
        report = evaluate_ctas(
            session, engine, now=NOW, tz=takibi.settings.tz, notify=alerts, account_ids=[book.kaminashi]
        )
    assert report.opened, report
    return report.opened[0]


def wait_for_alert(standin: SlackStandIn, database: Database, cta_id: int) -> dict[str, Any]:
    def sent(_: SlackStandIn) -> bool:
        with database.unit_of_work() as session:
            return outbox.result_for(session, alert_key(cta_id)) is not None

    assert standin.wait_until(sent, timeout=10)
    with database.unit_of_work() as session:
        result = outbox.result_for(session, alert_key(cta_id))
    assert result is not None
    message = standin.message(result["channel"], result["ts"])
    assert message is not None
    return message


def outbox_drained(database: Database) -> bool:
    """Nothing left to send: Slack has had every call and the deliverer has recorded every answer."""
    with database.unit_of_work() as session:
        return outbox.pending_count(session) == 0


def cta_state(database: Database, cta_id: int) -> tuple[CtaStatus, list[CtaEventKind]]:
    with database.unit_of_work() as session:
        cta = repo.get(session, cta_id)
        assert cta is not None
        return cta.status, [e.kind for e in repo.events(session, cta_id)]


def test_a_rule_firing_posts_one_alert_with_buttons_in_the_segment_channel(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    posts = [c for c in standin.calls_to("chat.postMessage") if c.ok]
    assert len(posts) == 1
    assert [m["ts"] for m in standin.messages(CHANNEL)] == [message["ts"]]
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [b.value for b in CtaButton]


def test_taking_by_button_updates_the_alert_and_records_an_event(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    button = {"type": "button", "action_id": CtaButton.TAKE, "block_id": "cta_actions", "value": str(cta_id)}
    answer = slack.block_actions(COLLEAGUE, [button], message=message, channel_id=CHANNEL)
    assert answer.status == 200

    def updated(s: SlackStandIn) -> bool:
        current = s.message(CHANNEL, message["ts"])
        return (
            current is not None
            and "U0SUZUKI" in str(current["blocks"])
            and bool(s.thread(CHANNEL, message["ts"]))
        )

    assert standin.wait_until(updated, timeout=10)
    status, kinds = cta_state(database, cta_id)
    assert status is CtaStatus.IN_PROGRESS
    assert kinds == [CtaEventKind.OPENED, CtaEventKind.TAKEN]


def test_a_done_reaction_by_the_owner_closes_the_cta(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    event = slack.reaction_added(OWNER, "white_check_mark", CHANNEL, message["ts"], standin.bot_user_id)
    assert slack.event(event).status == 200
    assert standin.wait_until(lambda s: cta_state(database, cta_id)[0] is CtaStatus.DONE, timeout=10)


def test_a_done_reaction_by_someone_else_is_refused_ephemerally_and_changes_nothing(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    event = slack.reaction_added(COLLEAGUE, "white_check_mark", CHANNEL, message["ts"], standin.bot_user_id)
    assert slack.event(event).status == 200
    assert standin.wait_until(lambda s: bool(s.ephemerals(user_id=COLLEAGUE)), timeout=10)
    note = standin.ephemerals(user_id=COLLEAGUE)[0]
    assert "担当者か管理者" in str(note)
    assert cta_state(database, cta_id) == (CtaStatus.OPEN, [CtaEventKind.OPENED])


def test_a_reaction_event_retried_three_times_applies_once(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    event = slack.reaction_added(COLLEAGUE, "eyes", CHANNEL, message["ts"], standin.bot_user_id)
    event_id = slack.new_event_id()
    for retry in (None, 1, 2):
        assert slack.event(event, event_id=event_id, retry_num=retry).status == 200
    # the stand-in's thread is the alert and its replies: one reply, for the one transition
    assert standin.wait_until(lambda s: len(s.thread(CHANNEL, message["ts"])) >= 2, timeout=10)
    assert standin.wait_until(lambda s: cta_state(database, cta_id)[0] is CtaStatus.IN_PROGRESS, timeout=10)
    assert cta_state(database, cta_id)[1] == [CtaEventKind.OPENED, CtaEventKind.TAKEN]
    assert standin.wait_until(lambda s: outbox_drained(database), timeout=10)
    assert len(standin.thread(CHANNEL, message["ts"])) == 2


def test_a_rate_limited_alert_arrives_once_after_the_wait(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database
) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=2, times=2)
    started = datetime.now(UTC)
    cta_id = fire(delivering_app, database, book)
    wait_for_alert(standin, database, cta_id)
    waited = (datetime.now(UTC) - started).total_seconds()
    assert waited >= 4 - 0.5, waited
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [429, 429, 200]
    assert len(standin.messages(CHANNEL)) == 1


def test_take_snooze_and_done_in_quick_succession_leave_the_alert_in_its_final_state(
    book: Book, delivering_app: RunningApp, standin: SlackStandIn, database: Database, slack: SlackDriver
) -> None:
    """Three changes faster than the channel's pacing, the first update failing once: the updates
    apply in order (a retried older one never overwrites a newer one) and each change has its reply."""
    cta_id = fire(delivering_app, database, book)
    message = wait_for_alert(standin, database, cta_id)
    ts = message["ts"]
    standin.fail_next("chat.update", status=500)

    button = {"type": "button", "action_id": CtaButton.TAKE, "block_id": "cta_actions", "value": str(cta_id)}
    assert slack.block_actions(OWNER, [button], message=message, channel_id=CHANNEL).status == 200
    assert standin.wait_until(lambda s: cta_state(database, cta_id)[0] is CtaStatus.IN_PROGRESS, timeout=10)
    assert slack.event(slack.reaction_added(OWNER, "zzz", CHANNEL, ts, standin.bot_user_id)).status == 200
    assert standin.wait_until(lambda s: len(cta_state(database, cta_id)[1]) == 3, timeout=10)
    done = slack.reaction_added(OWNER, "white_check_mark", CHANNEL, ts, standin.bot_user_id)
    assert slack.event(done).status == 200

    assert standin.wait_until(lambda s: outbox_drained(database) and len(s.thread(CHANNEL, ts)) == 4, 20)
    assert cta_state(database, cta_id) == (
        CtaStatus.DONE,
        [CtaEventKind.OPENED, CtaEventKind.TAKEN, CtaEventKind.SNOOZED, CtaEventKind.DONE],
    )
    final = standin.message(CHANNEL, ts)
    assert final is not None
    assert "actions" not in [b["type"] for b in final["blocks"]]
    assert "完了" in str(final["blocks"][-1])
    updates = standin.calls_to("chat.update")
    assert updates[0].status == 500
    assert updates[-1].ok
    assert updates[-1].params["blocks"] == final["blocks"]
    replies = [m["text"] for m in standin.thread(CHANNEL, ts)[1:]]
    for reply, says in zip(replies, ("担当しました", "スヌーズしました", "完了にしました"), strict=True):
        assert says in reply
