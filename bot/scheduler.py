"""The scheduler: APScheduler 3 fires the jobs of ``takibi.yml``'s ``schedule``; the ``job_runs`` ledger
makes each period run once.

What a firing does: work out the scheduled time it stands for (the trigger's latest fire time, on the
team's wall clock), skip it if the job runs on business days only and that day is off, claim the
ledger row of its period, run the job, record ``succeeded`` (with the job's report) or ``failed``
(with the error), then run the jobs listed under ``then``. A job's exception never reaches
APScheduler, so one broken job never stops the others.

The rules, in one place:

* **Once per period.** The claim is an ``INSERT … ON CONFLICT DO NOTHING`` on the unique
  (job_id, period_key): of two instances on one PostgreSQL database, or a restarted instance, exactly
  one gets the row; the others log "taken" and return.
* **Catch-up.** On start, and every ``sweep_every`` after, each enabled job's latest due firing is
  looked at: if it belongs to the current period (today for a daily job, this week for a weekly one,
  the latest firing for a fire-time one) and the ledger has no row for it, it runs once, whatever
  the number of firings missed. A stale ``running`` row (its process died) is run again the same
  way once ``stale_after`` has passed.
* **Chains.** A job listed under another's ``then`` runs right after that one succeeds. Its own cron
  is a fallback: a firing (or catch-up) while the upstream job's current period has not finished
  (not started, or running) waits (``Outcome.WAITING``); once the upstream job failed, the fallback
  runs it. So scoring never runs on yesterday's data while today's pull is still going.
* **Failures.** A ``failed`` period is not retried in a loop; the next attempt at the *same* period
  re-claims it: a later firing that maps to that period (the scoring job's 05:30 fallback after a
  failed chained run, the next weekday of a weekly job), or ``takibi jobs run ID``.
* **Manual runs** (``takibi jobs run ID``) claim the period containing now, so the scheduled firing
  later in that period does not run it again; ``--force`` runs even a finished period, recorded
  under its own key (``force@…``) so the period's row stays as it was.

APScheduler is configured with ``coalesce`` (missed firings collapse into one), ``max_instances=1``,
a ``misfire_grace_time`` and the team's time zone; a per-job lock also keeps a catch-up run and a
firing of the same job from overlapping in one process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any
from uuid import uuid4

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.calendar import ScheduleError, calendar_around, team_timezone
from bot.clock import utc_now
from handlers.context import Deps
from handlers.jobs.base import Job, JobContext, JobReport, Outcome, Period, RunOutcome, RunTrigger
from scoring.calendar import BusinessCalendar
from scoring.config_schedule import CronJob, IntervalJob, JobSchedule, ScheduleConfig
from storage.db import Database
from storage.enums import JobRunStatus
from storage.repositories import ledger

logger = logging.getLogger(__name__)

DEFAULT_MISFIRE_GRACE = timedelta(minutes=10)
"""A firing later than this (the process was suspended, the pool was full) is dropped by APScheduler;
the catch-up sweep then runs its period, once."""
DEFAULT_SWEEP_EVERY = timedelta(minutes=10)
CATCH_UP_JOB_ID = "takibi.catch_up"
"""APScheduler id of the catch-up sweep; the dot keeps it apart from job ids (``[a-z0-9_]``)."""
_LOOKBACK = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=32))
_MAX_FIRES = 50_000
_ERROR_CHARS = 1_000
_TRACEBACK_CHARS = 4_000


class UnknownJobError(LookupError):
    """``run_job_now`` was asked for a job id that is not registered."""


def default_instance_id(prefix: str = "") -> str:
    """``host:pid:random``: unique per process, readable in the ledger (``job_runs.instance_id``)."""
    return f"{prefix}{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"[:128]


def trigger_for(entry: JobSchedule, tz: tzinfo) -> Any:
    """The APScheduler trigger of a schedule entry (the cron was checked when the file was loaded)."""
    if isinstance(entry, CronJob):
        return CronTrigger.from_crontab(entry.cron, timezone=tz)
    return IntervalTrigger(seconds=entry.interval_seconds, timezone=tz)


def fire_times(trigger: Any, start: datetime, end: datetime) -> Iterator[datetime]:
    """The trigger's fire times in ``[start, end]`` (cron triggers; bounded)."""
    fired = trigger.get_next_fire_time(None, start)
    for _ in range(_MAX_FIRES):
        if fired is None or fired > end:
            return
        yield fired
        fired = trigger.get_next_fire_time(fired, fired)


