"""``scoring``: score every account for the day (a snapshot each), then evaluate the CTA rules on the new
scores — new alerts open, cleared ones close, snoozed ones wake, overdue ones are flagged."""

from __future__ import annotations

from handlers.context import Deps
from handlers.jobs.base import Job, JobContext, JobReport
from handlers.services.ctas import CtaEngine, CtaNotifier, evaluate_ctas
from handlers.services.scoring import run_scoring_pass

JOB_ID = "scoring"


def job(deps: Deps, *, engine: CtaEngine, notify: CtaNotifier) -> Job:
    def run(context: JobContext) -> JobReport:
        scored = run_scoring_pass(
            context.database,
            deps.scoring,
            today=context.scheduled_at.date(),
            tz=deps.tz,
            now=context.clock,
            keep_scores=False,
        )
        with context.database.unit_of_work(immediate=True) as session:
            evaluated = evaluate_ctas(session, engine, now=context.now(), tz=deps.tz, notify=notify)
        return JobReport(
            counts={
                "scored": scored.scored,
                "ctas_opened": len(evaluated.opened),
                "ctas_auto_closed": len(evaluated.auto_closed),
                "ctas_overdue": len(evaluated.overdue),
                "ctas_expired": len(evaluated.expired),
            }
        )

    return Job(id=JOB_ID, run=run)
