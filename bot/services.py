"""Everything the app runs besides Bolt: the outbox deliverer, the CTA alerts, the CTA engine and the
scheduled jobs, built once from settings. ``bot.app.build`` adds the Slack listeners on top; ``takibi
jobs`` uses this alone, so a job run by hand is the same job the scheduler runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from bot import outbox_files
from bot.calendar import calendar_around
from bot.chart import render_digest_chart
from bot.i18n import Locale, Translator
from bot.outbox import Deliverer, build_delivery_client
from bot.scheduler import JobScheduler, scheduler_for
from bot.settings import Settings
from handlers.context import Deps
from handlers.jobs import Job, cta_reminders, digest, scoring, usage_pull
from handlers.services.cta_alerts import CtaAlerts
from handlers.services.ctas import CtaEngine
from scoring.calendar import BusinessCalendar
from scoring.config import TakibiConfig
from scoring.health import compile_config
from scoring.rules import compile_rules
from storage.db import Database


@dataclass
class Services:
    deps: Deps
    deliverer: Deliverer
    alerts: CtaAlerts
    engine: CtaEngine
    team: Translator
    """The team's language: channel messages (alerts, digests) have many readers."""
    jobs: tuple[Job, ...]

    def scheduler(self, *, instance_id: str | None = None) -> JobScheduler:
        return scheduler_for(self.deps, jobs_for=lambda _deps: self.jobs, instance_id=instance_id)


def build_services(
    settings: Settings, config: TakibiConfig, database: Database, *, now: Callable[[], datetime]
) -> Services:
    deps = Deps(database=database, now=now, config=config, scoring=compile_config(config), tz=settings.tz)
    team = Translator(Locale(settings.locale))
    deliverer = Deliverer(
        database, lambda: build_delivery_client(settings.bot_token(), settings.slack_api_url), now=now
    )
    outbox_files.register(deliverer)

    def calendar_for(day: date) -> BusinessCalendar:
        return calendar_around(
            config.schedule, datetime.combine(day, time(12), tzinfo=settings.tz), settings.tz
        )

    engine = CtaEngine.from_config(config, calendar_for=calendar_for, health=deps.scoring)
    alerts = CtaAlerts(
        rules=compile_rules(config),
        scale=deps.scoring.scale,
        t=team,
        tz=settings.tz,
        kick=deliverer.notify,
    )
    config_dir = settings.config_path.parent if settings.config_path else None
    jobs = (
        usage_pull.job(deps, config_dir=config_dir),
        scoring.job(deps, engine=engine, notify=alerts),
        digest.job(deps, t=team, chart=render_digest_chart, notify=deliverer.notify),
        cta_reminders.job(alerts),
    )
    return Services(deps=deps, deliverer=deliverer, alerts=alerts, engine=engine, team=team, jobs=jobs)