class JobScheduler:
    """Owns the ``BackgroundScheduler`` and runs every job through the ledger. Build with
    :func:`build_scheduler`; ``start()`` / ``shutdown()`` from the app, ``run_job_now`` from the CLI."""

    def __init__(
        self,
        jobs: Sequence[Job],
        schedule: ScheduleConfig,
        database: Database,
        *,
        tz: tzinfo,
        now: Callable[[], datetime],
        instance_id: str,
        misfire_grace: timedelta,
        sweep_every: timedelta | None,
        on_outcome: Callable[[RunOutcome], None] | None,
    ) -> None:
        self.schedule = schedule
        self.database = database
        self.tz = tz
        self.instance_id = instance_id
        self._now = now
        self._sweep_every = sweep_every
        self._on_outcome = on_outcome
        self._jobs = _by_id(jobs, schedule)
        self._triggers = {job_id: trigger_for(_entry(schedule, job_id), tz) for job_id in schedule.jobs.ids()}
        self._locks = {job_id: threading.Lock() for job_id in self._jobs}
        self._upstream = {
            job_id: tuple(
                parent
                for parent in self.scheduled_ids()
                if isinstance(entry := _entry(schedule, parent), CronJob) and job_id in entry.then
            )
            for job_id in self._jobs
        }
        self._job_options = {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(misfire_grace.total_seconds()),
        }
        self.apscheduler: Any = BackgroundScheduler(timezone=tz, daemon=True, job_defaults=self._job_options)
        for job_id in self.scheduled_ids():
            self.apscheduler.add_job(
                self.fire,
                trigger=self._triggers[job_id],
                args=(job_id,),
                id=job_id,
                name=job_id,
                replace_existing=True,
                **self._job_options,
            )

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return bool(self.apscheduler.running)

    def start(self, *, catch_up: bool = True) -> None:
        """Start firing; with ``catch_up``, run missed periods at once (in the pool) and every sweep."""
        if catch_up:
            # APScheduler times its firings on the system clock, so "at once" is read from it too.
            at_once = datetime.now(self.tz)
            trigger: Any = (
                DateTrigger(run_date=at_once, timezone=self.tz)
                if self._sweep_every is None
                else IntervalTrigger(seconds=int(self._sweep_every.total_seconds()), timezone=self.tz)
            )
            self.apscheduler.add_job(
                self.catch_up,
                trigger=trigger,
                id=CATCH_UP_JOB_ID,
                name=CATCH_UP_JOB_ID,
                next_run_time=at_once,
                replace_existing=True,
                **self._job_options,
            )
        self.apscheduler.start()
        logger.info(
            "scheduler %s started: %s", self.instance_id, ", ".join(self.scheduled_ids()) or "no jobs"
        )

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop firing. ``wait`` lets running jobs finish; an abandoned run's period is run again once its
        row is older than the job's ``stale_after``."""
        if self.running:
            self.apscheduler.shutdown(wait=wait)

    # --- what is scheduled ----------------------------------------------------------------------

    def job_ids(self) -> tuple[str, ...]:
        """Registered jobs, in registration order."""
        return tuple(self._jobs)

    def job(self, job_id: str) -> Job | None:
        """The registered job with this id, if installed."""
        return self._jobs.get(job_id)

    def scheduled_ids(self) -> tuple[str, ...]:
        """Registered jobs whose schedule entry is enabled."""
        return tuple(job_id for job_id in self._jobs if _entry(self.schedule, job_id).enabled)

    def calendar_at(self, moment: datetime) -> BusinessCalendar:
        return calendar_around(self.schedule, moment, self.tz)

    def next_run(self, job_id: str, after: datetime | None = None) -> datetime | None:
        """The next firing that will run a cron job, local time: days off of a business-days-only job are
        skipped, and so are firings whose period already ran (a weekly job that ran on Monday next
        runs the Monday after). ``None`` for an interval job or a disabled one."""
        entry = _entry(self.schedule, job_id)
        if not entry.enabled or isinstance(entry, IntervalJob):
            return None
        now = after or self._now()
        start = now.astimezone(self.tz)
        job = self._jobs.get(job_id)
        done: dict[str, bool] = {}
        with self.database.unit_of_work() as session:
            for fired in fire_times(self._triggers[job_id], start, start + timedelta(days=366)):
                if job is None:
                    return fired
                if not self._due(job, fired):
                    continue
                key = job.period_key(fired)
                if key not in done:
                    row = ledger.get(session, job_id, key)
                    done[key] = row is not None and (
                        row.status is JobRunStatus.SUCCEEDED
                        or (row.status is JobRunStatus.RUNNING and not row.is_stale(now, job.stale_after))
                    )
                if not done[key]:
                    return fired
        return None

    # --- running --------------------------------------------------------------------------------

    def run_job_now(self, job_id: str, *, force: bool = False) -> RunOutcome:
        """Run a job at once, in this thread (``takibi jobs run``); its schedule's on/off switch and the
        business-day rule do not apply, a person asked for it.

        Without ``force`` the run claims the period containing now (for a fire-time job: its latest
        firing), and does nothing if that period already ran. With ``force`` it runs regardless, under
        a key of its own.
        """
        job = self._jobs.get(job_id)
        if job is None:
            raise UnknownJobError(job_id)
        now_local = self._now().astimezone(self.tz)
        at = now_local
        if job.period is Period.FIRE_TIME:
            at = self._latest_fire(job, now_local, due_only=False) or now_local
        return self._attempt(job, at, RunTrigger.MANUAL, force=force, as_scheduled=False)

    def catch_up(self) -> list[RunOutcome]:
        """Run, once, each enabled job's current period that has no ledger row (or a stale one).

        One job's trouble (its database call failing) is logged and the others are still looked at.
        """
        outcomes: list[RunOutcome] = []
        for job_id in self.scheduled_ids():
            try:
                outcome = self._catch_up(self._jobs[job_id])
            except Exception:
                logger.exception("catch-up of %s failed; the next sweep tries again", job_id)
                continue
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _catch_up(self, job: Job) -> RunOutcome | None:
        if not job.period.ledgered:
            return None
        now = self._now()
        now_local = now.astimezone(self.tz)
        fired = self._latest_fire(job, now_local, due_only=True)
        if fired is None or not job.period.is_current(fired, now_local):
            return None
        with self.database.unit_of_work() as session:
            row = ledger.get(session, job.id, job.period_key(fired))
        if row is not None and not row.is_stale(now, job.stale_after):
            return None
        logger.info("catching up %s for %s", job.id, job.period_key(fired))
        return self._attempt(job, fired, RunTrigger.CATCH_UP)

    def fire(self, job_id: str) -> RunOutcome | None:
        """What APScheduler calls when a job's trigger fires (public so a test or a tick can drive it).

        Never raises: a broken job or database must not stop the scheduler (``None`` when even the
        attempt failed, e.g. the database is down; logged)."""
        try:
            job = self._jobs[job_id]
            now_local = self._now().astimezone(self.tz)
            if not job.period.ledgered:
                return self._attempt(job, now_local, RunTrigger.SCHEDULE)
            fired = self._latest_fire(job, now_local, due_only=False) or now_local
            return self._attempt(job, fired, RunTrigger.SCHEDULE)
        except Exception:
            logger.exception("scheduled run of %s could not be attempted", job_id)
            return None

    def _attempt(
        self,
        job: Job,
        at: datetime,
        trigger: RunTrigger,
        *,
        force: bool = False,
        as_scheduled: bool = True,
    ) -> RunOutcome:
        """Claim the period of ``at`` (a local time), run, record, chain. Raises only for database errors
        while claiming; the job's own errors become a ``failed`` outcome.

        ``as_scheduled`` (all but manual runs) applies the business-day rule and, for a firing or a
        catch-up of a ``then`` target, waits for the upstream job's current period to finish first.
        """
        if as_scheduled and job.business_days_only and not self._due(job, at):
            logger.info("%s: %s is not a business day; not run", job.id, at.date())
            return self._notify(RunOutcome(job.id, trigger, Outcome.DAY_OFF, at))
        if as_scheduled and trigger is not RunTrigger.CHAIN:
            upstream = self._unfinished_upstream(job)
            if upstream is not None:
                logger.info("%s: waiting for %s to finish its period; not run", job.id, upstream)
                waiting = {"waiting_for": upstream}
                return self._notify(RunOutcome(job.id, trigger, Outcome.WAITING, at, report=waiting))
        with self._locks[job.id]:
            if not job.period.ledgered:
                return self._run_unledgered(job, at, trigger)
            return self._run_claimed(job, at, trigger, force=force)

    def _run_claimed(self, job: Job, at: datetime, trigger: RunTrigger, *, force: bool) -> RunOutcome:
        now = self._now()
        period_key = f"force@{now:%Y%m%dT%H%M%S.%f}Z" if force else job.period_key(at)
        with self.database.unit_of_work(immediate=True) as session:
            claim = ledger.claim(
                session, job.id, period_key, self.instance_id, now, stale_after=job.stale_after
            )
            holder = None if claim is not None else ledger.get(session, job.id, period_key)
        if claim is None:
            logger.info("%s: period %s is taken (%s); not run", job.id, period_key, holder and holder.status)
            return self._notify(RunOutcome(job.id, trigger, Outcome.TAKEN, at, period_key, holder=holder))

        status, report = self._execute(job, at, trigger, period_key, attempt=claim.attempt, forced=force)
        report = {
            **report,
            "trigger": trigger.value,
            "scheduled_at": at.isoformat(),
            "attempt": claim.attempt,
            **({"forced_for": job.period_key(at)} if force else {}),
            **({"previous": claim.previous.value} if claim.previous is not None else {}),
        }
        try:
            with self.database.unit_of_work(immediate=True) as session:
                recorded = ledger.finish(session, claim, status, report, now=self._now())
            if not recorded:
                logger.warning(
                    "%s %s: the period was taken over while running; outcome not recorded", job.id, period_key
                )
        except Exception:
            logger.exception(
                "%s %s: could not record the outcome; re-run after %s", job.id, period_key, job.stale_after
            )
        outcome = Outcome.SUCCEEDED if status is JobRunStatus.SUCCEEDED else Outcome.FAILED
        result = self._notify(RunOutcome(job.id, trigger, outcome, at, period_key, claim.run_id, report))
        if outcome is Outcome.SUCCEEDED:
            self._chain(job, at, force=force)
        return result

    def _run_unledgered(self, job: Job, at: datetime, trigger: RunTrigger) -> RunOutcome:
        status, report = self._execute(job, at, trigger, period_key="", attempt=1, forced=False)
        outcome = Outcome.SUCCEEDED if status is JobRunStatus.SUCCEEDED else Outcome.FAILED
        return self._notify(RunOutcome(job.id, trigger, outcome, at, None, None, report))

    def _execute(
        self, job: Job, at: datetime, trigger: RunTrigger, period_key: str, *, attempt: int, forced: bool
    ) -> tuple[JobRunStatus, dict[str, Any]]:
        context = JobContext(
            job_id=job.id,
            period_key=period_key,
            scheduled_at=at,
            trigger=trigger,
            forced=forced,
            attempt=attempt,
            instance_id=self.instance_id,
            database=self.database,
            calendar=self.calendar_at(at),
            clock=self._now,
        )
        started = time.monotonic()
        try:
            result = job.run(context)
            if not isinstance(result, JobReport):
                raise TypeError(f"{job.id}.run returned {type(result).__name__}, not a JobReport")
            status, report = JobRunStatus.SUCCEEDED, result.to_json()
        except Exception as exc:
            logger.exception("%s %s failed", job.id, period_key or "(continuous)")
            status, report = JobRunStatus.FAILED, _error_report(exc)
        report["seconds"] = round(time.monotonic() - started, 3)
        return status, report

    def _chain(self, job: Job, at: datetime, *, force: bool) -> None:
        entry = _entry(self.schedule, job.id)
        if not isinstance(entry, CronJob):
            return
        for target_id in entry.then:
            target = self._jobs.get(target_id)
            if target is None:
                logger.warning("%s: the job %s to run after it is not installed", job.id, target_id)
            elif _entry(self.schedule, target_id).enabled:
                self._attempt(target, at, RunTrigger.CHAIN, force=force)

    def _notify(self, outcome: RunOutcome) -> RunOutcome:
        if self._on_outcome is not None:
            try:
                self._on_outcome(outcome)
            except Exception:
                logger.exception("on_outcome hook failed")
        return outcome

    # --- time -----------------------------------------------------------------------------------

    def _unfinished_upstream(self, job: Job) -> str | None:
        """A job that runs ``job`` after itself (``then``) whose current period has not finished yet.

        "Scoring after each pull": the 05:30 fallback must not score yesterday's data while today's
        pull is still running (it would then keep the chained run from scoring the new data).
        """
        now_local = self._now().astimezone(self.tz)
        for parent_id in self._upstream.get(job.id, ()):
            parent = self._jobs[parent_id]
            if not parent.period.ledgered:
                continue
            fired = self._latest_fire(parent, now_local, due_only=True)
            if fired is None or not parent.period.is_current(fired, now_local):
                continue
            with self.database.unit_of_work() as session:
                row = ledger.get(session, parent_id, parent.period_key(fired))
            if row is None or row.status is JobRunStatus.RUNNING:
                return parent_id
        return None

    def _due(self, job: Job, at: datetime) -> bool:
        return not job.business_days_only or self.calendar_at(at).is_business_day(at.date())

    def _latest_fire(self, job: Job, now_local: datetime, *, due_only: bool) -> datetime | None:
        """The job trigger's latest fire time at or before ``now_local`` (that is due, if ``due_only``)."""
        trigger = self._triggers[job.id]
        for window in _LOOKBACK:
            fires = [
                fired
                for fired in fire_times(trigger, now_local - window, now_local)
                if not due_only or self._due(job, fired)
            ]
            if fires:
                return fires[-1]
        return None


