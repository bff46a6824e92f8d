"""End to end: a signed Slack event and its retry (same ``event_id``, ``X-Slack-Retry-Num``) reach a real
Bolt app over HTTP; the listener applies the event once and answers through the outbox, and the running
deliverer posts that answer to the stand-in exactly once.

The listener here is a stand-in for takibi's own: it shows the wiring every event listener follows.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.outbox import Deliverer, DeliveryThread, build_delivery_client
from bot.runner import HttpServer, wsgi_app
from bot.sandbox import SlackDriver, SlackStandIn
from storage.db import Database
from storage.models import AuditLogEntry
from storage.repositories import inbound, outbox

BOT_TOKEN = "xoxb-1111-2222-outboxe2e"


def build_app(database: Database, deliverer: Deliverer, standin: SlackStandIn, signing_secret: str) -> App:
    app = App(client=WebClient(token=BOT_TOKEN, base_url=standin.base_url), signing_secret=signing_secret)

    @app.event("reaction_added")
    def thank_for_the_fire(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Claim the event and record its effect in one unit of work; the answer goes via the outbox."""
        with database.unit_of_work() as session:
            if not inbound.claim_event(session, body["event_id"], "reaction_added"):
                return
            session.add(
                AuditLogEntry(
                    actor=event["user"], action="reacted", entity="message", entity_id=event["item"]["ts"]
                )
            )
            outbox.enqueue(
                session,
                method="chat.postMessage",
                payload={
                    "channel": event["item"]["channel"],
                    "thread_ts": event["item"]["ts"],
                    "text": "🔥 ありがとう",
                },
                dedupe_key=f"thanks:{body['event_id']}",
            )
        deliverer.notify()

    return app


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def deliverer(database: Database, standin: SlackStandIn) -> Iterator[Deliverer]:
    """The deliverer as the app runs it: started with the app, stopped (and drained) at shutdown."""
    running = Deliverer(database, build_delivery_client(BOT_TOKEN, standin.base_url), per_channel_interval=0)
    delivery = DeliveryThread(running)
    delivery.start()
    yield running
    delivery.stop()


@pytest.fixture
def slack(database: Database, deliverer: Deliverer, standin: SlackStandIn) -> Iterator[SlackDriver]:
    signing_secret = secrets.token_hex(16)
    server = HttpServer(
        wsgi_app(build_app(database, deliverer, standin, signing_secret), lambda: True), port=0
    )
    thread = server.serve_in_background()
    try:
        with SlackDriver(f"{server.url}/slack/events", signing_secret, standin) as driver:
            yield driver
    finally:
        server.close()
        thread.join(timeout=5)


def test_an_event_slack_retries_is_applied_and_answered_once(
    database: Database, standin: SlackStandIn, slack: SlackDriver
) -> None:
    ts = standin.post_as_user("C0CSSMB", "U0SATO", "定例で PO と話せました")
    event = slack.reaction_added(
        user="U0SUZUKI", reaction="fire", channel="C0CSSMB", ts=ts, item_user="U0SATO"
    )
    event_id = slack.new_event_id()

    first = slack.event(event, event_id=event_id)
    answered = standin.wait_until(lambda s: len(s.thread("C0CSSMB", ts)) == 2, timeout=10)
    retries = [
        slack.event(event, event_id=event_id, retry_num=n, retry_reason="http_timeout") for n in (1, 2)
    ]
    standin.wait_until(lambda s: len(s.thread("C0CSSMB", ts)) > 2, timeout=1.5)

    assert first.status == 200
    assert [r.status for r in retries] == [200, 200]
    assert answered
    assert [m["text"] for m in standin.thread("C0CSSMB", ts)] == ["定例で PO と話せました", "🔥 ありがとう"]
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(AuditLogEntry)) == 1
        assert outbox.result_for(session, f"thanks:{event_id}") is not None
