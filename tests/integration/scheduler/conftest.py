"""Helpers for the scheduler suite: a settable clock, a job that records its runs, the default schedule."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.scheduler import JobScheduler, build_scheduler
from handlers.jobs.base import Job, JobContext, JobReport, Period, RunOutcome
from scoring.config_schedule import ScheduleConfig
from storage.db import Database
from storage.models import JobRun
from storage.repositories.ledger import JobRunRecord, runs

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


class Clock:
    """An injected clock a test sets and moves; aware UTC like ``bot.clock.utc_now``."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def __call__(self) -> datetime:
        return self._now.astimezone(ZoneInfo("UTC"))

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, delta: timedelta) -> None:
        self._now += delta


@dataclass
class Recorder:
    """A real job body that records each run; it can fail, or take a while."""

    fail: bool = False
    delay: float = 0.0
    contexts: list[JobContext] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)
    """(start, end) of each run on the monotonic clock, to check what ran after what."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, context: JobContext) -> JobReport:
        started = time.monotonic()
        with self._lock:
            self.contexts.append(context)
        try:
            if self.delay:
                time.sleep(self.delay)
            if self.fail:
                raise RuntimeError("the warehouse did not answer")
            return JobReport(counts={"accounts": 3})
        finally:
            with self._lock:
                self.spans.append((started, time.monotonic()))

    @property
    def periods(self) -> list[str]:
        return [c.period_key for c in self.contexts]


@dataclass
class Outcomes:
    """An ``on_outcome`` hook that keeps every outcome."""

    items: list[RunOutcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, outcome: RunOutcome) -> None:
        with self._lock:
            self.items.append(outcome)

    def of(self, job_id: str) -> list[RunOutcome]:
        with self._lock:
            return [o for o in self.items if o.job_id == job_id]


def schedule_of(**jobs: dict[str, Any]) -> ScheduleConfig:
    """The default schedule with some job entries changed."""
    return ScheduleConfig.model_validate({"jobs": jobs})


def make_scheduler(
    database: Database,
    jobs: list[Job],
    clock: Callable[[], datetime],
    *,
    schedule: ScheduleConfig | None = None,
    instance_id: str = "test-a",
    on_outcome: Callable[[RunOutcome], None] | None = None,
) -> JobScheduler:
    return build_scheduler(
        jobs,
        schedule or ScheduleConfig(),
        database,
        now=clock,
        instance_id=instance_id,
        on_outcome=on_outcome,
    )


def ledger_rows(database: Database, job_id: str) -> list[JobRunRecord]:
    with database.unit_of_work() as session:
        return sorted(runs(session, job_id, limit=1000), key=lambda r: r.id)


def row_count(database: Database) -> int:
    with database.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(JobRun)) or 0)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout} s")


def nudges(recorder: Recorder) -> Job:
    """Shaped like the real nudges job: daily, business days only."""
    return Job("nudges", recorder, period=Period.DAILY, business_days_only=True)


@pytest.fixture
def clock() -> Clock:
    return Clock(tokyo(2026, 11, 24, 12, 0))  # a Tuesday, the day after 勤労感謝の日
