"""Successive updates of one message: the newest replaces the older ones, never the other way round,
whatever retries, leases and failures do; and replies in one thread land in the order they were queued
(``storage.repositories.outbox``, "Updates of one message")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sandbox import SlackStandIn
from storage.db import Database
from storage.enums import OutboxStatus
from storage.repositories import outbox
from storage.repositories.outbox import SUPERSEDED, Claim

from .conftest import MakeDeliverer, delivered, drain, post, row, statuses

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def _claim(database: Database, now: datetime = LATER, lease_seconds: float = 60) -> list[Claim]:
    with database.unit_of_work(immediate=True) as session:
        return outbox.claim_due(session, now=now, limit=100, lease_seconds=lease_seconds, instance_id="test")


def _sent_parent(database: Database, key: str = "cta:7:alert") -> int:
    parent = post(database, key, not_before=NOW)
    (claim,) = _claim(database)
    with database.unit_of_work() as session:
        outbox.mark_sent(session, claim, result={"channel": "C0CSSMB", "ts": "1.000100"}, now=LATER)
    return parent


def _update(database: Database, parent: int, key: str, text: str, *, due: datetime | None = NOW) -> int:
    with database.unit_of_work() as session:
        return outbox.enqueue(
            session,
            method="chat.update",
            payload={"text": text},
            dedupe_key=key,
            depends_on_id=parent,
            not_before=due,
        ).id


def test_of_three_queued_updates_only_the_newest_is_sent_and_the_others_are_superseded(
    database: Database,
) -> None:
    parent = _sent_parent(database)
    older = [_update(database, parent, f"u{n}", f"state {n}") for n in (1, 2)]
    newest = _update(database, parent, "u3", "state 3")

    (claim,) = _claim(database)

    assert claim.id == newest
    for row_id in older:
        stored = row(database, row_id)
        assert (stored.status, stored.result, stored.attempts) == (OutboxStatus.SENT, SUPERSEDED, 0)


def test_a_newer_update_waits_while_an_older_one_is_in_flight(database: Database) -> None:
    parent = _sent_parent(database)
    first = _update(database, parent, "u1", "taken")
    (in_flight,) = _claim(database)
    second = _update(database, parent, "u2", "done")

    waiting = _claim(database)
    with database.unit_of_work() as session:
        outbox.mark_sent(session, in_flight, result={"channel": "C0CSSMB", "ts": "1.000100"}, now=LATER)
    (after,) = _claim(database)

    assert (in_flight.id, waiting, after.id) == (first, [], second)


def test_an_older_update_that_failed_is_superseded_instead_of_retried_after_the_newer_one(
    database: Database,
) -> None:
    parent = _sent_parent(database)
    first = _update(database, parent, "u1", "taken")
    (failed,) = _claim(database)
    second = _update(database, parent, "u2", "done")
    with database.unit_of_work() as session:
        outbox.mark_retry(session, failed, error="500 internal_error", retry_at=LATER)

    claims = _claim(database)

    assert [c.id for c in claims] == [second]
    assert (row(database, first).status, row(database, first).result) == (OutboxStatus.SENT, SUPERSEDED)


def test_an_older_update_left_sending_by_a_dead_process_is_superseded_when_its_lease_ends(
    database: Database,
) -> None:
    parent = _sent_parent(database)
    first = _update(database, parent, "u1", "taken")
    _claim(database, lease_seconds=30)
    second = _update(database, parent, "u2", "done")

    during = _claim(database, now=LATER + timedelta(seconds=29))
    (after,) = _claim(database, now=LATER + timedelta(seconds=30))

    assert (during, after.id, after.reconcile) == ([], second, False)
    assert row(database, first).result == SUPERSEDED


def test_updates_of_other_messages_and_other_methods_are_left_alone(database: Database) -> None:
    one = _sent_parent(database, "cta:1:alert")
    two = _sent_parent(database, "cta:2:alert")
    updates = [_update(database, one, "one", "one"), _update(database, two, "two", "two")]
    reply = _reply(database, one, "reply", "a reply in the first thread")

    claims = _claim(database)

    assert sorted(c.id for c in claims) == sorted([*updates, reply])


def test_a_failed_first_update_never_overwrites_the_final_state_of_the_message(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    """take, then snooze, then done, quickly; the call for "taken" fails once: Slack ends at "done"
    and the failed "taken" is never sent again."""
    deliverer = make_deliverer()
    parent = post(database, "cta:7:alert", text="open")
    drain(deliverer, database)
    standin.fail_next("chat.update", status=500)
    taken = _update(database, parent, "cta:7:update:1", "taken", due=None)
    deliverer.deliver_due()
    assert row(database, taken).status == OutboxStatus.PENDING
    _update(database, parent, "cta:7:update:2", "snoozed", due=None)
    _update(database, parent, "cta:7:update:3", "done", due=None)

    drain(deliverer, database)

    (message,) = standin.messages("C0CSSMB")
    assert message["text"] == "done"
    calls = [(c.params["text"], c.status) for c in standin.calls_to("chat.update")]
    assert calls == [("taken", 500), ("done", 200)]
    assert delivered(standin) == {parent: 1}
    assert statuses(database) == {OutboxStatus.SENT: 4}


def _reply(database: Database, parent: int, key: str, text: str, *, due: datetime | None = NOW) -> int:
    with database.unit_of_work() as session:
        return outbox.enqueue(
            session,
            method="chat.postMessage",
            payload={"text": text},
            dedupe_key=key,
            depends_on_id=parent,
            not_before=due,
        ).id


def test_a_reply_waits_until_the_older_replies_in_its_thread_are_finished(database: Database) -> None:
    parent = _sent_parent(database)
    first = _reply(database, parent, "r1", "taken")
    second = _reply(database, parent, "r2", "snoozed")
    third = _reply(database, parent, "r3", "done")

    (one,) = _claim(database)
    with database.unit_of_work() as session:
        outbox.mark_sent(session, one, result={"channel": "C0CSSMB", "ts": "2.0"}, now=LATER)
    (two,) = _claim(database)
    with database.unit_of_work() as session:
        outbox.mark_dead(session, two, error="msg_too_long")
    (three,) = _claim(database)

    assert [one.id, two.id, three.id] == [first, second, third]


def test_replies_keep_their_order_in_the_thread_when_the_first_one_fails(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    deliverer = make_deliverer()
    parent = post(database, "cta:7:alert", text="open")
    drain(deliverer, database)
    standin.fail_next("chat.postMessage", status=500)
    for n, text in enumerate(("taken", "snoozed", "done"), start=1):
        _reply(database, parent, f"cta:7:reply:{n}", text, due=None)

    drain(deliverer, database)

    (alert, *replies) = standin.messages("C0CSSMB")
    assert [r["text"] for r in replies] == ["taken", "snoozed", "done"]
    assert all(r["thread_ts"] == alert["ts"] for r in replies)
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [200, 500, 200, 200, 200]
