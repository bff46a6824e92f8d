"""The demo's files: every channel and DM as a text transcript, and the channels as an HTML page with
the digest charts embedded (``transcript.txt`` and ``transcript.html`` in the demo's folder)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.demo.feed import conversations, user_names
from bot.demo.world import DemoWorld
from bot.sandbox.transcript import render_conversation
from bot.sandbox.transcript_html import HtmlConversation, render_page
from storage.enums import CtaStatus
from storage.repositories import ctas

TEXT_FILE = "transcript.txt"
HTML_FILE = "transcript.html"


@dataclass(frozen=True, slots=True)
class DemoFiles:
    text: Path
    html: Path


def day_label(world: DemoWorld, day: date) -> str:
    """``11月23日 (月) 祝日`` — the weekday, and whether it is a weekend day or a holiday."""
    t = world.t
    weekday = t("cli.jobs.weekdays").split(",")[day.weekday()]
    calendar = world.takibi.scheduler.calendar_at(world.clock())
    if day in calendar.holidays:
        kind = t("demo.day.holiday")
    elif day.weekday() in calendar.weekend:
        kind = t("demo.day.weekend")
    else:
        kind = ""
    return t("demo.day", month=day.month, date=day.day, weekday=weekday, kind=kind).rstrip()


def cta_summary(world: DemoWorld) -> str:
    """``CTA 27 件 — 未着手 10 ・ 対応中 3 ・ 完了 1 …``: where the CTAs the replay raised stand."""
    with world.takibi.database.unit_of_work() as session:
        counts = Counter(row.status for row in ctas.stats_rows(session))
    t = world.t
    parts = [
        t("demo.cta_status", status=t(f"rules.status.{status.value}"), count=counts[status])
        for status in CtaStatus
        if counts[status]
    ]
    return t("demo.cta_summary", total=sum(counts.values()), statuses=" ・ ".join(parts))


def write_transcripts(world: DemoWorld) -> DemoFiles:
    t, standin = world.t, world.standin
    state = standin.state()
    names = user_names(state)
    found = conversations(state, t)
    text_lines: list[str] = []
    for conversation in found:
        text_lines.append(f"━━ {conversation.label} ━━")
        rendered = render_conversation(conversation.messages, names, world.tz)
        text_lines.extend(rendered or [t("demo.html.empty")])
        text_lines.append("")
    text_path = (world.workdir / TEXT_FILE).resolve()
    text_path.write_text("\n".join(text_lines), encoding="utf-8")
    page = render_page(
        title=t("demo.html.title"),
        subtitle=t("demo.html.subtitle", team=standin.team_domain),
        empty=t("demo.html.empty"),
        conversations=[
            HtmlConversation(anchor=c.id, title=c.label, messages=c.messages) for c in found if not c.is_dm
        ],
        names=names,
        tz=world.tz,
        file_bytes=standin.file_bytes,
        day_label=lambda day: day_label(world, day),
        lang=t.locale.value,
    )
    html_path = (world.workdir / HTML_FILE).resolve()
    html_path.write_text(page, encoding="utf-8")
    return DemoFiles(text=text_path, html=html_path)
