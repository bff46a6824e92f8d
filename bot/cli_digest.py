"""``takibi digest --preview``: the weekly digest as it would be posted, printed, with its chart.

Reads the configured database (``TAKIBI_DATABASE_URL``; SQLite is migrated first, as the app does),
prints each team channel's digest as plain text and writes each chart as a PNG. Nothing is queued or
sent: the ``digest`` job posts it on schedule (``takibi jobs run digest`` runs it now).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from bot.clock import utc_now
from bot.i18n import Translator

DATE = click.DateTime(formats=["%Y-%m-%d"])
DEFAULT_FOLDER = Path("var/digest")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_BOLD = re.compile(r"\*([^*\n]+)\*")


def _texts(block: dict[str, Any]) -> Iterator[str]:
    text = block.get("text")
    if isinstance(text, dict):
        yield str(text.get("text", ""))
    for item in block.get("fields") or block.get("elements") or ():
        if isinstance(item, dict) and "text" in item:
            yield str(item["text"])


def plain_text(blocks: Sequence[dict[str, Any]]) -> str:
    """Block Kit as terminal text: one paragraph per block, fields one after another, mrkdwn undone."""
    parts: list[str] = []
    for block in blocks:
        if block.get("type") == "divider":
            parts.append("─" * 40)
            continue
        for raw in _texts(block):
            text = _MENTION.sub(r"@\1", _BOLD.sub(r"\1", raw))
            parts.append(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    return "\n\n".join(parts)


def chart_path(out: Path | None, channel: str, end: date, several: bool) -> Path:
    """``--out`` as given for one digest, with the channel added before the suffix for several."""
    if out is None:
        return DEFAULT_FOLDER / f"takibi-digest-{end:%Y%m%d}-{channel}.png"
    return out.with_name(f"{out.stem}-{channel}{out.suffix or '.png'}") if several else out


@click.command("digest")
@click.option(
    "--preview", is_flag=True, help="表示だけ (投稿しない) / print the digest instead of posting it."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="グラフの PNG の書き出し先 / where to write the chart PNG (default var/digest/).",
)
@click.option(
    "--date",
    "day",
    type=DATE,
    default=None,
    help="この日に投稿する週 (既定: 今日) / as if posted on this day.",
)
def digest_command(preview: bool, out: Path | None, day: datetime | None) -> None:
    """週次ダイジェストを表示します / Preview the weekly digest and write its chart."""
    from bot.app import load_takibi_config, open_database
    from bot.chart import render_digest_chart
    from bot.cli import _settings_or_exit
    from handlers.jobs.digest import preview as build_preview
    from handlers.services.digest import week_before
    from scoring.health import compile_config

    if not preview:
        raise click.UsageError("takibi digest --preview (the digest job posts it: takibi jobs run digest)")
    with _settings_or_exit() as settings:
        t = Translator(settings.locale)
        config = load_takibi_config(settings)
        compiled = compile_config(config)
        database = open_database(settings)
        today = day.date() if day is not None else utc_now().astimezone(settings.tz).date()
        week = week_before(today)
        started = time.perf_counter()
        try:
            rendered = build_preview(
                database, config, compiled.scale, t, week=week, tz=settings.tz, chart=render_digest_chart
            )
        finally:
            database.dispose()
        elapsed = time.perf_counter() - started
        if not rendered:
            click.echo(t("digest.cli.none"), err=True)
            return
        for item in rendered:
            click.echo(t("digest.cli.channel", channel=item.post.team.channel))
            click.echo(plain_text(item.message.to_payload()["blocks"]))
            if item.chart is not None:
                path = chart_path(out, item.post.team.channel, week.end, len(rendered) > 1)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(item.chart)
                click.echo(t("digest.cli.chart", path=path))
            click.echo("")
        click.echo(t("digest.cli.built", seconds=elapsed))


__all__ = ["chart_path", "digest_command", "plain_text"]
