"""Running jobs through the ledger, driven by an injected clock (``fire`` is what APScheduler calls).

Real databases (SQLite and PostgreSQL), real jobs that record their runs; no APScheduler threads here
(``test_apscheduler.py`` has those).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.calendar import ScheduleError
from bot.scheduler import UnknownJobError
from handlers.jobs.base import Job, JobContext, JobReport, Outcome, Period, RunTrigger
from storage.db import Database
from storage.enums import JobRunStatus
from storage.repositories import ledger
from tests.integration.scheduler.conftest import (
    Clock,
    Outcomes,
    Recorder,
    ledger_rows,
    make_scheduler,
    nudges,
    row_count,
    schedule_of,
    tokyo,
)

# --- catch-up and restarts ------------------------------------------------------------------------


def test_catch_up_after_downtime_runs_each_missed_period_once(database: Database, clock: Clock) -> None:
    """Down from Monday evening to Tuesday noon: today's pull (05:00) and nudges (09:30) run once each."""
    pull, scoring, nudge = Recorder(), Recorder(), Recorder()
    jobs = [Job("usage_pull", pull), Job("scoring", scoring), nudges(nudge)]
    scheduler = make_scheduler(database, jobs, clock)

    outcomes = scheduler.catch_up()

    assert [(o.job_id, o.trigger, o.outcome) for o in outcomes] == [
        ("usage_pull", RunTrigger.CATCH_UP, Outcome.SUCCEEDED),
        ("nudges", RunTrigger.CATCH_UP, Outcome.SUCCEEDED),
    ]
    assert pull.periods == ["2026-11-24"]
    assert [c.trigger for c in scoring.contexts] == [RunTrigger.CHAIN]  # after the pull, not on its own
    assert nudge.periods == ["2026-11-24"]
    assert pull.contexts[0].scheduled_at == tokyo(2026, 11, 24, 5, 0)

    assert scheduler.catch_up() == []
    clock.advance(timedelta(hours=3))
    assert make_scheduler(database, jobs, clock, instance_id="test-b").catch_up() == []
    assert (len(pull.contexts), len(scoring.contexts), len(nudge.contexts)) == (1, 1, 1)
    assert row_count(database) == 3


def test_many_missed_firings_run_once(database: Database, clock: Clock) -> None:
    """A job firing every 10 minutes, down from 09:00 to 12:05: only the 12:00 period runs."""
    recorder = Recorder()
    job = Job("cta_reminders", recorder, period=Period.FIRE_TIME)
    schedule = schedule_of(cta_reminders={"cron": "*/10 * * * *"})
    clock.set(tokyo(2026, 11, 24, 9, 0))
    scheduler = make_scheduler(database, [job], clock, schedule=schedule)
    scheduler.fire("cta_reminders")

    clock.set(tokyo(2026, 11, 24, 12, 5))
    scheduler.catch_up()
    scheduler.catch_up()

    assert recorder.periods == ["2026-11-24T09:00+09:00", "2026-11-24T12:00+09:00"]
    assert [r.period_key for r in ledger_rows(database, "cta_reminders")] == recorder.periods


def test_catch_up_leaves_a_past_period_alone(database: Database, clock: Clock) -> None:
    """At 04:00 today's 05:00 pull is still to come, and yesterday's missed pull is not run late."""
    recorder = Recorder()
    clock.set(tokyo(2026, 11, 24, 4, 0))
    assert make_scheduler(database, [Job("usage_pull", recorder)], clock).catch_up() == []
    assert recorder.contexts == []


def test_catch_up_skips_a_day_off(database: Database, clock: Clock) -> None:
    """Restarted on Saturday after missing Friday's nudges: nothing runs (a weekend, and a past day)."""
    recorder = Recorder()
    clock.set(tokyo(2026, 11, 28, 10, 0))
    assert make_scheduler(database, [nudges(recorder)], clock).catch_up() == []
    assert recorder.contexts == []


def test_a_restarted_instance_does_not_run_a_period_again(database: Database, clock: Clock) -> None:
    first, second = Recorder(), Recorder()
    clock.set(tokyo(2026, 11, 24, 9, 30))
    ran = make_scheduler(database, [nudges(first)], clock, instance_id="before").fire("nudges")
    assert ran is not None
    assert ran.outcome is Outcome.SUCCEEDED

    clock.set(tokyo(2026, 11, 24, 9, 45))
    restarted = make_scheduler(database, [nudges(second)], clock, instance_id="after")
    assert restarted.catch_up() == []
    again = restarted.fire("nudges")
    assert again is not None
    assert again.outcome is Outcome.TAKEN
    assert again.holder is not None
    assert again.holder.instance_id == "before"
    assert (len(first.contexts), len(second.contexts)) == (1, 0)
    assert len(ledger_rows(database, "nudges")) == 1


