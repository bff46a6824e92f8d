"""The once-per-period ledger on SQLite and PostgreSQL: one claim wins, failed and stale rows are retried,
a run that lost its row cannot overwrite the newer outcome."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from storage.db import Database
from storage.enums import JobRunStatus
from storage.repositories import ledger

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def claim(database: Database, instance: str = "a", now: datetime = NOW, **kwargs: Any) -> ledger.Claim | None:
    with database.unit_of_work(immediate=True) as session:
        return ledger.claim(session, "usage_pull", "2026-11-24", instance, now, **kwargs)


def finish(database: Database, taken: ledger.Claim, status: JobRunStatus, now: datetime = NOW) -> bool:
    with database.unit_of_work(immediate=True) as session:
        return ledger.finish(session, taken, status, {"error": "boom"} if status == "failed" else {}, now=now)


def test_the_first_claim_creates_a_running_row(database: Database) -> None:
    taken = claim(database)
    assert taken is not None
    assert (taken.attempt, taken.previous) == (1, None)
    with database.unit_of_work() as session:
        row = ledger.get(session, "usage_pull", "2026-11-24")
    assert row is not None
    assert (row.status, row.instance_id, row.started_at, row.finished_at) == (
        JobRunStatus.RUNNING,
        "a",
        NOW,
        None,
    )


def test_a_second_claim_of_the_period_loses_and_the_session_stays_usable(database: Database) -> None:
    assert claim(database, "a") is not None
    with database.unit_of_work(immediate=True) as session:
        assert ledger.claim(session, "usage_pull", "2026-11-24", "b", NOW) is None
        # No IntegrityError poisoned the transaction: it can go on and commit.
        assert ledger.claim(session, "usage_pull", "2026-11-25", "b", NOW) is not None
        assert session.execute(text("SELECT 1")).scalar_one() == 1
    with database.unit_of_work() as session:
        assert ledger.last_run(session, "usage_pull") is not None


def test_a_succeeded_period_is_never_claimed_again(database: Database) -> None:
    taken = claim(database)
    assert taken is not None
    assert finish(database, taken, JobRunStatus.SUCCEEDED)
    assert claim(database, "b", NOW + timedelta(days=3)) is None


def test_a_failed_period_is_claimed_again_as_the_next_attempt(database: Database) -> None:
    first = claim(database)
    assert first is not None
    assert finish(database, first, JobRunStatus.FAILED)
    assert claim(database, "b", retry_failed=False) is None

    second = claim(database, "b", NOW + timedelta(minutes=30))
    assert second is not None
    assert (second.run_id, second.attempt, second.previous) == (first.run_id, 2, JobRunStatus.FAILED)
    with database.unit_of_work() as session:
        row = ledger.get(session, "usage_pull", "2026-11-24")
    assert row is not None
    assert row.status is JobRunStatus.RUNNING
    assert row.report == {"attempt": 2, "previous": {"status": "failed", "instance_id": "a", "error": "boom"}}


def test_a_running_row_is_taken_over_only_once_stale(database: Database) -> None:
    crashed = claim(database, "a")
    assert crashed is not None
    assert claim(database, "b", NOW + timedelta(minutes=90)) is None
    later = NOW + timedelta(hours=2, seconds=1)
    taken = claim(database, "b", later)
    assert taken is not None
    assert (taken.attempt, taken.previous) == (2, JobRunStatus.RUNNING)
    # The first run finishing late is fenced out; the newer run's outcome stands.
    assert not finish(database, crashed, JobRunStatus.SUCCEEDED, later)
    assert finish(database, taken, JobRunStatus.SUCCEEDED, later)
    with database.unit_of_work() as session:
        row = ledger.get(session, "usage_pull", "2026-11-24")
    assert row is not None
    assert (row.status, row.instance_id) == (JobRunStatus.SUCCEEDED, "b")


def test_the_stale_timeout_is_per_call(database: Database) -> None:
    assert claim(database, "a") is not None
    assert claim(database, "b", NOW + timedelta(minutes=6), stale_after=timedelta(minutes=5)) is not None


def test_last_run_is_the_latest_started(database: Database) -> None:
    with database.unit_of_work(immediate=True) as session:
        ledger.claim(session, "digest", "2026-W47", "a", NOW - timedelta(days=7))
        ledger.claim(session, "digest", "2026-W48", "a", NOW)
        ledger.claim(session, "nudges", "2026-11-25", "a", NOW + timedelta(days=1))
    with database.unit_of_work() as session:
        last = ledger.last_run(session, "digest")
        assert ledger.last_run(session, "cta_reminders") is None
    assert last is not None
    assert last.period_key == "2026-W48"


def test_finish_refuses_running_as_an_outcome(database: Database) -> None:
    taken = claim(database)
    assert taken is not None
    with database.unit_of_work() as session:
        try:
            ledger.finish(session, taken, JobRunStatus.RUNNING, {}, now=NOW)
        except ValueError:
            pass
        else:
            raise AssertionError("finish accepted running")


def test_threads_racing_for_one_period_give_one_winner(database: Database) -> None:
    start = threading.Barrier(8)
    won: list[str] = []

    def race(name: str) -> None:
        start.wait()
        if claim(database, name) is not None:
            won.append(name)

    threads = [threading.Thread(target=race, args=(f"t{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_threads_racing_to_retry_a_failed_period_give_one_winner(database: Database) -> None:
    first = claim(database)
    assert first is not None
    assert finish(database, first, JobRunStatus.FAILED)
    start = threading.Barrier(6)
    won: list[str] = []

    def race(name: str) -> None:
        start.wait()
        if claim(database, name, NOW + timedelta(minutes=1)) is not None:
            won.append(name)

    threads = [threading.Thread(target=race, args=(f"t{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def _claim_in_a_process(url: str, name: str, start: Any, results: Any) -> None:
    database = Database(url)
    try:
        start.wait()
        results.put((name, claim(database, name) is not None))
    finally:
        database.dispose()


def test_processes_racing_for_one_period_give_one_winner(database: Database) -> None:
    """Separate processes, separate connections: what two app instances on one database do."""
    context = multiprocessing.get_context("spawn")
    count = 3
    start = context.Barrier(count)
    results = context.Queue()
    processes = [
        context.Process(target=_claim_in_a_process, args=(database.url, f"p{i}", start, results))
        for i in range(count)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert sorted(won for _, won in outcomes) == [False] * (count - 1) + [True]
    with database.unit_of_work() as session:
        row = ledger.get(session, "usage_pull", "2026-11-24")
    assert row is not None
    assert row.instance_id == next(name for name, won in outcomes if won)