def build_scheduler(
    jobs: Iterable[Job],
    schedule: ScheduleConfig,
    database: Database,
    *,
    now: Callable[[], datetime] = utc_now,
    instance_id: str | None = None,
    default_timezone: tzinfo | str = "Asia/Tokyo",
    misfire_grace: timedelta = DEFAULT_MISFIRE_GRACE,
    sweep_every: timedelta | None = DEFAULT_SWEEP_EVERY,
    on_outcome: Callable[[RunOutcome], None] | None = None,
) -> JobScheduler:
    """A scheduler for ``jobs`` on ``schedule`` (not started).

    Every job needs an entry under ``schedule.jobs`` with its id; an entry without a job is fine (not
    yet installed: listed, never fired). A continuous job needs an interval entry and an interval
    entry a continuous job (interval firings differ between instances, so they cannot key a period).
    ``default_timezone`` is ``TAKIBI_TIMEZONE``, used when the file sets no ``schedule.timezone``.
    ``now`` is the clock jobs and the ledger use; APScheduler's own timing reads the system clock.
    """
    return JobScheduler(
        tuple(jobs),
        schedule,
        database,
        tz=team_timezone(schedule, default_timezone),
        now=now,
        instance_id=instance_id or default_instance_id(),
        misfire_grace=misfire_grace,
        sweep_every=sweep_every,
        on_outcome=on_outcome,
    )