# --- business days --------------------------------------------------------------------------------


def test_nudges_skip_a_national_holiday_without_taking_the_day(database: Database, clock: Clock) -> None:
    recorder, outcomes = Recorder(), Outcomes()
    scheduler = make_scheduler(database, [nudges(recorder)], clock, on_outcome=outcomes)

    clock.set(tokyo(2026, 11, 23, 9, 30))  # 勤労感謝の日, a Monday
    holiday = scheduler.fire("nudges")
    clock.set(tokyo(2026, 11, 24, 9, 30))
    tuesday = scheduler.fire("nudges")

    assert holiday is not None
    assert tuesday is not None
    assert (holiday.outcome, tuesday.outcome) == (Outcome.DAY_OFF, Outcome.SUCCEEDED)
    assert recorder.periods == ["2026-11-24"]
    assert [r.period_key for r in ledger_rows(database, "nudges")] == ["2026-11-24"]
    assert [o.outcome for o in outcomes.items] == [Outcome.DAY_OFF, Outcome.SUCCEEDED]


def test_a_weekly_job_runs_on_the_first_business_day_of_the_week(database: Database, clock: Clock) -> None:
    """The digest fires Monday to Friday at 08:30 and runs once a week: Tuesday when Monday is a holiday."""
    recorder = Recorder()
    digest = Job("digest", recorder, period=Period.WEEKLY, business_days_only=True)
    scheduler = make_scheduler(database, [digest], clock)
    outcomes = []
    for day in (23, 24, 25, 26, 27, 30):
        clock.set(tokyo(2026, 11, day, 8, 30))
        fired = scheduler.fire("digest")
        assert fired is not None
        outcomes.append(fired.outcome)

    assert outcomes == [
        Outcome.DAY_OFF,
        Outcome.SUCCEEDED,
        Outcome.TAKEN,
        Outcome.TAKEN,
        Outcome.TAKEN,
        Outcome.SUCCEEDED,
    ]
    assert recorder.periods == ["2026-W48", "2026-W49"]
    assert [c.scheduled_at.date() for c in recorder.contexts] == [date(2026, 11, 24), date(2026, 11, 30)]


def test_a_job_gets_the_teams_business_calendar(database: Database, clock: Clock) -> None:
    seen: list[JobContext] = []

    def run(context: JobContext) -> JobReport:
        seen.append(context)
        return JobReport()

    make_scheduler(database, [Job("cta_reminders", run)], clock).run_job_now("cta_reminders")
    calendar = seen[0].calendar
    assert not calendar.is_business_day(date(2026, 11, 23))
    assert calendar.add_business_days(date(2026, 12, 28), 1) == date(2027, 1, 4)  # 年末年始
    assert seen[0].now_local() == tokyo(2026, 11, 24, 12, 0)


# --- failures -------------------------------------------------------------------------------------


def test_a_failing_job_records_failed_with_its_error(database: Database, clock: Clock) -> None:
    recorder = Recorder(fail=True)
    outcome = make_scheduler(database, [Job("usage_pull", recorder)], clock).fire("usage_pull")

    assert outcome is not None
    assert outcome.outcome is Outcome.FAILED
    [row] = ledger_rows(database, "usage_pull")
    assert row.status is JobRunStatus.FAILED
    assert row.finished_at is not None
    assert row.report is not None
    assert row.report["error"] == "RuntimeError: the warehouse did not answer"
    assert "Traceback" in row.report["traceback"]
    assert row.report["trigger"] == "schedule"


def test_a_failed_period_is_retried_by_the_next_attempt_at_it(database: Database, clock: Clock) -> None:
    recorder = Recorder(fail=True)
    scheduler = make_scheduler(database, [Job("usage_pull", recorder)], clock)
    scheduler.fire("usage_pull")
    recorder.fail = False

    assert scheduler.catch_up() == []  # a failure is not retried in a loop
    retried = scheduler.run_job_now("usage_pull")

    assert retried.outcome is Outcome.SUCCEEDED
    [row] = ledger_rows(database, "usage_pull")
    assert row.status is JobRunStatus.SUCCEEDED
    assert row.report is not None
    assert (row.report["attempt"], row.report["previous"]) == (2, "failed")


