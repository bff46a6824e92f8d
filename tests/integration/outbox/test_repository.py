"""The outbox queue on a real database: idempotent enqueue, leases, parents, fencing, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import Database
from storage.enums import OutboxStatus
from storage.migrate import upgrade
from storage.repositories import outbox
from storage.repositories.outbox import Claim

from .conftest import post, row

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def _claim(database: Database, now: datetime = LATER, **options: object) -> list[Claim]:
    settings: dict[str, object] = {"limit": 100, "lease_seconds": 60, "instance_id": "test"}
    settings.update(options)
    with database.unit_of_work(immediate=True) as session:
        return outbox.claim_due(session, now=now, **settings)  # type: ignore[arg-type]


def test_enqueue_twice_with_one_key_returns_the_first_row_unchanged(database: Database) -> None:
    first = post(database, "cta:1:alert", text="first")

    second = post(database, "cta:1:alert", text="second", channel="C0CSMM")

    stored = row(database, first)
    assert second == first
    assert (stored.payload["text"], stored.channel_id, stored.status) == ("first", "C0CSSMB", "pending")


def test_enqueue_in_a_rolled_back_unit_of_work_leaves_nothing(database: Database) -> None:
    class AbortError(Exception):
        pass

    def enqueue_then_fail() -> None:
        with database.unit_of_work() as session:
            outbox.enqueue(session, method="chat.postMessage", payload={"channel": "C1"}, dedupe_key="k")
            raise AbortError

    with pytest.raises(AbortError):
        enqueue_then_fail()

    with database.unit_of_work() as session:
        assert outbox.pending_count(session) == 0


def test_a_dependent_row_takes_its_parents_channel(database: Database) -> None:
    parent = post(database, "parent")

    child = post(database, "child", channel=None, depends_on_id=parent)

    assert row(database, child).channel_id == "C0CSSMB"


def test_a_row_is_not_due_before_not_before(database: Database) -> None:
    post(database, "later", not_before=LATER)

    assert _claim(database, now=LATER - timedelta(seconds=1)) == []
    assert [c.dedupe_key for c in _claim(database, now=LATER)] == ["later"]


def test_claim_marks_rows_sending_with_a_lease_and_counts_the_attempt(database: Database) -> None:
    row_id = post(database, "a", not_before=NOW)

    (claim,) = _claim(database, lease_seconds=30)

    stored = row(database, row_id)
    assert (claim.attempts, claim.reconcile, claim.lease_until) == (1, False, LATER + timedelta(seconds=30))
    assert (stored.status, stored.attempts, stored.lease_until) == ("sending", 1, claim.lease_until)


def test_a_leased_row_is_claimable_again_only_after_the_lease_and_then_for_reconciliation(
    database: Database,
) -> None:
    post(database, "a", not_before=NOW)
    (first,) = _claim(database, lease_seconds=30)

    during = _claim(database, now=LATER + timedelta(seconds=29))
    (again,) = _claim(database, now=LATER + timedelta(seconds=30))

    assert during == []
    assert (again.id, again.reconcile, again.attempts) == (first.id, True, 2)


def test_a_child_waits_until_its_parent_is_sent(database: Database) -> None:
    parent = post(database, "parent", not_before=NOW)
    post(database, "child", channel=None, depends_on_id=parent, not_before=NOW)

    (parent_claim,) = _claim(database)
    assert _claim(database) == []
    with database.unit_of_work() as session:
        outbox.mark_sent(session, parent_claim, result={"channel": "C0CSSMB", "ts": "1.000100"}, now=LATER)
    (child_claim,) = _claim(database)

    assert child_claim.dedupe_key == "child"
    assert child_claim.parent_result == {"channel": "C0CSSMB", "ts": "1.000100"}


def test_children_of_a_dead_row_go_dead_with_a_reason(database: Database) -> None:
    parent = post(database, "parent", not_before=NOW)
    child = post(database, "child", channel=None, depends_on_id=parent, not_before=NOW)
    (parent_claim,) = _claim(database)
    with database.unit_of_work() as session:
        outbox.mark_dead(session, parent_claim, error="channel_not_found")

    assert _claim(database) == []

    stored = row(database, child)
    assert (stored.status, stored.last_error) == ("dead", f"parent_dead: outbox row {parent} is dead")


def test_claim_takes_at_most_per_channel_rows_of_each_key_and_any_number_without_one(
    database: Database,
) -> None:
    for index in range(5):
        post(database, f"smb-{index}", channel="C0CSSMB", not_before=NOW)
        post(database, f"mm-{index}", channel="C0CSMM", not_before=NOW)
    with database.unit_of_work() as session:
        for key in ("home-1", "home-2"):
            outbox.enqueue(
                session,
                method="views.publish",
                payload={"user_id": "U0SATO"},
                dedupe_key=key,
                not_before=NOW,
            )
        for key in ("chart-1", "chart-2", "chart-3"):
            outbox.enqueue(session, method="files.uploadV2", payload={}, dedupe_key=key, not_before=NOW)

    claims = _claim(database, per_channel=2)

    assert sorted(c.dedupe_key for c in claims) == [
        "chart-1",
        "chart-2",
        "chart-3",
        "home-1",
        "home-2",
        "mm-0",
        "mm-1",
        "smb-0",
        "smb-1",
    ]
    assert {c.channel_id for c in claims if c.dedupe_key.startswith("home")} == {"U0SATO"}


def test_claim_skips_excluded_channels(database: Database) -> None:
    post(database, "smb", channel="C0CSSMB", not_before=NOW)
    post(database, "mm", channel="C0CSMM", not_before=NOW)

    claims = _claim(database, exclude_channels={"C0CSSMB"})

    assert [c.dedupe_key for c in claims] == ["mm"]


def test_claim_takes_the_oldest_due_rows_first_up_to_the_limit(database: Database) -> None:
    post(database, "newer", not_before=NOW)
    post(database, "older", not_before=NOW - timedelta(minutes=5))
    post(database, "newest", not_before=NOW + timedelta(minutes=5))

    claims = _claim(database, limit=2)

    assert [c.dedupe_key for c in claims] == ["older", "newer"]


def test_a_stale_claim_cannot_overwrite_the_outcome_of_a_newer_one(database: Database) -> None:
    row_id = post(database, "a", not_before=NOW)
    (stale,) = _claim(database, lease_seconds=10)
    (fresh,) = _claim(database, now=LATER + timedelta(seconds=10), lease_seconds=10)
    with database.unit_of_work() as session:
        assert outbox.mark_sent(session, fresh, result={"channel": "C1", "ts": "2.0"}, now=LATER)

    with database.unit_of_work() as session:
        overwritten = outbox.mark_dead(session, stale, error="too late")

    assert overwritten is False
    assert (row(database, row_id).status, row(database, row_id).result) == (
        "sent",
        {"channel": "C1", "ts": "2.0"},
    )


def test_mark_retry_reschedules_and_a_rate_limit_gives_the_attempt_back(database: Database) -> None:
    row_id = post(database, "a", not_before=NOW)
    (claim,) = _claim(database)

    with database.unit_of_work() as session:
        outbox.mark_retry(session, claim, error="429 ratelimited", retry_at=LATER, count_attempt=False)

    stored = row(database, row_id)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("pending", 0, LATER)
    assert (stored.last_error, stored.lease_until) == ("429 ratelimited", None)


def test_an_unknown_outcome_stays_sending_until_retry_at_then_is_reconciled(database: Database) -> None:
    row_id = post(database, "a", not_before=NOW)
    (claim,) = _claim(database)
    retry_at = LATER + timedelta(seconds=5)
    with database.unit_of_work() as session:
        outbox.mark_retry(session, claim, error="TimeoutError", retry_at=retry_at, unknown_outcome=True)

    before = _claim(database, now=retry_at - timedelta(seconds=1))
    (after,) = _claim(database, now=retry_at)

    assert row(database, row_id).last_error == "TimeoutError"
    assert before == []
    assert (after.reconcile, after.attempts) == (True, 2)


def test_hold_channel_delays_every_pending_row_of_that_channel_only(database: Database) -> None:
    smb = post(database, "smb", channel="C0CSSMB", not_before=NOW)
    mm = post(database, "mm", channel="C0CSMM", not_before=NOW)

    with database.unit_of_work() as session:
        held = outbox.hold_channel(session, "C0CSSMB", LATER)

    assert held == 1
    assert (row(database, smb).next_attempt_at, row(database, mm).next_attempt_at) == (LATER, NOW)


def test_result_for_answers_only_once_the_row_is_sent(database: Database) -> None:
    post(database, "cta:7:alert", not_before=NOW)
    with database.unit_of_work() as session:
        before = outbox.result_for(session, "cta:7:alert")
    (claim,) = _claim(database)
    with database.unit_of_work() as session:
        outbox.mark_sent(session, claim, result={"channel": "C0CSSMB", "ts": "1.5"}, now=LATER)
        after = outbox.result_for(session, "cta:7:alert")

    assert (before, after) == (None, {"channel": "C0CSSMB", "ts": "1.5"})


def test_monitoring_counts_and_lists_dead_rows(database: Database) -> None:
    post(database, "ok", not_before=NOW)
    post(database, "bad", not_before=NOW)
    post(database, "waiting", not_before=LATER + timedelta(days=1))
    claims = {c.dedupe_key: c for c in _claim(database)}
    with database.unit_of_work() as session:
        outbox.mark_sent(session, claims["ok"], result={}, now=LATER)
        outbox.mark_dead(session, claims["bad"], error="channel_not_found")

    with database.unit_of_work() as session:
        pending = outbox.pending_count(session)
        counts = outbox.status_counts(session)
        dead = [(r.dedupe_key, r.last_error) for r in outbox.dead_rows(session)]
        due = outbox.next_due_at(session)

    assert pending == 1
    assert (counts[OutboxStatus.SENT], counts[OutboxStatus.DEAD], counts[OutboxStatus.PENDING]) == (1, 1, 1)
    assert dead == [("bad", "channel_not_found")]
    assert due == LATER + timedelta(days=1)


def test_a_revived_dead_row_is_due_again_with_fresh_attempts(database: Database) -> None:
    row_id = post(database, "bad", not_before=NOW)
    (claim,) = _claim(database)
    with database.unit_of_work() as session:
        outbox.mark_dead(session, claim, error="not_in_channel")

    with database.unit_of_work() as session:
        assert outbox.revive(session, row_id, now=LATER)
    (again,) = _claim(database)

    assert (again.id, again.attempts, again.reconcile) == (row_id, 1, False)


def test_two_claimers_on_one_database_never_claim_the_same_row(database: Database) -> None:
    with database.unit_of_work() as session:
        for index in range(200):
            outbox.enqueue(
                session,
                method="chat.postMessage",
                payload={"channel": f"C{index % 20:03d}", "text": "x"},
                dedupe_key=f"row-{index}",
                not_before=NOW,
            )
    other = Database(database.url)
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def claim_all(name: str, db: Database) -> None:
        start.wait()
        while True:
            with db.unit_of_work(immediate=True) as session:
                batch = outbox.claim_due(session, now=LATER, limit=7, lease_seconds=60, instance_id=name)
            if not batch:
                return
            claimed[name].extend(c.id for c in batch)

    threads = [threading.Thread(target=claim_all, args=(n, db)) for n, db in (("a", database), ("b", other))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        other.dispose()

    everything = claimed["a"] + claimed["b"]
    assert len(everything) == len(set(everything)) == 200


@pytest.mark.postgres
def test_on_postgresql_two_claimers_share_the_rows_without_waiting(postgres_url: str) -> None:
    """SKIP LOCKED: a claimer skips the rows another holds instead of queueing behind it."""
    upgrade(postgres_url)
    first, second = Database(postgres_url), Database(postgres_url)
    try:
        with first.unit_of_work() as session:
            for index in range(10):
                outbox.enqueue(
                    session,
                    method="chat.postMessage",
                    payload={"channel": "C1", "text": "x"},
                    dedupe_key=f"row-{index}",
                    not_before=NOW,
                )
        with first.unit_of_work() as holding:
            held = outbox.claim_due(holding, now=LATER, limit=4, lease_seconds=60, instance_id="a")
            with second.unit_of_work() as session:
                other = outbox.claim_due(session, now=LATER, limit=100, lease_seconds=60, instance_id="b")
    finally:
        first.dispose()
        second.dispose()

    assert len(held) == 4
    assert len(other) == 6
    assert not {c.id for c in held} & {c.id for c in other}
