"""The deliverer against the stand-in over real HTTP: outcomes, retries, reconciliation, exactly once."""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from collections import Counter
from typing import NamedTuple

import pytest
from slack_sdk import WebClient

from bot.outbox import Deliverer, DeliveryReport, build_delivery_client
from bot.outbox_methods import Delivery, OutboxMethod
from bot.sandbox import SlackStandIn
from storage.db import Database
from storage.enums import OutboxStatus
from storage.repositories import outbox

from .conftest import BOT_TOKEN, CHANNELS, MakeDeliverer, delivered, drain, post, row, statuses


def test_a_post_arrives_with_its_outbox_marker_and_the_row_keeps_slacks_answer(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    row_id = post(database, "cta:1:alert", text="解約リスク")

    report = make_deliverer().deliver_due()

    (message,) = standin.messages("C0CSSMB")
    stored = row(database, row_id)
    assert report == DeliveryReport(claimed=1, sent=1)
    assert message["text"] == "解約リスク"
    assert message["metadata"] == {
        "event_type": "takibi_outbox",
        "event_payload": {"outbox_id": row_id, "dedupe_key": "cta:1:alert"},
    }
    assert (stored.status, stored.result, stored.attempts) == (
        "sent",
        {"channel": "C0CSSMB", "ts": message["ts"]},
        1,
    )
    assert stored.sent_at is not None


def test_a_payloads_own_metadata_keeps_its_event_type_and_gains_the_marker(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    metadata = {"event_type": "cta_raised", "event_payload": {"cta_id": 7}}
    row_id = post(database, "cta:7", payload={"metadata": metadata})

    make_deliverer().deliver_due()

    (message,) = standin.messages("C0CSSMB")
    assert message["metadata"] == {
        "event_type": "cta_raised",
        "event_payload": {"cta_id": 7, "outbox_id": row_id, "dedupe_key": "cta:7"},
    }


def test_the_delivery_client_has_no_retry_handlers_of_its_own(client: WebClient) -> None:
    assert client.retry_handlers == []


def test_rate_limited_twice_the_message_arrives_once_after_both_waits(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=2, times=2)
    deliverer = make_deliverer()
    stop = threading.Event()
    started = time.monotonic()
    row_id = post(database, "digest")
    deliverer.notify()
    runner = threading.Thread(target=deliverer.run, args=(stop,))
    runner.start()
    try:
        arrived = standin.wait_until(lambda s: len(s.messages("C0CSSMB")) > 0, timeout=15)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        deliverer.notify()
        runner.join(timeout=15)

    calls = standin.calls_to("chat.postMessage")
    assert arrived
    assert elapsed >= 4.0
    assert [c.status for c in calls] == [429, 429, 200]
    assert delivered(standin) == {row_id: 1}
    stored = row(database, row_id)
    assert (stored.status, stored.attempts, stored.last_error) == ("sent", 1, "429 ratelimited")


def test_a_rate_limit_reschedules_the_row_and_holds_its_channel_in_the_database(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=30)
    first = post(database, "first")
    second = post(database, "second", not_before=None)
    other = post(database, "elsewhere", channel="C0CSMM")

    report = make_deliverer(workers=1).deliver_due()

    assert report.rate_limited == 1
    assert report.released == 1
    assert report.sent == 1
    held = [row(database, first), row(database, second)]
    assert [(r.status, r.attempts) for r in held] == [("pending", 0), ("pending", 0)]
    assert held[0].next_attempt_at == held[1].next_attempt_at
    assert (held[0].next_attempt_at - held[0].created_at).total_seconds() >= 29
    assert row(database, other).status == "sent"


def test_random_failures_over_200_messages_deliver_every_message_exactly_once(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    channels = [*CHANNELS, *(standin.add_channel(f"cs-extra-{n}") for n in range(5))]
    standin.set_failure_rate(0.2, seed=20261124)
    ids = [post(database, f"alert-{i}", channel=channels[i % 8], text=f"alert {i}") for i in range(200)]

    drain(make_deliverer(max_attempts=20, workers=8), database, timeout=90)

    failures = Counter(c.status for c in standin.calls if c.injected == "failure_rate")
    assert set(failures) == {429, 500, 503}
    assert failures.total() > 30
    assert delivered(standin, channels) == dict.fromkeys(ids, 1)
    assert statuses(database) == {OutboxStatus.SENT: 200}


def test_an_answer_lost_after_slack_accepted_is_reconciled_not_resent(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    standin.fail_after_accept("chat.postMessage")
    row_id = post(database, "cta:3:alert")
    deliverer = make_deliverer()

    first = deliverer.deliver_due()
    drain(deliverer, database)

    (message,) = standin.messages("C0CSSMB")
    stored = row(database, row_id)
    assert first.unknown == 1
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [0]
    assert standin.calls_to("conversations.history")
    assert (stored.status, stored.result) == ("sent", {"channel": "C0CSSMB", "ts": message["ts"]})


def test_a_server_error_on_a_post_is_reconciled_then_sent_once(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    """A 5xx may hide a stored message (Slack's fatal_error); the read-back finds none, so it resends."""
    standin.fail_next("chat.postMessage", status=503)
    row_id = post(database, "a")

    drain(make_deliverer(), database)

    assert [c.status for c in standin.calls_to("chat.postMessage")] == [503, 200]
    assert len(standin.calls_to("conversations.history")) == 1
    assert delivered(standin) == {row_id: 1}


def test_a_stale_sending_row_left_by_a_dead_process_is_sent_once(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    """Claimed and committed, then the process died before calling Slack: nothing to find, so send."""
    row_id = post(database, "a")
    with database.unit_of_work(immediate=True) as session:
        outbox.claim_due(
            session, now=row(database, row_id).created_at, limit=1, lease_seconds=0, instance_id="gone"
        )

    drain(make_deliverer(), database)

    assert delivered(standin) == {row_id: 1}
    assert row(database, row_id).attempts == 2


class Refusal(NamedTuple):
    channel: str
    payload: dict[str, object]
    token: str
    error: str


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(Refusal("C0NOPE", {}, BOT_TOKEN, "200 channel_not_found"), id="channel_not_found"),
        pytest.param(
            Refusal("C0CSSMB", {"blocks": [{"type": "no_such_block"}]}, BOT_TOKEN, "200 invalid_blocks"),
            id="invalid_blocks",
        ),
        pytest.param(Refusal("G0SECRET", {}, BOT_TOKEN, "200 not_in_channel"), id="not_in_channel"),
        pytest.param(Refusal("C0CSSMB", {}, "xoxp-not-a-bot-token", "200 invalid_auth"), id="invalid_auth"),
    ],
)
def test_a_permanent_slack_error_makes_the_row_dead_at_once(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer, case: Refusal
) -> None:
    standin.add_channel("secret", channel_id="G0SECRET", is_private=True, bot_is_member=False)
    row_id = post(database, "a", channel=case.channel, payload=case.payload)

    report = make_deliverer(client=build_delivery_client(case.token, standin.base_url)).deliver_due()

    stored = row(database, row_id)
    assert report.dead == 1
    assert (stored.status, stored.attempts, stored.last_error) == ("dead", 1, case.error)
    with database.unit_of_work() as session:
        assert [r.id for r in outbox.dead_rows(session)] == [row_id]


def test_after_max_attempts_of_server_errors_the_row_is_dead_and_was_never_posted(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    standin.fail_next("chat.postMessage", status=500, times=3)
    row_id = post(database, "a")

    drain(make_deliverer(max_attempts=3), database)

    stored = row(database, row_id)
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [500, 500, 500]
    assert (stored.status, stored.last_error) == ("dead", "not delivered after 3 attempts")
    assert standin.messages("C0CSSMB") == []


def test_max_attempts_for_an_idempotent_method_goes_dead_without_reconciling(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    standin.fail_next("views.publish", status=503, times=2)
    with database.unit_of_work() as session:
        home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]}
        row_id = outbox.enqueue(
            session, method="views.publish", payload={"user_id": "U0SATO", "view": home}, dedupe_key="home"
        ).id

    drain(make_deliverer(max_attempts=2), database)

    assert (row(database, row_id).status, row(database, row_id).last_error) == (
        "dead",
        "503 service_unavailable",
    )
    assert standin.calls_to("conversations.history") == []


def test_a_thread_reply_waits_for_its_parent_and_lands_in_its_thread(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=1)
    parent = post(database, "cta:9:alert", text="CTA")
    reply = post(database, "cta:9:playbook", channel=None, text="playbook", depends_on_id=parent)
    deliverer = make_deliverer()

    first = deliverer.deliver_due()
    drain(deliverer, database)

    parent_ts = row(database, parent).result["ts"]  # type: ignore[index]
    assert first.claimed == 1  # the reply was not due while its parent was pending
    assert [m["text"] for m in standin.thread("C0CSSMB", parent_ts)] == ["CTA", "playbook"]
    assert row(database, reply).result == {
        "channel": "C0CSSMB",
        "ts": standin.thread("C0CSSMB", parent_ts)[1]["ts"],
        "thread_ts": parent_ts,
    }


def test_a_lost_thread_reply_is_reconciled_from_the_thread(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    parent = post(database, "parent", text="CTA")
    reply = post(database, "reply", channel=None, text="playbook", depends_on_id=parent)
    deliverer = make_deliverer()
    deliverer.deliver_due()
    standin.fail_after_accept("chat.postMessage")

    drain(deliverer, database)

    assert standin.calls_to("conversations.replies")
    assert delivered(standin) == {parent: 1, reply: 1}


def test_an_update_and_a_reaction_name_their_parent_and_apply_to_its_message(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    parent = post(database, "cta:5:alert", text="open")
    with database.unit_of_work() as session:
        outbox.enqueue(
            session,
            method="chat.update",
            payload={"text": "done ✅"},
            dedupe_key="cta:5:done",
            depends_on_id=parent,
        )
        outbox.enqueue(
            session,
            method="reactions.add",
            payload={"name": "fire"},
            dedupe_key="cta:5:fire",
            depends_on_id=parent,
        )
        outbox.enqueue(
            session,
            method="reactions.add",
            payload={"name": "fire"},
            dedupe_key="cta:5:fire-again",
            depends_on_id=parent,
        )

    drain(make_deliverer(), database)

    (message,) = standin.messages("C0CSSMB")
    assert message["text"] == "done ✅"
    assert message["reactions"] == [{"name": "fire", "users": [standin.bot_user_id], "count": 1}]
    assert statuses(database) == {OutboxStatus.SENT: 4}


def test_a_dm_to_a_user_id_opens_the_conversation_first(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    row_id = post(database, "nudge:sato", channel="U0SATO", text="ヘルスチェックをお願いします")

    make_deliverer().deliver_due()

    dm = standin.dm_channel("U0SATO")
    assert [c.method for c in standin.calls] == ["conversations.open", "chat.postMessage"]
    assert standin.calls_to("chat.postMessage")[0].params["channel"] == dm
    assert row(database, row_id).result == {"channel": dm, "ts": standin.messages(dm)[0]["ts"]}
    assert delivered(standin, [dm]) == {row_id: 1}


def test_a_lost_dm_is_reconciled_from_the_dm_history(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    standin.fail_after_accept("chat.postMessage")
    row_id = post(database, "nudge:emily", channel="U0EMILY")

    drain(make_deliverer(), database)

    assert delivered(standin, [standin.dm_channel("U0EMILY")]) == {row_id: 1}


def test_ephemerals_and_home_tabs_are_delivered(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "🔥"}}]}
    with database.unit_of_work() as session:
        outbox.enqueue(
            session,
            method="chat.postEphemeral",
            payload={"channel": "C0CSSMB", "user": "U0SATO", "text": "保存しました"},
            dedupe_key="eph",
        )
        outbox.enqueue(
            session, method="views.publish", payload={"user_id": "U0SATO", "view": home}, dedupe_key="home"
        )

    drain(make_deliverer(), database)

    assert [e["message"]["text"] for e in standin.ephemerals("C0CSSMB", "U0SATO")] == ["保存しました"]
    published = standin.published_home("U0SATO")
    assert published is not None
    assert published["blocks"][0]["text"]["text"] == "🔥"


def test_a_post_whose_read_back_is_refused_goes_dead_as_unknown_instead_of_resending(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    standin.add_channel("secret", channel_id="G0SECRET", is_private=True)
    standin.fail_next("chat.postMessage", status=500)
    row_id = post(database, "a", channel="G0SECRET")
    deliverer = make_deliverer()
    deliverer.deliver_due()
    standin.add_channel("secret", channel_id="G0SECRET", is_private=True, bot_is_member=False)  # kicked out

    drain(deliverer, database)

    stored = row(database, row_id)
    assert (stored.status, stored.last_error) == (
        "dead",
        "outcome unknown, read-back refused: 200 not_in_channel",
    )
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [500]


def test_a_registered_method_is_delivered_and_an_unknown_one_goes_dead(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    def permalink(client: WebClient, delivery: Delivery) -> dict[str, object]:
        answer = client.chat_getPermalink(**delivery.payload)
        return {"permalink": answer["permalink"]}

    parent = post(database, "parent")
    with database.unit_of_work() as session:
        link = outbox.enqueue(
            session,
            method="chat.getPermalink",
            payload={},
            dedupe_key="link",
            depends_on_id=parent,
        ).id
        unknown = outbox.enqueue(session, method="files.upload", payload={}, dedupe_key="legacy").id
    deliverer = make_deliverer()
    deliverer.register(
        "chat.getPermalink", OutboxMethod(permalink, fill={"channel": ("channel",), "message_ts": ("ts",)})
    )

    drain(deliverer, database)

    assert str(row(database, link).result["permalink"]).startswith("https://")  # type: ignore[index]
    assert (row(database, unknown).status, row(database, unknown).last_error) == (
        "dead",
        "unsupported_method: files.upload",
    )


def test_posts_to_one_channel_are_paced_while_channels_run_concurrently(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    interval = 0.3
    for index in range(5):
        for channel in CHANNELS:
            post(database, f"{channel}-{index}", channel=channel)
    started = time.monotonic()

    drain(make_deliverer(per_channel_interval=interval, workers=4), database)

    elapsed = time.monotonic() - started
    calls = standin.calls_to("chat.postMessage")
    by_channel: dict[str, list[float]] = {}
    for call in calls:
        by_channel.setdefault(call.params["channel"], []).append(call.at)
    gaps = [b - a for times in by_channel.values() for a, b in itertools.pairwise(times)]
    assert len(calls) == 15
    assert min(gaps) >= interval - 0.005
    assert elapsed < 15 * interval  # one channel after another would take at least 4.2 s
    first_posts = sorted(times[0] for times in by_channel.values())
    assert first_posts[-1] - first_posts[0] < interval  # the three channels started together


def test_two_deliverers_on_one_database_never_send_a_row_twice(
    database: Database, standin: SlackStandIn, client: WebClient
) -> None:
    ids = [post(database, f"alert-{i}", channel=CHANNELS[i % 3]) for i in range(200)]
    second_database = Database(database.url)
    deliverers = [
        Deliverer(db, client, instance_id=name, per_channel_interval=0, workers=4, backoff_base=0.05)
        for name, db in (("one", database), ("two", second_database))
    ]
    reports: list[DeliveryReport] = []
    start = threading.Barrier(2)

    def work(deliverer: Deliverer) -> None:
        start.wait()
        total = DeliveryReport()
        for _ in range(200):
            report = deliverer.deliver_due(20)
            total += report
            if report.claimed == 0:
                break
        reports.append(total)

    threads = [threading.Thread(target=work, args=(d,)) for d in deliverers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        second_database.dispose()

    posted = Counter(
        c.params["metadata"]["event_payload"]["outbox_id"] for c in standin.calls_to("chat.postMessage")
    )
    assert posted == dict.fromkeys(ids, 1)
    assert sum(r.sent for r in reports) == 200
    assert all(r.sent for r in reports)  # both took part
    assert statuses(database) == {OutboxStatus.SENT: 200}


def test_failures_are_logged_once_with_the_row_id_and_never_the_token(
    database: Database,
    standin: SlackStandIn,
    make_deliverer: MakeDeliverer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    standin.fail_next("chat.postMessage", status=500)
    flaky = post(database, "flaky")
    bad = post(database, "bad", channel="C0NOPE")

    with caplog.at_level(logging.INFO, logger="bot.outbox"):
        drain(make_deliverer(workers=1), database)

    ours = [r for r in caplog.records if r.name == "bot.outbox"]
    assert [r.getMessage() for r in ours if f"row {bad} " in r.getMessage()] == [
        f"outbox row {bad} (chat.postMessage, bad) is dead after 1 attempt(s): 200 channel_not_found"
    ]
    assert len([r for r in ours if f"row {flaky} " in r.getMessage() and r.levelno >= logging.WARNING]) == 1
    assert BOT_TOKEN not in caplog.text


def test_a_row_whose_lease_ran_low_while_queued_is_handed_back_unsent(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    ids = [post(database, f"alert-{i}") for i in range(3)]
    deliverer = make_deliverer(lease_seconds=3.0, per_channel_interval=1.2, channel_batch=3)

    report = deliverer.deliver_due()

    assert (report.claimed, report.sent, report.released) == (3, 2, 1)
    assert [(row(database, i).status, row(database, i).attempts) for i in ids] == [
        ("sent", 1),
        ("sent", 1),
        ("pending", 0),
    ]
    assert len(standin.calls_to("chat.postMessage")) == 2


def test_a_row_claimed_to_be_reconciled_stays_to_be_reconciled_when_handed_back(
    database: Database, make_deliverer: MakeDeliverer
) -> None:
    row_id = post(database, "a")
    created = row(database, row_id).created_at
    with database.unit_of_work(immediate=True) as session:
        outbox.claim_due(session, now=created, limit=1, lease_seconds=0, instance_id="gone")
        (reconcile,) = outbox.claim_due(session, now=created, limit=1, lease_seconds=60, instance_id="me")
    deliverer = make_deliverer()

    deliverer.release([reconcile], retry_at=created, reason="released: deliverer stopped")

    with database.unit_of_work(immediate=True) as session:
        (again,) = outbox.claim_due(session, now=created, limit=1, lease_seconds=60, instance_id="next")
    assert (row(database, row_id).last_error, again.reconcile, again.attempts) == (
        "released: deliverer stopped",
        True,
        2,
    )


def test_a_post_that_timed_out_while_slack_was_still_working_is_found_not_resent(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    standin.set_latency(1.6, methods=["chat.postMessage"])
    impatient = WebClient(token=BOT_TOKEN, base_url=standin.base_url, timeout=1, retry_handlers=[])
    row_id = post(database, "slow")
    deliverer = make_deliverer(client=impatient, reconcile_delay=2.0)

    first = deliverer.deliver_due()
    drain(deliverer, database)
    time.sleep(2.0)  # any post still travelling lands (and is recorded) by now

    assert first.unknown == 1
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert delivered(standin) == {row_id: 1}
    assert row(database, row_id).status == "sent"


def test_a_refused_connection_is_retried_without_reading_back(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    nowhere = build_delivery_client(BOT_TOKEN, f"http://127.0.0.1:{closed_port}/api/")
    row_id = post(database, "a")

    report = make_deliverer(client=nowhere).deliver_due()

    stored = row(database, row_id)
    assert report.retried == 1
    assert (stored.status, stored.lease_until) == ("pending", None)
    assert str(stored.last_error).startswith("URLError")
