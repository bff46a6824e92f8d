"""What a scheduled job is: a stable id, the period it runs once in, and a thin ``run``.

A concrete job is one module under ``handlers/jobs/`` with a ``job(...)`` factory that the registry in
``handlers/jobs/__init__.py`` lists::

    # handlers/jobs/nudges.py
    def job(deps: Deps) -> Job:
        def run(context: JobContext) -> JobReport:
            with context.database.unit_of_work() as session:
                sent = ...  # read storage → call scoring → enqueue to the outbox
            return JobReport(counts={"nudges": sent})

        return Job(id="nudges", run=run, period=Period.DAILY, business_days_only=True)

The id is the key of the job's entry under ``schedule.jobs`` in ``takibi.yml`` (its cron or interval and
its on/off switch), its APScheduler id and its ``job_runs`` ledger id: never rename it once it ran.

The scheduler (``bot.scheduler``) does the rest: it claims the ledger row of the period before calling
``run`` (so the period runs once across instances and restarts), records the report or the error, and
never lets an exception out. ``run`` commits its own short units of work; a job that handles many
items catches per item and lists the failures in ``JobReport.errors`` rather than failing the period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from scoring.calendar import BusinessCalendar
from storage.db import Database
from storage.repositories.ledger import DEFAULT_STALE_AFTER, JobRunRecord

_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class Period(StrEnum):
    """The stretch of time a job runs once in; its key names the ``job_runs`` row.

    The key is taken from the *scheduled* time of a firing (not the moment a thread got to it), on the
    team's wall clock, so two instances firing the same trigger agree on it.
    """

    DAILY = "daily"
    """The local date: ``2026-11-24``."""
    WEEKLY = "weekly"
    """The ISO week: ``2026-W48`` (Monday to Sunday)."""
    FIRE_TIME = "fire_time"
    """The scheduled time itself, to the minute: ``2026-11-24T05:00+09:00`` (a job firing several times
    a day that must run at each firing)."""
    CONTINUOUS = "continuous"
    """No ledger: the job runs at every firing of an interval trigger (the outbox deliverer, whose own
    rows are its ledger). Only ``max_instances=1`` per process holds it back."""

    @property
    def ledgered(self) -> bool:
        return self is not Period.CONTINUOUS

    def key(self, at: datetime) -> str:
        """The period key of the local moment ``at`` (at most 32 characters, the ledger's column)."""
        if self is Period.DAILY:
            return at.date().isoformat()
        if self is Period.WEEKLY:
            iso = at.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self is Period.FIRE_TIME:
            return at.isoformat(timespec="minutes")
        raise ValueError("a continuous job has no period")

    def is_current(self, fired: datetime, now: datetime) -> bool:
        """Whether a firing at ``fired`` belongs to the period ``now`` is in (the rule of catch-up).

        A daily job's firing counts only on its own day, a weekly one's in its own week; a fire-time
        period lasts until the next firing, so the latest firing is always current.
        """
        if self is Period.FIRE_TIME:
            return fired <= now
        if self is Period.CONTINUOUS:
            return False
        return self.key(fired) == self.key(now)


class RunTrigger(StrEnum):
    """Why a run happened; stored in its report."""

    SCHEDULE = "schedule"
    """The job's trigger fired."""
    CATCH_UP = "catch_up"
    """The scheduler found a missed period (on start, and on its periodic sweep)."""
    CHAIN = "chain"
    """Another job listed this one under ``then`` and succeeded."""
    MANUAL = "manual"
    """``takibi jobs run``."""


@dataclass(frozen=True, slots=True)
class JobReport:
    """What a run did, stored as JSON in its ledger row and shown by ``takibi jobs list``.

    ``counts`` are the numbers worth a glance (``{"accounts": 120, "nudges": 7}``); ``skipped`` says
    why the run did nothing (``"no_new_data"``), which still completes the period; ``errors`` lists
    items that failed while the run as a whole went on (one line each, no secrets).
    """

    counts: Mapping[str, int] = field(default_factory=dict)
    skipped: str | None = None
    errors: tuple[str, ...] = ()

    @classmethod
    def skip(cls, reason: str) -> JobReport:
        return cls(skipped=reason)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"counts": dict(self.counts)}
        if self.skipped is not None:
            data["skipped"] = self.skipped
        if self.errors:
            data["errors"] = list(self.errors)
        return data


@dataclass(frozen=True, slots=True)
class JobContext:
    """What one run of a job gets: which period it runs, and the services every job needs.

    ``scheduled_at`` is the firing this run stands for, on the team's wall clock (a manual run: the
    moment it was asked for). A job that needs more (the configuration, the compiled scores) takes it
    in its factory from the composition root.
    """

    job_id: str
    period_key: str
    scheduled_at: datetime
    trigger: RunTrigger
    forced: bool
    attempt: int
    instance_id: str
    database: Database
    calendar: BusinessCalendar
    clock: Callable[[], datetime]

    def now(self) -> datetime:
        """The current time, aware UTC (the app's clock, so tests and the demo can move it)."""
        return self.clock()

    def now_local(self) -> datetime:
        """The current time on the team's wall clock."""
        return self.clock().astimezone(self.scheduled_at.tzinfo)


RunFunction = Callable[[JobContext], JobReport]


@dataclass(frozen=True, slots=True)
class Job:
    """A scheduled job. ``business_days_only``: a firing on a weekend day or holiday is ignored without
    taking the period, so a weekly job whose trigger fires Monday to Friday runs on the first business
    day of the week, and a daily one simply skips days off."""

    id: str
    run: RunFunction
    period: Period = Period.DAILY
    business_days_only: bool = False
    stale_after: timedelta = DEFAULT_STALE_AFTER
    """How long a ``running`` row may stay before it is presumed crashed and the period is run again;
    longer than the job's longest honest run."""

    def __post_init__(self) -> None:
        if not self.id or not self.id[0].isalpha() or not set(self.id) <= _ID_CHARS or len(self.id) > 64:
            raise ValueError(f"job id {self.id!r}: lower-case letters, digits and _, starting with a letter")
        if self.stale_after <= timedelta(0):
            raise ValueError("stale_after must be positive")

    def period_key(self, at: datetime) -> str:
        """The ledger key of the period the local moment ``at`` falls in."""
        return self.period.key(at)


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TAKEN = "taken"
    """Another instance, or an earlier run, holds the period: nothing ran."""
    DAY_OFF = "day_off"
    """A business-days-only job fired on a weekend day or holiday: nothing ran, the period stays open."""
    WAITING = "waiting"
    """A job listed under another's ``then`` fired while that one's current period had not finished
    (not started, or running): nothing ran; the other job runs it when it succeeds, or the catch-up
    sweep does if it fails."""


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one attempt came to. ``holder`` is the ledger row that kept a ``taken`` attempt from running."""

    job_id: str
    trigger: RunTrigger
    outcome: Outcome
    scheduled_at: datetime
    period_key: str | None = None
    run_id: int | None = None
    report: dict[str, Any] | None = None
    holder: JobRunRecord | None = None

    @property
    def ran(self) -> bool:
        return self.outcome in (Outcome.SUCCEEDED, Outcome.FAILED)
