"""``takibi pull``: pull usage data from the connectors of ``takibi.yml`` and print what happened.

Exit status: 0 when every connector was read, even with bad rows (they are listed, the good rows
written); 1 when a connector could not be read at all (a missing file, a server down), with one line
on stderr saying why; 2 for a bad setting, an invalid ``takibi.yml`` or an unknown ``--connector``.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

import click

from bot.clock import utc_now
from bot.configfile import default_config_path
from bot.i18n import Translator
from bot.settings import Settings
from handlers.services.usage_pull import ConnectorReport, PullReport, UnknownConnectorError, pull_usage
from storage.connectors.rows import BadRow


def _settings() -> AbstractContextManager[Settings]:
    """``bot.cli._settings_or_exit``, imported late: ``bot.cli`` imports this module to mount it."""
    from bot.cli import _settings_or_exit

    return _settings_or_exit()


@click.command("pull")
@click.option("--connector", "connector_id", metavar="ID", help="この接続先だけ / only this connector.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="数えるだけで書き込みません / count what would change, write nothing.",
)
def pull_command(connector_id: str | None, dry_run: bool) -> None:
    """利用データを取り込みます / Pull usage data from the connectors in takibi.yml.

    Bad rows are listed and skipped (exit 0); a connector that cannot be read exits 1.
    """
    from bot.app import load_takibi_config, open_database

    with _settings() as settings:
        t = Translator(settings.locale)
        config = load_takibi_config(settings)
        config_dir = (settings.config_path or default_config_path()).resolve().parent
        database = open_database(settings)
        try:
            report = pull_usage(
                database,
                config,
                connector_id=connector_id,
                today=utc_now().astimezone(settings.tz).date(),
                dry_run=dry_run,
                config_dir=config_dir,
            )
        except UnknownConnectorError as exc:
            known = ", ".join(exc.known) or "-"
            click.echo(t("cli.pull.unknown_connector", id=exc.connector_id, known=known), err=True)
            sys.exit(2)
        finally:
            database.dispose()
        for line in report_lines(report, t):
            click.echo(line)
        for failed in report.failed:
            click.echo(t("cli.pull.failed", id=failed.connector_id, reason=failure_text(failed, t)), err=True)
        if report.failed:
            sys.exit(1)


def report_lines(report: PullReport, t: Translator) -> list[str]:
    """The report as the terminal shows it: per connector, then the total."""
    lines = [t("pull.report.title", today=report.today)]
    if report.dry_run:
        lines.append(t("pull.report.dry_run"))
    if not report.connectors:
        lines.append(t("pull.report.none"))
        return lines
    counts = "pull.report.counts_dry" if report.dry_run else "pull.report.counts"
    for connector in report.connectors:
        lines.append(
            t(
                "pull.report.connector",
                id=connector.connector_id,
                kind=connector.kind,
                location=connector.location,
            )
        )
        if connector.ok or connector.rows_read:
            lines.append(
                t(
                    counts,
                    read=connector.rows_read,
                    good=connector.good,
                    bad=connector.bad,
                    changed=connector.changed,
                    unchanged=connector.unchanged,
                    seconds=connector.elapsed_seconds,
                )
            )
        if connector.first_day is not None and connector.last_day is not None:
            lines.append(
                t(
                    "pull.report.range",
                    first=connector.first_day,
                    last=connector.last_day,
                    accounts=connector.accounts,
                )
            )
        if connector.bad:
            reasons = ", ".join(
                t("pull.report.reason_count", reason=t(f"pull.reason_name.{reason}"), count=count)
                for reason, count in connector.bad_by_reason.items()
            )
            lines.append(t("pull.report.reasons", reasons=reasons))
            lines.append(t("pull.report.first_bad", count=len(connector.first_bad)))
            where = "pull.report.bad_line" if connector.kind == "csv" else "pull.report.bad_row"
            lines.extend(
                t(where, number=bad.number, reason=bad_row_text(bad, t)) for bad in connector.first_bad
            )
        if not connector.ok:
            lines.append(t("pull.report.failed", reason=failure_text(connector, t)))
    if len(report.connectors) > 1:
        total = "pull.report.total_dry" if report.dry_run else "pull.report.total"
        lines.append(
            t(
                total,
                read=report.rows_read,
                good=report.good,
                bad=report.bad,
                changed=report.changed,
                unchanged=report.unchanged,
                seconds=report.elapsed_seconds,
            )
        )
    return lines


def bad_row_text(bad: BadRow, t: Translator) -> str:
    """Why one row was refused, in the reader's words."""
    return t(f"pull.reason.{bad.reason.value}", field=t(f"pull.field.{bad.field.value}"), value=bad.value)


def failure_text(connector: ConnectorReport, t: Translator) -> str:
    """Why a connector delivered nothing, in one line."""
    if connector.failure is None:
        return ""
    return t(connector.failure.key, **connector.failure.params)
