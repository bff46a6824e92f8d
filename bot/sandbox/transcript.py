"""Slack messages as plain text, so a person can read in a terminal what takibi said in Slack.

Block Kit is flattened the way Slack draws it: a header as ``■ title``, sections and context as lines,
buttons as ``[label]``, selects as ``[placeholder ▾]``, images and files by name. Mentions and channel
links (``<@U0SATO>``, ``<#C0CSSMB|cs-smb>``) become the names people see when ``names`` is given.
A conversation is its messages in order with their time and who said them, thread replies indented
under their parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

RULE = "─" * 48
REPLY_PREFIX = "    ↳ "
REPLY_INDENT = "      "

_LINK = re.compile(r"<([@#!]?)([^<>|]+)(?:\|([^<>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
FIELD_SEPARATOR = "  ・ "
FIELD_ROW_WIDTH = 72


def plain(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack's markup made readable: ``<@U0SATO>`` → ``@佐藤 美咲``, ``<#C0CSSMB|cs-smb>`` →
    ``#cs-smb``, ``<!here>`` → ``@here``, ``<https://…|label>`` → ``label``, ``*bold*`` → ``bold``,
    and Slack's escapes (``&lt;`` ``&gt;`` ``&amp;``) back to the characters."""
    known = names or {}

    def replace(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return f"@{label or known.get(target, target)}"
        if sigil == "#":
            return f"#{label or known.get(target, target)}"
        if sigil == "!":
            return f"@{(label or target).split('^')[0]}"
        return label or target

    readable = _BOLD.sub(r"\1", _LINK.sub(replace, text))
    return readable.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Mapping[str, Any] | None, names: Mapping[str, str] | None = None) -> str:
    return plain(str(obj.get("text", "")), names) if obj else ""


def _element(element: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'), names)}]"
    if kind in {"mrkdwn", "plain_text"}:
        return plain(str(element.get("text", "")), names)
    if kind == "image":
        return f"🖼 {element.get('alt_text', '')}"
    if kind == "overflow":
        return "[⋯]"
    placeholder = _text(element.get("placeholder"), names)
    return f"[{placeholder or kind} ▾]"


def _fields(texts: Sequence[str]) -> list[str]:
    """Short fields (``label\nvalue``) side by side, a few to a line; a longer one as its label and
    its lines under it."""
    lines: list[str] = []
    row: list[str] = []

    def flush() -> None:
        if row:
            lines.append("  " + FIELD_SEPARATOR.join(row))
            row.clear()

    for text in texts:
        parts = [part for part in text.split("\n") if part.strip()]
        if len(parts) <= 2:
            short = " ".join(parts)
            if row and len(FIELD_SEPARATOR.join([*row, short])) > FIELD_ROW_WIDTH:
                flush()
            row.append(short)
        else:
            flush()
            lines.append("  " + parts[0])
            lines.extend("    " + part for part in parts[1:])
    flush()
    return lines


def render_blocks(blocks: Sequence[Mapping[str, Any]], names: Mapping[str, str] | None = None) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"■ {_text(block.get('text'), names)}")
        elif kind == "section":
            if block.get("text"):
                lines.extend(_text(block.get("text"), names).splitlines())
            lines.extend(_fields([_text(field, names) for field in block.get("fields") or ()]))
            if block.get("accessory"):
                lines.append(f"  {_element(block['accessory'], names)}")
        elif kind == "context":
            lines.append("  " + "  ".join(_element(e, names) for e in block.get("elements") or ()))
        elif kind == "divider":
            lines.append(RULE)
        elif kind == "actions":
            lines.append("  " + " ".join(_element(e, names) for e in block.get("elements") or ()))
        elif kind == "image":
            lines.append(f"🖼 {block.get('alt_text', '')}")
        elif kind == "input":
            label = _text(block.get("label"), names)
            lines.append(f"{label}: {_element(block.get('element') or {}, names)}")
        elif kind == "rich_text":
            lines.extend(_rich_text(block, names).splitlines())
        else:
            lines.append(f"[{kind}]")
    return lines


