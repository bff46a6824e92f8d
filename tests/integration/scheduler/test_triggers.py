"""Every default schedule fires when expected, computed from the real APScheduler triggers at a fixed now."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.scheduler import CATCH_UP_JOB_ID, DEFAULT_MISFIRE_GRACE, fire_times, trigger_for
from handlers.jobs.base import Job, Period
from scoring.config_schedule import ScheduleConfig
from storage.db import Database
from tests.integration.scheduler.conftest import TOKYO, Clock, Recorder, make_scheduler, nudges, tokyo

DEFAULT = ScheduleConfig()
SATURDAY = tokyo(2026, 11, 21, 0, 0)  # Monday 11/23 is 勤労感謝の日


def first_fires(job_id: str, count: int, start: datetime = SATURDAY) -> list[datetime]:
    entry = DEFAULT.jobs.get(job_id)
    assert entry is not None
    fires = fire_times(trigger_for(entry, TOKYO), start, start + timedelta(days=30))
    return [fired for _, fired in zip(range(count), fires, strict=False)]


def test_usage_pull_fires_every_day_at_five() -> None:
    assert first_fires("usage_pull", 3) == [tokyo(2026, 11, d, 5, 0) for d in (21, 22, 23)]


def test_scoring_falls_back_every_day_at_half_past_five() -> None:
    assert first_fires("scoring", 2) == [tokyo(2026, 11, 21, 5, 30), tokyo(2026, 11, 22, 5, 30)]
    assert DEFAULT.jobs.usage_pull.then == ("scoring",)


def test_nudges_fire_on_weekday_mornings_and_skip_the_weekend() -> None:
    assert first_fires("nudges", 3) == [tokyo(2026, 11, d, 9, 30) for d in (23, 24, 25)]


def test_the_digest_fires_on_weekday_mornings_at_half_past_eight() -> None:
    assert first_fires("digest", 2) == [tokyo(2026, 11, 23, 8, 30), tokyo(2026, 11, 24, 8, 30)]


def test_cta_reminders_fire_on_weekdays_at_ten() -> None:
    assert first_fires("cta_reminders", 2) == [tokyo(2026, 11, 23, 10, 0), tokyo(2026, 11, 24, 10, 0)]


def test_the_outbox_fires_every_five_seconds() -> None:
    entry = DEFAULT.jobs.outbox
    trigger = trigger_for(entry, TOKYO)
    first = trigger.get_next_fire_time(None, SATURDAY)
    assert trigger.get_next_fire_time(first, first) - first == timedelta(seconds=5)


def test_cron_is_read_on_the_teams_wall_clock() -> None:
    fired = first_fires("usage_pull", 1)[0]
    assert fired.utcoffset() == timedelta(hours=9)
    assert fired.astimezone(TOKYO).hour == 5


# --- next runs, with the business calendar and the ledger (needs a database) ------------------------


def test_next_nudges_skip_the_holiday_monday(database: Database) -> None:
    scheduler = make_scheduler(database, [nudges(Recorder())], Clock(SATURDAY))
    assert scheduler.next_run("nudges") == tokyo(2026, 11, 24, 9, 30)


def test_next_nudges_skip_the_year_end_holidays(database: Database) -> None:
    scheduler = make_scheduler(database, [nudges(Recorder())], Clock(tokyo(2026, 12, 26, 12, 0)))
    assert scheduler.next_run("nudges") == tokyo(2026, 12, 28, 9, 30)  # Monday: still at work
    scheduler = make_scheduler(database, [nudges(Recorder())], Clock(tokyo(2026, 12, 28, 12, 0)))
    assert scheduler.next_run("nudges") == tokyo(2027, 1, 4, 9, 30)  # 12/29–1/3 off


def test_next_digest_is_the_first_business_day_then_next_week(database: Database) -> None:
    clock = Clock(SATURDAY)
    digest = Job("digest", Recorder(), period=Period.WEEKLY, business_days_only=True)
    scheduler = make_scheduler(database, [digest], clock)
    assert scheduler.next_run("digest") == tokyo(2026, 11, 24, 8, 30)

    clock.set(tokyo(2026, 11, 24, 8, 30))
    scheduler.fire("digest")
    assert scheduler.next_run("digest") == tokyo(2026, 11, 30, 8, 30)


def test_a_job_not_installed_yet_shows_its_raw_next_firing(database: Database) -> None:
    scheduler = make_scheduler(database, [], Clock(SATURDAY))
    assert scheduler.next_run("nudges") == tokyo(2026, 11, 23, 9, 30)
    assert scheduler.next_run("outbox") is None  # continuous


# --- how APScheduler is set up ----------------------------------------------------------------------


def test_jobs_are_registered_with_stable_ids_coalesce_one_instance_and_a_grace(database: Database) -> None:
    jobs = [
        Job("usage_pull", Recorder()),
        nudges(Recorder()),
        Job("outbox", Recorder(), period=Period.CONTINUOUS),
    ]
    scheduler = make_scheduler(database, jobs, Clock(SATURDAY))
    registered = {job.id: job for job in scheduler.apscheduler.get_jobs()}
    assert set(registered) == {"usage_pull", "nudges", "outbox"}
    for job in registered.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == DEFAULT_MISFIRE_GRACE.total_seconds()
    assert str(registered["nudges"].trigger.timezone) == "Asia/Tokyo"
    assert str(scheduler.apscheduler.timezone) == "Asia/Tokyo"
    assert CATCH_UP_JOB_ID not in registered  # added by start()


@pytest.mark.parametrize("job_id", ["usage_pull", "scoring", "nudges", "digest", "cta_reminders"])
def test_every_default_cron_is_accepted_by_apscheduler(job_id: str) -> None:
    assert first_fires(job_id, 1)