def test_the_scoring_fallback_retries_a_failed_chained_run(database: Database, clock: Clock) -> None:
    pull, scoring = Recorder(), Recorder(fail=True)
    scheduler = make_scheduler(database, [Job("usage_pull", pull), Job("scoring", scoring)], clock)
    clock.set(tokyo(2026, 11, 24, 5, 0))
    scheduler.fire("usage_pull")
    scoring.fail = False
    clock.set(tokyo(2026, 11, 24, 5, 30))
    fallback = scheduler.fire("scoring")

    assert fallback is not None
    assert fallback.outcome is Outcome.SUCCEEDED
    assert [c.trigger for c in scoring.contexts] == [RunTrigger.CHAIN, RunTrigger.SCHEDULE]


def test_the_scoring_fallback_does_not_run_after_a_good_chained_run(database: Database, clock: Clock) -> None:
    pull, scoring = Recorder(), Recorder()
    scheduler = make_scheduler(database, [Job("usage_pull", pull), Job("scoring", scoring)], clock)
    clock.set(tokyo(2026, 11, 24, 5, 0))
    scheduler.fire("usage_pull")
    clock.set(tokyo(2026, 11, 24, 5, 30))
    fallback = scheduler.fire("scoring")
    assert fallback is not None
    assert fallback.outcome is Outcome.TAKEN
    assert len(scoring.contexts) == 1


def test_the_scoring_fallback_waits_while_the_pull_is_running(database: Database, clock: Clock) -> None:
    scoring = Recorder()
    scheduler = make_scheduler(database, [Job("usage_pull", Recorder()), Job("scoring", scoring)], clock)
    with database.unit_of_work(immediate=True) as session:  # another instance is pulling since 05:00
        pulling = ledger.claim(session, "usage_pull", "2026-11-24", "other", clock() - timedelta(hours=7))
    assert pulling is not None

    clock.set(tokyo(2026, 11, 24, 5, 30))
    waiting = scheduler.fire("scoring")
    assert waiting is not None
    assert (waiting.outcome, waiting.report) == (Outcome.WAITING, {"waiting_for": "usage_pull"})
    assert ledger_rows(database, "scoring") == []

    with database.unit_of_work(immediate=True) as session:  # the pull fails: the fallback may score
        ledger.finish(session, pulling, JobRunStatus.FAILED, {"error": "timeout"}, now=clock())
    clock.set(tokyo(2026, 11, 24, 5, 40))
    [caught_up] = scheduler.catch_up()
    assert (caught_up.job_id, caught_up.outcome) == ("scoring", Outcome.SUCCEEDED)
    assert [c.trigger for c in scoring.contexts] == [RunTrigger.CATCH_UP]


def test_a_failed_pull_does_not_chain_scoring(database: Database, clock: Clock) -> None:
    pull, scoring = Recorder(fail=True), Recorder()
    make_scheduler(database, [Job("usage_pull", pull), Job("scoring", scoring)], clock).fire("usage_pull")
    assert scoring.contexts == []


def test_fire_and_catch_up_never_raise_even_when_the_ledger_is_gone(database: Database, clock: Clock) -> None:
    scheduler = make_scheduler(database, [Job("usage_pull", Recorder())], clock)
    with database.unit_of_work() as session:
        session.connection().exec_driver_sql("DROP TABLE job_runs")
    assert scheduler.fire("usage_pull") is None
    assert scheduler.catch_up() == []  # logged per job, never raised out of the sweep


def test_a_job_returning_something_else_than_a_report_fails(database: Database, clock: Clock) -> None:
    outcome = make_scheduler(database, [Job("usage_pull", lambda context: None)], clock).fire("usage_pull")  # type: ignore[arg-type,return-value]
    assert outcome is not None
    assert outcome.outcome is Outcome.FAILED
    assert outcome.report is not None
    assert "not a JobReport" in outcome.report["error"]


# --- manual runs ----------------------------------------------------------------------------------


def test_a_manual_run_takes_the_period_so_the_firing_skips_it(database: Database, clock: Clock) -> None:
    recorder = Recorder()
    scheduler = make_scheduler(database, [Job("usage_pull", recorder)], clock)
    clock.set(tokyo(2026, 11, 24, 4, 0))
    manual = scheduler.run_job_now("usage_pull")
    clock.set(tokyo(2026, 11, 24, 5, 0))
    scheduled = scheduler.fire("usage_pull")
    assert scheduled is not None
    assert (manual.outcome, scheduled.outcome) == (Outcome.SUCCEEDED, Outcome.TAKEN)
    assert manual.report is not None
    assert manual.report["trigger"] == "manual"


