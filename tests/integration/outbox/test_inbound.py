"""Slack event retries (same ``event_id``, ``X-Slack-Retry-Num``) apply once: the ledger and the pattern."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import AuditLogEntry
from storage.repositories import inbound, outbox


class CrashError(Exception):
    """The process failing after the change and before the commit."""


def apply_reaction(database: Database, event_id: str, *, crash: bool = False) -> bool:
    """The pattern a listener follows: claim the event and make its change in one unit of work."""
    with database.unit_of_work() as session:
        if not inbound.claim_event(session, event_id, "reaction_added"):
            return False
        session.add(AuditLogEntry(actor="U0SATO", action="reacted", entity="cta", entity_id="7"))
        outbox.enqueue(
            session,
            method="chat.postMessage",
            payload={"channel": "C0CSSMB", "text": "🔥 ありがとう"},
            dedupe_key=f"thanks:{event_id}",
        )
        if crash:
            raise CrashError
    return True


def _effects(database: Database) -> tuple[int, int]:
    with database.unit_of_work() as session:
        audits = session.scalar(select(func.count()).select_from(AuditLogEntry)) or 0
        return audits, outbox.pending_count(session)


def test_the_first_claim_of_an_event_wins_and_a_retry_is_refused(database: Database) -> None:
    with database.unit_of_work() as session:
        first = inbound.claim_event(session, "Ev01ABC", "reaction_added")
    with database.unit_of_work() as session:
        again = inbound.claim_event(session, "Ev01ABC", "reaction_added")
        other = inbound.claim_event(session, "Ev02DEF", "reaction_added")

    assert (first, again, other) == (True, False, True)


def test_a_refused_claim_leaves_the_unit_of_work_usable(database: Database) -> None:
    with database.unit_of_work() as session:
        inbound.claim_event(session, "Ev01ABC", "reaction_added")
    with database.unit_of_work() as session:
        inbound.claim_event(session, "Ev01ABC", "reaction_added")
        session.add(AuditLogEntry(actor="system", action="noted", entity="cta", entity_id="1"))

    assert _effects(database) == (1, 0)


def test_a_retry_of_an_applied_event_changes_nothing(database: Database) -> None:
    applied = apply_reaction(database, "Ev01ABC")

    retried = apply_reaction(database, "Ev01ABC")

    assert (applied, retried) == (True, False)
    assert _effects(database) == (1, 1)


def test_a_crash_before_the_commit_lets_slacks_retry_apply_the_event(database: Database) -> None:
    with pytest.raises(CrashError):
        apply_reaction(database, "Ev01ABC", crash=True)
    assert _effects(database) == (0, 0)
    with database.unit_of_work() as session:
        assert not inbound.seen(session, "Ev01ABC")

    retried = apply_reaction(database, "Ev01ABC")

    assert retried is True
    assert _effects(database) == (1, 1)


def test_concurrent_deliveries_of_one_event_apply_it_once(database: Database) -> None:
    start = threading.Barrier(6)
    results: list[bool] = []
    lock = threading.Lock()

    def deliver() -> None:
        start.wait()
        applied = apply_reaction(database, "Ev01ABC")
        with lock:
            results.append(applied)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False] * 5 + [True]
    assert _effects(database) == (1, 1)
