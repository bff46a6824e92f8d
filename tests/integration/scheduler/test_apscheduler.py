"""The scheduler under real APScheduler threads, with time moved by time-machine (it patches the clock of
every thread, APScheduler's included; waits still take real, short, time).

Two ``BackgroundScheduler``s on one database stand for two app instances: each has its own engine and
connection pool, as two processes would. The ledger, not luck, decides who runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from apscheduler.events import EVENT_JOB_EXECUTED

from bot.scheduler import CATCH_UP_JOB_ID, JobScheduler, build_scheduler
from handlers.jobs.base import Job, Outcome, Period, RunTrigger
from scoring.config_schedule import ScheduleConfig
from storage.db import Database
from storage.enums import JobRunStatus
from tests.integration.scheduler.conftest import (
    Outcomes,
    Recorder,
    ledger_rows,
    nudges,
    schedule_of,
    tokyo,
    wait_for,
)


@contextmanager
def running(scheduler: JobScheduler, *, catch_up: bool = False) -> Iterator[JobScheduler]:
    scheduler.start(catch_up=catch_up)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=True)


@contextmanager
def another_instance(database: Database) -> Iterator[Database]:
    """The same database through a second engine: what a second app instance has."""
    other = Database(database.url)
    try:
        yield other
    finally:
        other.dispose()


def sweeps_done(scheduler: JobScheduler) -> threading.Event:
    """Set when the catch-up sweep has run once."""
    done = threading.Event()

    def listen(event: Any) -> None:
        if event.job_id == CATCH_UP_JOB_ID:
            done.set()

    scheduler.apscheduler.add_listener(listen, EVENT_JOB_EXECUTED)
    return done


def test_two_instances_firing_the_same_job_at_the_same_time_run_it_once(database: Database) -> None:
    recorder, outcomes = Recorder(delay=0.3), Outcomes()
    with (
        another_instance(database) as other,
        time_machine.travel(tokyo(2026, 11, 24, 9, 29, second=59), tick=True),
    ):
        first = build_scheduler(
            [nudges(recorder)], ScheduleConfig(), database, instance_id="a", on_outcome=outcomes
        )
        second = build_scheduler(
            [nudges(recorder)], ScheduleConfig(), other, instance_id="b", on_outcome=outcomes
        )
        with running(first), running(second):
            wait_for(lambda: len(outcomes.of("nudges")) == 2, timeout=20)

    assert sorted(o.outcome for o in outcomes.items) == [Outcome.SUCCEEDED, Outcome.TAKEN]
    assert {o.scheduled_at for o in outcomes.items} == {tokyo(2026, 11, 24, 9, 30)}
    assert len(recorder.contexts) == 1
    [row] = ledger_rows(database, "nudges")
    assert (row.period_key, row.status) == ("2026-11-24", JobRunStatus.SUCCEEDED)


def test_a_restarted_instance_does_not_run_the_period_again(database: Database) -> None:
    recorder, outcomes = Recorder(), Outcomes()
    with time_machine.travel(tokyo(2026, 11, 24, 9, 29, second=59), tick=True) as traveller:
        before = build_scheduler(
            [nudges(recorder)], ScheduleConfig(), database, instance_id="a", on_outcome=outcomes
        )
        with running(before):
            wait_for(lambda: len(outcomes.items) == 1)

        traveller.move_to(tokyo(2026, 11, 24, 9, 45))
        with another_instance(database) as other:
            after = build_scheduler(
                [nudges(recorder)], ScheduleConfig(), other, instance_id="b", on_outcome=outcomes
            )
            swept = sweeps_done(after)
            with running(after, catch_up=True):
                assert swept.wait(timeout=20)

    assert len(recorder.contexts) == 1
    assert [o.outcome for o in outcomes.items] == [Outcome.SUCCEEDED]
    assert len(ledger_rows(database, "nudges")) == 1


def test_after_downtime_the_missed_period_runs_once_on_start(database: Database) -> None:
    """Down over the 05:00 pull; started at noon by two instances: one pull, then one scoring.

    Scoring runs after the pull has finished: chained by the instance that pulled, or caught up by the
    other one once the pull's row is final; never while the pull is still running.
    """
    pull, scoring = Recorder(delay=0.2), Recorder()
    jobs = [Job("usage_pull", pull), Job("scoring", scoring)]
    with (
        another_instance(database) as other,
        time_machine.travel(tokyo(2026, 11, 24, 12, 0), tick=True),
    ):
        first = build_scheduler(jobs, ScheduleConfig(), database, instance_id="a")
        second = build_scheduler(jobs, ScheduleConfig(), other, instance_id="b")
        first_swept, second_swept = sweeps_done(first), sweeps_done(second)
        with running(first, catch_up=True), running(second, catch_up=True):
            assert first_swept.wait(timeout=20)
            assert second_swept.wait(timeout=20)

    assert [(c.period_key, c.trigger) for c in pull.contexts] == [("2026-11-24", RunTrigger.CATCH_UP)]
    assert [c.period_key for c in scoring.contexts] == ["2026-11-24"]
    assert scoring.contexts[0].trigger in {RunTrigger.CHAIN, RunTrigger.CATCH_UP}
    assert scoring.spans[0][0] >= pull.spans[0][1]
    assert len(ledger_rows(database, "usage_pull")) == 1


def test_a_failing_job_is_recorded_and_the_scheduler_keeps_firing(database: Database) -> None:
    broken, healthy, outcomes = Recorder(fail=True), Recorder(), Outcomes()
    every_minute = {"cron": "* * * * *"}
    schedule = schedule_of(cta_reminders=every_minute, digest=every_minute)
    jobs = [
        Job("cta_reminders", broken, period=Period.FIRE_TIME),
        Job("digest", healthy, period=Period.FIRE_TIME),
    ]
    with time_machine.travel(tokyo(2026, 11, 24, 9, 59, second=59), tick=True) as traveller:
        scheduler = build_scheduler(jobs, schedule, database, instance_id="a", on_outcome=outcomes)
        with running(scheduler):
            wait_for(lambda: len(outcomes.items) == 2, timeout=20)
            traveller.move_to(tokyo(2026, 11, 24, 10, 0, second=59))
            scheduler.apscheduler.wakeup()
            wait_for(lambda: len(outcomes.items) == 4, timeout=20)
            assert scheduler.running

    assert [o.outcome for o in outcomes.of("cta_reminders")] == [Outcome.FAILED, Outcome.FAILED]
    assert [o.outcome for o in outcomes.of("digest")] == [Outcome.SUCCEEDED, Outcome.SUCCEEDED]
    rows = ledger_rows(database, "cta_reminders")
    assert [(r.period_key, r.status) for r in rows] == [
        ("2026-11-24T10:00+09:00", JobRunStatus.FAILED),
        ("2026-11-24T10:01+09:00", JobRunStatus.FAILED),
    ]
    assert all(r.report and r.report["error"] == "RuntimeError: the warehouse did not answer" for r in rows)