def scheduler_for(
    deps: Deps,
    *,
    jobs_for: Callable[[Deps], Iterable[Job]],
    instance_id: str | None = None,
    on_outcome: Callable[[RunOutcome], None] | None = None,
) -> JobScheduler:
    """The app's scheduler, from the composition root's services (``takibi run`` and ``takibi jobs``)."""
    return build_scheduler(
        jobs_for(deps),
        deps.config.schedule,
        deps.database,
        now=deps.now,
        instance_id=instance_id,
        default_timezone=deps.tz,
        on_outcome=on_outcome,
    )


def _by_id(jobs: Sequence[Job], schedule: ScheduleConfig) -> dict[str, Job]:
    found: dict[str, Job] = {}
    for job in jobs:
        if job.id in found:
            raise ScheduleError(f"two jobs have the id {job.id!r}")
        entry = schedule.jobs.get(job.id)
        if entry is None:
            known = ", ".join(schedule.jobs.ids())
            raise ScheduleError(f"job {job.id!r} has no entry under schedule.jobs (known: {known})")
        if isinstance(entry, IntervalJob) != (job.period is Period.CONTINUOUS):
            raise ScheduleError(
                f"job {job.id!r}: a continuous job needs interval_seconds, and an interval entry a "
                "continuous job"
            )
        found[job.id] = job
    return found


def _entry(schedule: ScheduleConfig, job_id: str) -> JobSchedule:
    entry = schedule.jobs.get(job_id)
    if entry is None:
        raise UnknownJobError(job_id)
    return entry


def _error_report(exc: BaseException) -> dict[str, Any]:
    text = f"{type(exc).__name__}: {exc}"
    trace = "".join(traceback.format_exception(exc))
    return {"error": text[:_ERROR_CHARS], "traceback": trace[-_TRACEBACK_CHARS:]}
