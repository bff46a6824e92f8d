"""Conversations as one self-contained HTML page: inline CSS, images embedded as ``data:`` URIs.

Every text (message bodies, names, labels) is escaped; nothing from a message is ever markup. Messages
are drawn as the terminal transcript draws them (``bot.sandbox.transcript``), one card per message
with its time and author, thread replies indented under their parent, a line per day, and images
shared in a message (the digest chart) shown inline from their bytes.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from html import escape
from typing import Any

from bot.sandbox.transcript import message_time, render_message, speaker, threaded

CSS = """
body { font-family: system-ui, -apple-system, "Hiragino Sans", "Noto Sans JP", sans-serif;
       margin: 0; background: #f4f1ec; color: #1d1c1d; }
header { background: #3f0e40; color: #fff; padding: 16px 24px; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; opacity: .8; font-size: 13px; }
nav { padding: 8px 24px; background: #fff; border-bottom: 1px solid #ddd; }
nav a { margin-right: 16px; color: #1264a3; text-decoration: none; }
section { background: #fff; margin: 16px 24px; border-radius: 8px; padding: 8px 16px 16px;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section h2 { font-size: 18px; border-bottom: 1px solid #eee; padding-bottom: 8px; }
.day { color: #616061; font-size: 13px; font-weight: 600; margin: 16px 0 4px;
       border-top: 1px solid #eee; padding-top: 8px; }
.msg { margin: 6px 0; padding: 6px 10px; border-left: 3px solid #e8912d; background: #fffdf9; }
.msg.reply { margin-left: 36px; border-left-color: #1264a3; background: #f8fbfe; }
.meta { font-size: 12px; color: #616061; margin-bottom: 2px; }
.meta b { color: #1d1c1d; }
.body { white-space: pre-wrap; font-size: 14px; line-height: 1.45; }
.body .button { display: inline-block; border: 1px solid #bbb; border-radius: 4px; padding: 0 6px;
                margin: 1px 2px; background: #fff; font-size: 13px; }
img.file { max-width: 100%; border: 1px solid #ddd; border-radius: 4px; margin-top: 6px; }
.empty { color: #616061; font-style: italic; }
"""


@dataclass(frozen=True, slots=True)
class HtmlConversation:
    """One channel or DM: its title as shown and its messages as the stand-in lists them."""

    anchor: str
    title: str
    messages: Sequence[Mapping[str, Any]]


def _body_html(lines: Sequence[str]) -> str:
    """Escaped lines; ``[label]`` runs (buttons, selects) drawn as buttons."""
    rendered = []
    for line in lines:
        text = escape(line)
        if line.strip().startswith("[") and line.strip().endswith("]"):
            text = text.replace("[", '<span class="button">').replace("]", "</span>")
        rendered.append(text)
    return "\n".join(rendered)


def _images(message: Mapping[str, Any], file_bytes: Callable[[str], bytes | None]) -> str:
    parts = []
    for file in message.get("files") or ():
        mimetype = str(file.get("mimetype") or "")
        data = file_bytes(str(file.get("id", ""))) if mimetype.startswith("image/") else None
        if data:
            uri = f"data:{escape(mimetype)};base64,{base64.b64encode(data).decode('ascii')}"
            alt = escape(str(file.get("title") or file.get("name") or ""))
            parts.append(f'<img class="file" src="{uri}" alt="{alt}">')
    return "".join(parts)


def render_page(
    *,
    title: str,
    subtitle: str,
    empty: str,
    conversations: Sequence[HtmlConversation],
    names: Mapping[str, str],
    tz: tzinfo,
    file_bytes: Callable[[str], bytes | None],
    day_label: Callable[[date], str],
    lang: str,
) -> str:
    """The whole page. ``file_bytes`` gives a shared file's bytes by id (images are embedded);
    ``day_label`` names a day in the reader's language."""
    nav = "".join(f'<a href="#{escape(c.anchor)}">{escape(c.title)}</a>' for c in conversations)
    sections = []
    for conversation in conversations:
        items: list[str] = []
        last_day: date | None = None
        for line in threaded(conversation.messages):
            posted = message_time(line.message, tz)
            if not line.reply and posted.date() != last_day:
                last_day = posted.date()
                items.append(f'<div class="day">{escape(day_label(last_day))}</div>')
            css = "msg reply" if line.reply else "msg"
            items.append(
                f'<div class="{css}"><div class="meta"><b>{escape(speaker(line.message, names))}</b> '
                f"{escape(posted.strftime('%H:%M'))}</div>"
                f'<div class="body">{_body_html(render_message(line.message, names))}</div>'
                f"{_images(line.message, file_bytes)}</div>"
            )
        if not items:
            items.append(f'<p class="empty">{escape(empty)}</p>')
        sections.append(
            f'<section id="{escape(conversation.anchor)}"><h2>{escape(conversation.title)}</h2>'
            + "".join(items)
            + "</section>"
        )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>"
        f"<nav>{nav}</nav>{''.join(sections)}</body></html>\n"
    )
