"""``cta_reminders``: on business-day mornings, mention the segment lead under every alert nobody has
taken within the configured business hours (once per CTA)."""

from __future__ import annotations

from handlers.jobs.base import Job, JobContext, JobReport
from handlers.services.cta_alerts import CtaAlerts, escalate_untaken

JOB_ID = "cta_reminders"


def job(alerts: CtaAlerts) -> Job:
    def run(context: JobContext) -> JobReport:
        with context.database.unit_of_work(immediate=True) as session:
            escalated = escalate_untaken(session, alerts, context.calendar, now=context.now())
        if escalated:
            alerts.kick()
        return JobReport(counts={"escalated": len(escalated)})

    return Job(id=JOB_ID, run=run, business_days_only=True)
