"""``takibi jobs``: the schedule and the ledger on one screen, and a job run by hand.

``takibi jobs list`` shows every job of ``schedule.jobs``: its trigger, whether it is on, its next run
and its last ledger row. ``takibi jobs run ID`` runs one job now through the ledger (so a scheduled
firing later in the same period does not run it again); ``--force`` runs it even if the period already
ran. The CLI is one more instance on the database: two people running the same job at once get one run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, tzinfo

import click

from bot.clock import utc_now
from bot.i18n import Translator
from bot.scheduler import JobScheduler, default_instance_id
from bot.settings import Settings
from handlers.context import Deps
from handlers.jobs.base import Job, Outcome, Period, RunOutcome
from scoring.config_schedule import CronJob, JobSchedule
from scoring.health import compile_config
from storage.repositories import ledger
from storage.repositories.ledger import JobRunRecord

SettingsContext = Callable[[], AbstractContextManager[Settings]]
JobsFor = Callable[[Deps], Iterable[Job]]


def jobs_group(settings_context: SettingsContext, *, jobs_for: JobsFor | None = None) -> click.Group:
    """The ``jobs`` command group; ``settings_context`` is the CLI's settings-or-exit context manager."""

    @click.group("jobs")
    def group() -> None:
        """定期ジョブの予定と実行記録 / Scheduled jobs: schedule, last runs, run one now."""

    @group.command("list")
    def list_jobs() -> None:
        """ジョブの予定・次回・前回を表示します / Show each job's schedule, next run and last run."""
        with settings_context() as settings:
            scheduler = _scheduler(settings, jobs_for)
            try:
                lines = list_lines(scheduler, job_infos(scheduler), Translator(settings.locale))
            finally:
                scheduler.database.dispose()
        for line in lines:
            click.echo(line)

    @group.command("run")
    @click.argument("job_id")
    @click.option(
        "--force",
        is_flag=True,
        help="この期間に実行済みでも実行します / run even if the current period already ran.",
    )
    def run_job(job_id: str, force: bool) -> None:
        """ジョブを今すぐ実行します / Run JOB_ID now (once per period unless --force)."""
        with settings_context() as settings:
            t = Translator(settings.locale)
            scheduler = _scheduler(settings, jobs_for)
            try:
                if job_id not in scheduler.job_ids():
                    known = ", ".join(scheduler.schedule.jobs.ids())
                    installed = job_id in scheduler.schedule.jobs.ids()
                    key = "cli.jobs.not_installed" if installed else "cli.jobs.unknown"
                    click.echo(t(key, job=job_id, known=known), err=True)
                    sys.exit(2)
                outcome = scheduler.run_job_now(job_id, force=force)
            finally:
                scheduler.database.dispose()
        for line in outcome_lines(outcome, scheduler.tz, t):
            click.echo(line)
        if outcome.outcome is Outcome.FAILED:
            sys.exit(1)

    return group


def _scheduler(settings: Settings, jobs_for: JobsFor | None) -> JobScheduler:
    """The app's own jobs (``bot.services``), or ``jobs_for``'s when a test brings its own."""
    from bot.app import load_takibi_config, open_database
    from bot.scheduler import scheduler_for
    from bot.services import build_services

    config = load_takibi_config(settings)
    database = open_database(settings)
    if jobs_for is None:
        return build_services(settings, config, database, now=utc_now).scheduler(
            instance_id=default_instance_id("cli:")
        )
    deps = Deps(database=database, now=utc_now, config=config, scoring=compile_config(config), tz=settings.tz)
    return scheduler_for(deps, jobs_for=jobs_for, instance_id=default_instance_id("cli:"))


@dataclass(frozen=True, slots=True)
class JobInfo:
    """One line of ``takibi jobs list``."""

    id: str
    schedule: JobSchedule
    registered: bool
    period: Period | None
    next_run: datetime | None
    last_run: JobRunRecord | None


def job_infos(scheduler: JobScheduler) -> list[JobInfo]:
    """Every job of the schedule (installed or not yet), its next run and its last ledger row."""
    job_ids = scheduler.schedule.jobs.ids()
    with scheduler.database.unit_of_work() as session:
        last = {job_id: ledger.last_run(session, job_id) for job_id in job_ids}
    infos = []
    for job_id in job_ids:
        job = scheduler.job(job_id)
        entry = scheduler.schedule.jobs.get(job_id)
        assert entry is not None
        infos.append(
            JobInfo(
                id=job_id,
                schedule=entry,
                registered=job is not None,
                period=job.period if job is not None else None,
                next_run=scheduler.next_run(job_id),
                last_run=last[job_id],
            )
        )
    return infos


