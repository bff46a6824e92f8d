"""The once-per-period ledger (``job_runs``): a scheduled job claims (job_id, period_key) before it runs.

The unique constraint on (job_id, period_key) is what makes "once per period" hold across threads,
processes, app instances sharing one PostgreSQL database, and restarts: whoever inserts the row runs
the period, everyone else sees it taken. A row's life::

    (none) ──claim──▶ running ──finish──▶ succeeded
                         │  └───finish──▶ failed ──claim again──▶ running   (a retry of the period)
                         └── (the process died) ── after stale_after ──claim again──▶ running

* ``succeeded`` is final: the period never runs again (a forced manual run uses its own period key).
* ``failed`` may be claimed again by the next attempt at the *same* period (a later firing that maps to
  the same period, the scoring fallback after a failed chained run, or ``takibi jobs run``). Nothing
  retries in a loop: a broken warehouse is not hammered every few minutes.
* ``running`` for longer than ``stale_after`` is presumed dead (the process crashed before ``finish``)
  and may be claimed again. Choose ``stale_after`` longer than the job's longest honest run: a run
  that outlives it can be taken over, and its own ``finish`` is then refused (see the fencing below).

Every claim and every finish must be committed on its own, before and after the run, so other
instances see them: call them in short units of work (``Database.unit_of_work(immediate=True)``; on
SQLite that takes the write lock at BEGIN, on PostgreSQL the row locks and the unique index do the
work). Functions take a session and never commit.

Fencing: a claim hands back the row's ``started_at``; ``finish`` only updates a row still ``running``
under that same ``started_at``, so a run whose row was re-claimed as stale cannot overwrite the newer
outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.enums import JobRunStatus
from storage.models import JobRun

JsonDict = dict[str, Any]

DEFAULT_STALE_AFTER = timedelta(hours=2)
"""A ``running`` row older than this is presumed to belong to a crashed run."""


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to run one period of one job, as plain data.

    ``attempt`` counts this attempt (1 for a fresh period); ``previous`` is the status of the row that
    was taken over (``failed`` or a stale ``running``), ``None`` for a fresh period. ``started_at`` is
    the fencing token to pass back to :func:`finish` (through the claim itself).
    """

    run_id: int
    job_id: str
    period_key: str
    instance_id: str
    started_at: datetime
    attempt: int
    previous: JobRunStatus | None


@dataclass(frozen=True, slots=True)
class JobRunRecord:
    """One ledger row, as plain data (for ``takibi jobs list``, logs and tests)."""

    id: int
    job_id: str
    period_key: str
    status: JobRunStatus
    instance_id: str
    started_at: datetime
    finished_at: datetime | None
    report: JsonDict | None

    def is_stale(self, now: datetime, stale_after: timedelta = DEFAULT_STALE_AFTER) -> bool:
        return self.status is JobRunStatus.RUNNING and self.started_at < now - stale_after


def claim(
    session: Session,
    job_id: str,
    period_key: str,
    instance_id: str,
    now: datetime,
    *,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    retry_failed: bool = True,
) -> Claim | None:
    """Take (job_id, period_key) for ``instance_id``, or ``None`` when someone else has it.

    Atomic on both databases: ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` creates the row (no
    ``IntegrityError``, so the session stays usable); when the row exists, a failed row (if
    ``retry_failed``) or a stale running one is taken over with a compare-and-set ``UPDATE`` on the
    status and ``started_at`` it was read with, so of two instances racing for the same row exactly
    one wins. A succeeded row, or a running one younger than ``stale_after``, is never taken.
    """
    fresh = {"attempt": 1}
    inserted = session.execute(
        _insert(session)
        .values(
            job_id=job_id,
            period_key=period_key,
            status=JobRunStatus.RUNNING,
            instance_id=instance_id,
            started_at=now,
            finished_at=None,
            report=fresh,
        )
        .on_conflict_do_nothing(index_elements=[JobRun.job_id, JobRun.period_key])
        .returning(JobRun.id)
    ).scalar_one_or_none()
    if inserted is not None:
        return Claim(inserted, job_id, period_key, instance_id, now, 1, None)

    row = get(session, job_id, period_key)
    if row is None:
        return None  # deleted in between; the next firing inserts it again
    takeover = (row.status is JobRunStatus.FAILED and retry_failed) or row.is_stale(now, stale_after)
    if not takeover:
        return None
    attempt = _attempt(row.report) + 1
    report: JsonDict = {"attempt": attempt, "previous": _previous(row)}
    taken = session.execute(
        update(JobRun)
        .where(
            JobRun.id == row.id,
            JobRun.status == row.status,
            JobRun.started_at == row.started_at,
        )
        .values(
            status=JobRunStatus.RUNNING,
            instance_id=instance_id,
            started_at=now,
            finished_at=None,
            report=report,
        )
        .returning(JobRun.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if taken is None:
        return None
    return Claim(taken, job_id, period_key, instance_id, now, attempt, row.status)


def finish(
    session: Session,
    claim: Claim,
    status: JobRunStatus,
    report: JsonDict,
    *,
    now: datetime,
) -> bool:
    """Record the outcome of a claimed run; ``False`` if the row was taken over meanwhile (fenced out).

    ``status`` is ``succeeded`` or ``failed``; ``report`` replaces the row's report (the runner keeps
    ``attempt`` in it).
    """
    if status is JobRunStatus.RUNNING:
        raise ValueError("finish records an outcome: succeeded or failed, not running")
    updated = session.execute(
        update(JobRun)
        .where(
            JobRun.id == claim.run_id,
            JobRun.status == JobRunStatus.RUNNING,
            JobRun.started_at == claim.started_at,
        )
        .values(status=status, finished_at=now, report=report)
        .returning(JobRun.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return updated is not None


def get(session: Session, job_id: str, period_key: str) -> JobRunRecord | None:
    """The row of one period, if any."""
    row = session.scalars(
        select(JobRun)
        .where(JobRun.job_id == job_id, JobRun.period_key == period_key)
        .execution_options(populate_existing=True)
    ).one_or_none()
    return None if row is None else _record(row)


def last_run(session: Session, job_id: str) -> JobRunRecord | None:
    """The most recently started run of a job (any status), if it ever ran."""
    row = session.scalars(
        select(JobRun)
        .where(JobRun.job_id == job_id)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else _record(row)


def runs(session: Session, job_id: str, *, limit: int = 20) -> list[JobRunRecord]:
    """The latest runs of a job, newest first."""
    rows = session.scalars(
        select(JobRun)
        .where(JobRun.job_id == job_id)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    return [_record(row) for row in rows]


def _insert(session: Session) -> Any:
    """The dialect's ``INSERT`` with ``on_conflict_do_nothing`` (both SQLite and PostgreSQL have it)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(JobRun)
    if dialect == "sqlite":
        return sqlite.insert(JobRun)
    raise NotImplementedError(f"no job ledger for the {dialect} dialect")


def _attempt(report: JsonDict | None) -> int:
    value = (report or {}).get("attempt")
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def _previous(row: JobRunRecord) -> JsonDict:
    """What the taken-over attempt left behind, kept in the new attempt's report."""
    previous: JsonDict = {"status": row.status.value, "instance_id": row.instance_id}
    error = (row.report or {}).get("error")
    if isinstance(error, str):
        previous["error"] = error
    return previous


def _record(row: JobRun) -> JobRunRecord:
    return JobRunRecord(
        id=row.id,
        job_id=row.job_id,
        period_key=row.period_key,
        status=row.status,
        instance_id=row.instance_id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        report=row.report,
    )
