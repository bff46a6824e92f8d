"""Block Kit rendered as plain text, so a person can read in a terminal what takibi said in Slack."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

RULE = "─" * 48


def _text(obj: Mapping[str, Any] | None) -> str:
    return str(obj.get("text", "")) if obj else ""


def _element(element: Mapping[str, Any]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'))}]"
    if kind in {"mrkdwn", "plain_text"}:
        return str(element.get("text", ""))
    if kind == "image":
        return f"🖼 {element.get('alt_text', '')}"
    placeholder = _text(element.get("placeholder"))
    return f"[{placeholder or kind} ▾]"


def render_blocks(blocks: Sequence[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"■ {_text(block.get('text'))}")
        elif kind == "section":
            if block.get("text"):
                lines.extend(_text(block.get("text")).splitlines())
            lines.extend(f"  {_text(field)}" for field in block.get("fields") or ())
            if block.get("accessory"):
                lines.append(f"  {_element(block['accessory'])}")
        elif kind == "context":
            lines.append("  " + "  ".join(_element(e) for e in block.get("elements") or ()))
        elif kind == "divider":
            lines.append(RULE)
        elif kind == "actions":
            lines.append("  " + " ".join(_element(e) for e in block.get("elements") or ()))
        elif kind == "image":
            lines.append(f"🖼 {block.get('alt_text', '')}")
        elif kind == "input":
            lines.append(f"{_text(block.get('label'))}: {_element(block.get('element') or {})}")
        else:
            lines.append(f"[{kind}]")
    return lines


def render_message(message: Mapping[str, Any]) -> list[str]:
    blocks = message.get("blocks")
    return render_blocks(blocks) if blocks else str(message.get("text", "")).splitlines()


def indent(lines: Iterable[str], prefix: str = "  │ ") -> str:
    return "\n".join(prefix + line for line in lines)