# --- rendering (pure) ------------------------------------------------------------------------------


def list_lines(scheduler: JobScheduler, infos: Iterable[JobInfo], t: Translator) -> list[str]:
    hours = scheduler.schedule.working_hours
    lines = [t("cli.jobs.header", tz=str(scheduler.tz), start=hours.start, end=hours.end)]
    for info in infos:
        lines.extend(_job_lines(scheduler, info, t))
    return lines


def _job_lines(scheduler: JobScheduler, info: JobInfo, t: Translator) -> list[str]:
    entry = info.schedule
    flags: list[str] = []
    if not entry.enabled:
        flags.append(t("cli.jobs.flag.disabled"))
    job = scheduler.job(info.id)
    if job is None:
        flags.append(t("cli.jobs.flag.not_installed"))
    elif job.business_days_only:
        flags.append(t("cli.jobs.flag.business_days"))
    suffix = f" [{', '.join(flags)}]" if flags else ""
    if isinstance(entry, CronJob):
        lines = [t("cli.jobs.cron", id=info.id, cron=entry.cron) + suffix]
        if entry.then:
            lines.append(t("cli.jobs.then", jobs=", ".join(entry.then)))
        if info.next_run is not None:
            lines.append(t("cli.jobs.next", at=_when(info.next_run, scheduler.tz, t)))
        elif entry.enabled:
            lines.append(t("cli.jobs.next_none"))
    else:
        lines = [t("cli.jobs.interval", id=info.id, seconds=entry.interval_seconds) + suffix]
    lines.extend(_last_lines(info.last_run, scheduler.tz, t))
    return lines


def _last_lines(row: JobRunRecord | None, tz: tzinfo, t: Translator) -> list[str]:
    if row is None:
        return [t("cli.jobs.last_none")]
    lines = [
        t(
            "cli.jobs.last",
            period=row.period_key,
            status=t(f"cli.jobs.status.{row.status.value}"),
            started=_when(row.started_at, tz, t),
            instance=row.instance_id,
        )
    ]
    error = (row.report or {}).get("error")
    if isinstance(error, str):
        lines.append(t("cli.jobs.error", error=error))
    return lines


def outcome_lines(outcome: RunOutcome, tz: tzinfo, t: Translator) -> list[str]:
    if outcome.outcome is Outcome.TAKEN:
        holder = outcome.holder
        if holder is None:
            return [t("cli.jobs.taken_unknown", job=outcome.job_id, period=outcome.period_key)]
        return [
            t(
                "cli.jobs.taken",
                job=outcome.job_id,
                period=outcome.period_key,
                status=t(f"cli.jobs.status.{holder.status.value}"),
                started=_when(holder.started_at, tz, t),
                instance=holder.instance_id,
            )
        ]
    if outcome.outcome is Outcome.DAY_OFF:
        return [t("cli.jobs.day_off", job=outcome.job_id)]
    report = outcome.report or {}
    period = report.get("forced_for", outcome.period_key) or "-"
    key = "cli.jobs.ran_forced" if "forced_for" in report else "cli.jobs.ran"
    status = t(f"cli.jobs.status.{outcome.outcome.value}")
    lines = [t(key, job=outcome.job_id, period=period, status=status)]
    counts = report.get("counts")
    if isinstance(counts, dict) and counts:
        lines.append(t("cli.jobs.counts", counts=", ".join(f"{k}={v}" for k, v in counts.items())))
    if isinstance(report.get("skipped"), str):
        lines.append(t("cli.jobs.skipped", reason=report["skipped"]))
    for item in report.get("errors") or ():
        lines.append(t("cli.jobs.item_error", error=item))
    if isinstance(report.get("error"), str):
        lines.append(t("cli.jobs.error", error=report["error"]))
    return lines


def _when(moment: datetime, tz: tzinfo, t: Translator) -> str:
    local = moment.astimezone(tz)
    weekday = t("cli.jobs.weekdays").split(",")[local.weekday()]
    return t("cli.jobs.when", at=local, weekday=weekday)
