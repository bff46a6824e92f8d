"""``usage_pull``: pull the day's usage from every configured connector (then ``scoring`` runs, chained
by ``then`` in takibi.yml). Bad rows are reported, never fatal; a connector that cannot be read at all
is listed in the report's errors while the others still land."""

from __future__ import annotations

from pathlib import Path

from handlers.context import Deps
from handlers.jobs.base import Job, JobContext, JobReport
from handlers.services.usage_pull import pull_usage

JOB_ID = "usage_pull"


def job(deps: Deps, *, config_dir: Path | None) -> Job:
    def run(context: JobContext) -> JobReport:
        report = pull_usage(
            context.database,
            deps.config,
            today=context.scheduled_at.date(),
            config_dir=config_dir,
            now=context.now(),
        )
        errors = tuple(
            f"{connector.connector_id}: {connector.failure.key}"
            for connector in report.failed
            if connector.failure is not None
        )
        return JobReport(
            counts={"read": report.rows_read, "bad": report.bad, "changed": report.changed},
            errors=errors,
        )

    return Job(id=JOB_ID, run=run)