def test_force_runs_a_finished_period_again_under_its_own_key(database: Database, clock: Clock) -> None:
    recorder = Recorder()
    scheduler = make_scheduler(database, [Job("usage_pull", recorder)], clock)
    scheduler.run_job_now("usage_pull")
    assert scheduler.run_job_now("usage_pull").outcome is Outcome.TAKEN
    forced = scheduler.run_job_now("usage_pull", force=True)

    assert forced.outcome is Outcome.SUCCEEDED
    assert forced.report is not None
    assert forced.report["forced_for"] == "2026-11-24"
    rows = ledger_rows(database, "usage_pull")
    assert [r.period_key for r in rows] == ["2026-11-24", "force@20261124T030000.000000Z"]
    assert all(r.status is JobRunStatus.SUCCEEDED for r in rows)
    assert [c.forced for c in recorder.contexts] == [False, True]


def test_a_manual_run_ignores_the_business_day_rule(database: Database, clock: Clock) -> None:
    clock.set(tokyo(2026, 11, 23, 15, 0))
    outcome = make_scheduler(database, [nudges(Recorder())], clock).run_job_now("nudges")
    assert outcome.outcome is Outcome.SUCCEEDED


def test_running_an_unknown_job_is_an_error(database: Database, clock: Clock) -> None:
    with pytest.raises(UnknownJobError):
        make_scheduler(database, [], clock).run_job_now("usage_pull")


# --- stale runs, continuous jobs, configuration ---------------------------------------------------


def test_a_crashed_run_is_caught_up_after_its_stale_timeout(database: Database, clock: Clock) -> None:
    recorder = Recorder()
    job = Job("usage_pull", recorder, stale_after=timedelta(minutes=30))
    with database.unit_of_work(immediate=True) as session:  # an instance that died mid-run at 05:00
        ledger.claim(session, "usage_pull", "2026-11-24", "dead", clock() - timedelta(hours=7))
    clock.set(tokyo(2026, 11, 24, 5, 20))
    scheduler = make_scheduler(database, [job], clock)
    assert scheduler.catch_up() == []
    clock.set(tokyo(2026, 11, 24, 12, 0))
    [outcome] = scheduler.catch_up()
    assert outcome.outcome is Outcome.SUCCEEDED
    assert outcome.report is not None
    assert (outcome.report["attempt"], outcome.report["previous"]) == (2, "running")


def test_a_continuous_job_runs_at_every_firing_without_ledger_rows(database: Database, clock: Clock) -> None:
    recorder = Recorder()
    scheduler = make_scheduler(database, [Job("outbox", recorder, period=Period.CONTINUOUS)], clock)
    scheduler.fire("outbox")
    scheduler.fire("outbox")
    assert len(recorder.contexts) == 2
    assert scheduler.catch_up() == []
    assert row_count(database) == 0


def test_a_disabled_job_is_neither_scheduled_nor_caught_up_nor_chained(
    database: Database, clock: Clock
) -> None:
    pull, scoring = Recorder(), Recorder()
    schedule = schedule_of(scoring={"enabled": False})
    scheduler = make_scheduler(
        database, [Job("usage_pull", pull), Job("scoring", scoring)], clock, schedule=schedule
    )
    assert scheduler.scheduled_ids() == ("usage_pull",)
    assert scheduler.apscheduler.get_job("scoring") is None
    assert scheduler.apscheduler.get_job("usage_pull") is not None
    scheduler.catch_up()
    assert (len(pull.contexts), len(scoring.contexts)) == (1, 0)
    assert scheduler.run_job_now("scoring").outcome is Outcome.SUCCEEDED  # by hand it still runs


@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        ([Job("renewals", Recorder())], "no entry under schedule.jobs"),
        ([Job("usage_pull", Recorder()), Job("usage_pull", Recorder())], "two jobs"),
        ([Job("outbox", Recorder())], "continuous"),
        ([Job("usage_pull", Recorder(), period=Period.CONTINUOUS)], "continuous"),
    ],
)
def test_inconsistent_jobs_are_refused_at_build(
    database: Database, clock: Clock, jobs: list[Job], message: str
) -> None:
    with pytest.raises(ScheduleError, match=message):
        make_scheduler(database, jobs, clock)


def test_the_schedule_time_zone_drives_the_periods(database: Database, clock: Clock) -> None:
    """In Paris, 12:00 Tokyo on Tuesday is 04:00 Tuesday: the 05:00 pull has not fired yet."""
    recorder = Recorder()
    schedule = schedule_of().model_copy(update={"timezone": "Europe/Paris"})
    scheduler = make_scheduler(database, [Job("usage_pull", recorder)], clock, schedule=schedule)
    assert scheduler.catch_up() == []
    clock.advance(timedelta(hours=1, minutes=1))
    [outcome] = scheduler.catch_up()
    assert outcome.period_key == "2026-11-24"
    assert outcome.scheduled_at.isoformat() == "2026-11-24T05:00:00+01:00"
