"""Everything the app runs besides Bolt: the outbox deliverer, the CTA alerts, the CTA engine and the
scheduled jobs, built once from settings. ``bot.app.build`` adds the Slack listeners on top; ``takibi
jobs`` uses this alone, so a job run by hand is the same job the scheduler runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from bot import outbox_files
from bot.calendar import calendar_around
from bot.chart import render_digest_chart
from bot.clock import utc_now
from bot.directory import UserDirectory
from bot.i18n import Locale, Translator
from bot.outbox import Deliverer, build_delivery_client
from bot.scheduler import JobScheduler, scheduler_for
from bot.settings import Settings, SettingsError
from bot.slack_api import build_web_client
from handlers.context import Deps
from handlers.jobs import Job, cta_reminders, digest, nudges, scoring, usage_pull
from handlers.services.cta_alerts import CtaAlerts
from handlers.services.ctas import CtaEngine
from scoring.calendar import BusinessCalendar
from scoring.config import TakibiConfig
from scoring.health import compile_config
from scoring.rules import compile_rules
from storage.db import Database


def slack_locales(settings: Settings) -> Callable[[str], str | None]:
    """A user's Slack language (``users.info``, cached an hour), for DMs sent by jobs; built on first
    use, and ``None`` (the team's language) when no bot token is configured (a preview)."""
    directory: UserDirectory | None = None
    lock = threading.Lock()

    def locale_of(user_id: str) -> str | None:
        nonlocal directory
        with lock:
            if directory is None:
                try:
                    token = settings.bot_token()
                except SettingsError:
                    return None
                directory = UserDirectory(build_web_client(token, settings.slack_api_url), settings.locale)
        return directory.locale_of(user_id).value

    return locale_of


def translator_for(team: Translator) -> Callable[[str | None], Translator]:
    """A reader's translator from a remembered locale; ``None`` or one we do not speak: the team's."""
    known = {locale.value: locale for locale in Locale}

    def translator(locale: str | None) -> Translator:
        return Translator(known[locale]) if locale is not None and locale in known else team

    return translator


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
    # The outbox stamps its rows with the database default (the system clock), and what it paces and
    # retries are real calls: the deliverer keeps the system clock whatever clock the app runs on (the
    # demo and tests move the app's business day; Slack's Retry-After is in real seconds).
    deliverer = Deliverer(
        database,
        lambda: build_delivery_client(settings.bot_token(), settings.slack_api_url),
        now=utc_now,
        per_channel_interval=settings.channel_interval,
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
        nudges.job(
            deps, translator=translator_for(team), locale_of=slack_locales(settings), notify=deliverer.notify
        ),
    )
    return Services(deps=deps, deliverer=deliverer, alerts=alerts, engine=engine, team=team, jobs=jobs)
