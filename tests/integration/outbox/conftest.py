"""Fixtures for the outbox: a running stand-in, the deliverer's real WebClient on it, and helpers that
read what Slack received (by the outbox id each post carries in its metadata)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.outbox import Deliverer, build_delivery_client
from bot.outbox_methods import OUTBOX_EVENT_TYPE
from bot.sandbox import SlackStandIn
from storage.db import Database
from storage.enums import OutboxStatus
from storage.models import OutboxMessage
from storage.repositories import outbox

BOT_TOKEN = "xoxb-outbox-test-0000"
CHANNELS = ("C0CSSMB", "C0CSMM", "C0CSEP")

MakeDeliverer = Callable[..., Deliverer]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return build_delivery_client(BOT_TOKEN, standin.base_url)


@pytest.fixture
def make_deliverer(database: Database, client: WebClient) -> MakeDeliverer:
    """A deliverer tuned for tests: no pacing and short backoff unless a test asks otherwise."""

    def make(**options: Any) -> Deliverer:
        settings: dict[str, Any] = {
            "per_channel_interval": 0.0,
            "backoff_base": 0.05,
            "backoff_cap": 0.2,
            "reconcile_delay": 0.0,
            "seed": 1,
            "instance_id": "test",
        }
        settings.update(options)
        return Deliverer(database, settings.pop("client", client), **settings)

    return make


def post(
    database: Database,
    key: str,
    channel: str | None = "C0CSSMB",
    text: str = "焚き火",
    **options: Any,
) -> int:
    """Enqueue a ``chat.postMessage`` and return its row id."""
    payload: dict[str, Any] = {"text": text}
    if channel is not None:
        payload["channel"] = channel
    payload.update(options.pop("payload", {}))
    with database.unit_of_work() as session:
        return outbox.enqueue(
            session, method="chat.postMessage", payload=payload, dedupe_key=key, **options
        ).id


def row(database: Database, row_id: int) -> OutboxMessage:
    with database.unit_of_work() as session:
        found = outbox.get(session, row_id)
        assert found is not None
        return found


def statuses(database: Database) -> Counter[OutboxStatus]:
    with database.unit_of_work() as session:
        return Counter({s: n for s, n in outbox.status_counts(session).items() if n})


def delivered(standin: SlackStandIn, channels: Iterable[str] = CHANNELS) -> Counter[int]:
    """How many messages Slack *stores* per outbox id (dropped answers included: they were stored)."""
    seen: Counter[int] = Counter()
    for channel in channels:
        for message in standin.messages(channel):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == OUTBOX_EVENT_TYPE:
                seen[int(metadata["event_payload"]["outbox_id"])] += 1
    return seen


def drain(deliverer: Deliverer, database: Database, *, timeout: float = 30.0, batch: int = 100) -> None:
    """Run passes until no row is pending or sending (retries wait for their backoff)."""
    deadline = time.monotonic() + timeout
    while True:
        report = deliverer.deliver_due(batch)
        with database.unit_of_work() as session:
            if outbox.pending_count(session) == 0:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox not drained in {timeout} s: {statuses(database)}")
        if report.claimed == 0:
            time.sleep(0.02)