def _rich_text(block: Mapping[str, Any], names: Mapping[str, str] | None) -> str:
    parts: list[str] = []
    for section in block.get("elements") or ():
        for element in section.get("elements") or ():
            if element.get("type") == "user":
                parts.append(f"@{(names or {}).get(element.get('user_id', ''), element.get('user_id', ''))}")
            else:
                parts.append(str(element.get("text", "")))
    return "".join(parts)


def render_files(message: Mapping[str, Any]) -> list[str]:
    """``📎 name (PNG, 48 KB)`` per file shared in the message."""
    lines = []
    for file in message.get("files") or ():
        size = int(file.get("size") or 0)
        kind = str(file.get("filetype") or file.get("mimetype") or "").upper()
        weight = f"{max(1, round(size / 1024))} KB" if size else ""
        detail = ", ".join(part for part in (kind, weight) if part)
        lines.append(f"📎 {file.get('title') or file.get('name', '')}" + (f" ({detail})" if detail else ""))
    return lines


def render_message(message: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[str]:
    """The message body: its blocks (else its text), then its files."""
    blocks = message.get("blocks")
    body = render_blocks(blocks, names) if blocks else plain(str(message.get("text", "")), names).splitlines()
    return [*body, *render_files(message)]


def indent(lines: Iterable[str], prefix: str = "  │ ") -> str:
    return "\n".join(prefix + line for line in lines)


def speaker(
    message: Mapping[str, Any], names: Mapping[str, str] | None = None, bot_name: str = "takibi"
) -> str:
    """Who posted ``message``: the app, or the member's name."""
    if message.get("bot_id") or message.get("subtype") == "bot_message":
        return bot_name
    user = str(message.get("user", ""))
    return (names or {}).get(user, user)


def message_time(message: Mapping[str, Any], tz: tzinfo) -> datetime:
    """When the message was posted (its ``ts``), on the wall clock of ``tz``."""
    return datetime.fromtimestamp(float(message.get("ts", 0)), tz=tz)


@dataclass(frozen=True, slots=True)
class Line:
    """One message of a conversation as the transcript shows it."""

    message: Mapping[str, Any]
    reply: bool


def threaded(messages: Sequence[Mapping[str, Any]]) -> list[Line]:
    """Messages in reading order: each top-level message followed by its replies (oldest first).

    ``messages`` are a channel's messages as the stand-in lists them (posting order, replies included);
    a reply whose parent is not among them is shown as a top-level line.
    """
    by_ts = {str(m["ts"]): m for m in messages}
    replies: dict[str, list[Mapping[str, Any]]] = {}
    top: list[Mapping[str, Any]] = []
    for message in messages:
        parent = message.get("thread_ts")
        if parent and parent != message["ts"] and str(parent) in by_ts:
            replies.setdefault(str(parent), []).append(message)
        else:
            top.append(message)
    lines: list[Line] = []
    for message in top:
        lines.append(Line(message, reply=False))
        lines.extend(Line(reply, reply=True) for reply in replies.get(str(message["ts"]), ()))
    return lines


def render_line(
    line: Line, names: Mapping[str, str], tz: tzinfo, *, time_format: str = "%H:%M", note: str = ""
) -> list[str]:
    """``10:00 takibi`` and the body under it; a reply indented with ``↳``."""
    head = f"{message_time(line.message, tz):{time_format}} {speaker(line.message, names)}"
    if note:
        head += f"  {note}"
    body = render_message(line.message, names)
    if line.reply:
        return [REPLY_PREFIX + head, *(REPLY_INDENT + "  " + text for text in body)]
    return [head, *("  " + text for text in body)]


def render_conversation(
    messages: Sequence[Mapping[str, Any]], names: Mapping[str, str], tz: tzinfo
) -> list[str]:
    """A whole conversation: every message with its time and author, replies under their parent."""
    lines: list[str] = []
    for line in threaded(messages):
        lines.extend(render_line(line, names, tz, time_format="%m/%d %H:%M"))
    return lines
