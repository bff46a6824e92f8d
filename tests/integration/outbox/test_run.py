"""The continuous loop: woken by notify, finds rows enqueued elsewhere, hands unsent rows back on stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bot.outbox import Deliverer, DeliveryReport
from bot.sandbox import SlackStandIn
from storage.db import Database

from .conftest import MakeDeliverer, delivered, post, row


@contextmanager
def running(deliverer: Deliverer) -> Iterator[list[DeliveryReport]]:
    """Run the deliverer in a thread; on exit stop it and collect its report."""
    stop = threading.Event()
    reports: list[DeliveryReport] = []
    thread = threading.Thread(target=lambda: reports.append(deliverer.run(stop)))
    thread.start()
    try:
        yield reports
    finally:
        stop.set()
        deliverer.notify()
        thread.join(timeout=20)
        assert not thread.is_alive()


def test_notify_wakes_the_loop_at_once(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    deliverer = make_deliverer(poll_interval=30)
    with running(deliverer) as reports:
        time.sleep(0.3)  # the loop is asleep now, with nothing due
        started = time.monotonic()
        row_id = post(database, "cta:1:alert")
        deliverer.notify()
        arrived = standin.wait_until(lambda s: bool(s.messages("C0CSSMB")), timeout=5)
        latency = time.monotonic() - started

    assert arrived
    assert latency < 1.0
    assert delivered(standin) == {row_id: 1}
    assert reports[0].sent == 1


def test_rows_enqueued_by_another_process_are_found_by_polling(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    with running(make_deliverer(poll_interval=0.5)):
        time.sleep(0.2)
        row_id = post(database, "from-a-job")  # no notify: as if another process enqueued it
        arrived = standin.wait_until(lambda s: bool(s.messages("C0CSSMB")), timeout=5)

    assert arrived
    assert delivered(standin) == {row_id: 1}


def test_a_thread_reply_follows_its_parent_without_waiting_for_a_poll(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    parent = post(database, "parent", text="CTA")
    reply = post(database, "reply", channel=None, text="playbook", depends_on_id=parent)
    deliverer = make_deliverer(poll_interval=30)

    with running(deliverer):
        deliverer.notify()
        both = standin.wait_until(lambda s: len(s.messages("C0CSSMB")) == 2, timeout=5)

    assert both
    assert delivered(standin) == {parent: 1, reply: 1}


def test_stopping_hands_claimed_unsent_rows_back_to_pending(
    database: Database, standin: SlackStandIn, make_deliverer: MakeDeliverer
) -> None:
    ids = [post(database, f"alert-{i}") for i in range(3)]
    deliverer = make_deliverer(per_channel_interval=10.0, channel_batch=3)

    with running(deliverer) as reports:
        standin.wait_until(lambda s: len(s.messages("C0CSSMB")) == 1, timeout=5)
        time.sleep(0.2)

    assert [row(database, i).status for i in ids] == ["sent", "pending", "pending"]
    assert [row(database, i).attempts for i in ids] == [1, 0, 0]
    assert (reports[0].claimed, reports[0].sent, reports[0].released) == (3, 1, 2)
