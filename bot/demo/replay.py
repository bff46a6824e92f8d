"""Replaying days: every scheduled job of the app fired at its time on the simulated clock.

The jobs are the services' own (``bot.services``: usage pull, scoring and CTA evaluation, digest, CTA
reminders, nudges, and whatever is added later), fired through ``JobScheduler.fire`` — the call
APScheduler makes — so the ledger, the business-day rule and the ``then`` chains apply exactly as in
``takibi run``. What each run did is read back from the ledger, as ``takibi jobs list`` reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.demo.world import DemoWorld
from bot.i18n import Translator
from bot.scheduler import JobScheduler, fire_times, trigger_for
from scoring.config_schedule import CronJob
from storage.enums import JobRunStatus
from storage.repositories import ledger
from storage.repositories.ledger import JobRunRecord


@dataclass(frozen=True, slots=True)
class Firing:
    at: datetime
    job_id: str


def firings(scheduler: JobScheduler, day: date) -> list[Firing]:
    """Every firing of the enabled cron jobs on ``day`` (team time), in time order; the interval
    entries (the outbox) are the deliverer's, which runs all along."""
    start = datetime.combine(day, time(0), tzinfo=scheduler.tz)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    found: list[Firing] = []
    for job_id in scheduler.scheduled_ids():
        entry = scheduler.schedule.jobs.get(job_id)
        if isinstance(entry, CronJob):
            trigger = trigger_for(entry, scheduler.tz)
            found.extend(Firing(at, job_id) for at in fire_times(trigger, start, end))
    return sorted(found, key=lambda firing: (firing.at, firing.job_id))


def _run_key(row: JobRunRecord | None) -> tuple[int, datetime] | None:
    """A run: its ledger row and when it started (a failed period run again keeps its row)."""
    return None if row is None else (row.id, row.started_at)


def _last_runs(world: DemoWorld) -> dict[str, tuple[int, datetime] | None]:
    scheduler = world.takibi.scheduler
    with world.takibi.database.unit_of_work() as session:
        return {job_id: _run_key(ledger.last_run(session, job_id)) for job_id in scheduler.job_ids()}


def day_off(world: DemoWorld, firing: Firing) -> bool:
    """Whether the firing's job runs on business days only and its day is a weekend day or holiday
    (the scheduler then does not run it)."""
    job = world.takibi.scheduler.job(firing.job_id)
    calendar = world.takibi.scheduler.calendar_at(firing.at)
    return job is not None and job.business_days_only and not calendar.is_business_day(firing.at.date())


def fire(world: DemoWorld, firing: Firing) -> list[JobRunRecord]:
    """Move the clock to the firing and fire it; the runs it made (a chained job's run included), oldest
    first. What the runs queued for Slack is delivered meanwhile (``DemoWorld.settle`` waits for it)."""
    before = _last_runs(world)
    world.clock.set(firing.at)
    world.takibi.scheduler.fire(firing.job_id)
    runs: list[JobRunRecord] = []
    with world.takibi.database.unit_of_work() as session:
        for job_id, last in before.items():
            row = ledger.last_run(session, job_id)
            if row is not None and _run_key(row) != last:
                runs.append(row)
    return sorted(runs, key=lambda row: row.id)


def job_label(t: Translator, job_id: str) -> str:
    """The job's name in the reader's language; its id for a job the catalog does not know yet."""
    try:
        return t(f"demo.job.{job_id}")
    except KeyError:
        return job_id


def run_lines(t: Translator, run: JobRunRecord, at: datetime) -> Iterator[str]:
    """``05:00 ⚙ 利用データの取り込み: read=15810, bad=0`` (and the error of a failed run)."""
    report = run.report or {}
    counts = report.get("counts") or {}
    summary = ", ".join(f"{key}={value}" for key, value in counts.items()) or "-"
    if isinstance(report.get("skipped"), str):
        summary = t("demo.job_skipped", reason=report["skipped"])
    key = "demo.job_ran" if run.status is JobRunStatus.SUCCEEDED else "demo.job_failed"
    yield t(key, at=at, job=job_label(t, run.job_id), summary=summary)
    error = report.get("error")
    if isinstance(error, str):
        yield t("demo.job_error", error=error.splitlines()[0][:200])
    for item in report.get("errors") or ():
        yield t("demo.job_error", error=str(item)[:200])
