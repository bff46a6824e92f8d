"""``nudges``: on business-day mornings, within working hours, each CSM's DM of what to update, the
note to the steward about anyone whose nudges keep being ignored, and the team channels' roll-call.

Daily and ``business_days_only``: a firing on a weekend day or a holiday (勤労感謝の日 …) is ignored by
the scheduler without taking the day. A run outside working hours (a catch-up after a restart in the
evening, a manual run at night) does nothing and says so (``outside_working_hours``): nobody should be
nudged at 21:00, and tomorrow's run asks again. Thin, as jobs are: ``handlers.services.nudges`` reads,
plans (``scoring.nudges``), records and enqueues; the deliverer is woken once it is all queued.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.context import Deps
from handlers.jobs.base import Job, JobContext, JobReport, Period
from handlers.services.nudges import LocaleOf, TranslatorFor, send_day

JOB_ID = "nudges"


def job(
    deps: Deps,
    *,
    translator: TranslatorFor,
    locale_of: LocaleOf | None = None,
    notify: Callable[[], None] | None = None,
) -> Job:
    """The ``nudges`` job; ``translator`` renders in a locale (``None``: the team's), ``locale_of``
    asks Slack for a CSM's language when they have not told takibi theirs."""

    def run(context: JobContext) -> JobReport:
        if not deps.config.nudges.enabled:
            return JobReport.skip("disabled")
        now = context.now()
        today = context.now_local().date()
        if not context.calendar.is_business_day(today):
            return JobReport.skip("day_off")
        if not context.calendar.is_working_time(now):
            return JobReport.skip("outside_working_hours")
        result = send_day(
            context.database, deps.config, translator, today=today, now=now, locale_of=locale_of
        )
        if notify is not None and (result.dms or result.roll_calls or result.escalations):
            notify()
        counts = {
            "nudges": result.dms,
            "escalations": result.escalations,
            "roll_calls": result.roll_calls,
            "paused": result.paused,
        }
        return JobReport(counts=counts, errors=result.errors)

    return Job(id=JOB_ID, run=run, period=Period.DAILY, business_days_only=True)
