"""``takibi nudge --preview``: the steward's nudges of a day as they would be sent, printed.

Reads the configured database (``TAKIBI_DATABASE_URL``; SQLite is migrated first, as the app does) and
prints each DM, each note to the steward and each roll-call as plain text. Nothing is recorded, queued
or sent: the ``nudges`` job sends them on business-day mornings (``takibi jobs run nudges`` runs it now).
"""

from __future__ import annotations

from datetime import date, datetime, time

import click

from bot.cli_digest import plain_text
from bot.clock import utc_now
from bot.i18n import Translator

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command("nudge")
@click.option(
    "--preview", is_flag=True, help="表示だけ (送らない) / print the nudges instead of sending them."
)
@click.option(
    "--date", "day", type=DATE, default=None, help="この日に送る内容 (既定: 今日) / as if sent on this day."
)
def nudge_command(preview: bool, day: datetime | None) -> None:
    """データ更新の声掛けを表示します / Preview the steward's nudges (DMs, roll-call, steward notes)."""
    from bot.app import load_takibi_config, open_database
    from bot.calendar import calendar_around
    from bot.cli import _settings_or_exit
    from bot.services import slack_locales, translator_for
    from handlers.services.nudges import preview_day

    if not preview:
        raise click.UsageError("takibi nudge --preview (the nudges job sends them: takibi jobs run nudges)")
    with _settings_or_exit() as settings:
        team = Translator(settings.locale)
        config = load_takibi_config(settings)
        database = open_database(settings)
        now = utc_now()
        today: date = day.date() if day is not None else now.astimezone(settings.tz).date()
        if day is not None:
            now = datetime.combine(today, time(9, 30), tzinfo=settings.tz)
        calendar = calendar_around(config.schedule, now, settings.tz)
        try:
            planned, outgoing = preview_day(
                database,
                config,
                translator_for(team),
                today=today,
                now=now,
                locale_of=slack_locales(settings),
            )
        finally:
            database.dispose()
        click.echo(team("nudges.cli.header", day=today))
        if not config.nudges.enabled:
            click.echo(team("nudges.cli.disabled"))
        elif not calendar.is_business_day(today):
            click.echo(team("nudges.cli.day_off", day=today))
        click.echo("")
        if not outgoing:
            click.echo(team("nudges.cli.none"))
        for item in outgoing:
            if item.kind == "dm":
                click.echo(team("nudges.cli.dm", user=item.target, locale=item.locale))
            elif item.kind == "steward":
                click.echo(team("nudges.cli.steward", steward=item.target))
            else:
                click.echo(team("nudges.cli.channel", channel=item.target))
            click.echo(plain_text(item.message.to_payload()["blocks"]))
            click.echo("")
        if planned.plan.paused:
            click.echo(team("nudges.cli.paused", users=", ".join(planned.plan.paused)))


__all__ = ["nudge_command"]
