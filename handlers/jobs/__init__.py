"""Scheduled jobs: one module each, thin (read storage → call scoring → write storage / the outbox).

``base`` defines what a job is; ``bot.scheduler`` runs them (ledger, triggers from ``takibi.yml``,
catch-up). To add a job:

1. write ``handlers/jobs/<id>.py`` with a ``job(...) -> Job`` factory (see ``handlers.jobs.base``);
2. add its schedule under ``schedule.jobs`` (``scoring/config_schedule.py``: a field with a default,
   and the same entry in ``bot/defaults/takibi.yml``) unless it is one of the jobs already there;
3. build it in ``bot.services.build_services``, the one list of the app's jobs.
"""

from __future__ import annotations

from handlers.jobs.base import Job, JobContext, JobReport, Period, RunTrigger

__all__ = ["Job", "JobContext", "JobReport", "Period", "RunTrigger"]
