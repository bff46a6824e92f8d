"""``/takibi mine`` (my accounts by grade, stale ones flagged) and ``/takibi ctas`` (my open CTAs)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from handlers.context import Translate
from handlers.ids import MineBlock, scoped
from handlers.services.home import AccountLine, CtaLine
from handlers.views import Message
from handlers.views.common import (
    HEADER_LIMIT,
    SECTION_TEXT_LIMIT,
    RuleLabel,
    age_text,
    change_text,
    escape,
    grade_badge,
    grade_emoji,
    truncate,
)
from handlers.views.status import cta_line
from scoring.grades import GradeScale

GRADE_ORDER: tuple[int | None, ...] = (5, 4, 3, 2, 1, None)
MAX_LINES = 20
"""Lines per section before "and N more" (a section holds 3,000 characters)."""
MAX_CTA_SECTIONS = 5


def account_line(
    t: Translate, scale: GradeScale, line: AccountLine, today: date, *, with_grade: bool = False
) -> str:
    """``株式会社カミナシ ↗ +6 · 評価 3週間前`` or ``… · ⚠️ 評価が古い (5か月前)``."""
    name = f"*{escape(line.name)}*"
    parts = [f"{grade_emoji(scale, line.health.grade)} {name}" if with_grade else name]
    if line.health.trend is not None and line.health.change_7d is not None:
        parts.append(change_text(t, line.health.change_7d))
    if line.last_assessed is None:
        parts.append(t("mine.never_assessed"))
    elif line.stale:
        parts.append(t("mine.stale", age=age_text(t, line.last_assessed, today)))
    else:
        parts.append(t("mine.assessed", age=age_text(t, line.last_assessed, today)))
    return " · ".join(parts)


def _lines(t: Translate, lines: Sequence[str], limit: int = MAX_LINES) -> str:
    shown = "\n".join(f"• {line}" for line in lines[:limit])
    if len(lines) > limit:
        shown += "\n" + t("list.more", count=len(lines) - limit)
    return shown


def mine_message(
    t: Translate, scale: GradeScale, accounts: Sequence[AccountLine], *, today: date, max_age_days: int
) -> Message:
    title = t("mine.title", count=len(accounts))
    blocks: list[Block] = [
        HeaderBlock(block_id=MineBlock.HEADER, text=PlainTextObject(text=truncate(title, HEADER_LIMIT)))
    ]
    if not accounts:
        blocks.append(SectionBlock(block_id=MineBlock.EMPTY, text=MarkdownTextObject(text=t("mine.empty"))))
        return Message(text=title, blocks=blocks)
    for grade in GRADE_ORDER:
        group = [a for a in accounts if a.health.grade == grade]
        if not group:
            continue
        heading = f"*{grade_badge(t, scale, grade)}* ({len(group)})"
        body = _lines(t, [account_line(t, scale, a, today) for a in group])
        blocks.append(
            SectionBlock(
                block_id=scoped(MineBlock.GRADE, grade if grade is not None else "none"),
                text=MarkdownTextObject(text=truncate(f"{heading}\n{body}", SECTION_TEXT_LIMIT)),
            )
        )
    stale = sum(1 for a in accounts if a.stale)
    blocks.append(
        ContextBlock(
            block_id=MineBlock.SUMMARY,
            elements=[MarkdownTextObject(text=t("mine.summary", stale=stale, days=max_age_days))],
        )
    )
    return Message(text=title, blocks=blocks)


def ctas_message(t: Translate, ctas: Sequence[CtaLine], rule: RuleLabel) -> Message:
    title = t("ctas.title", count=len(ctas))
    blocks: list[Block] = [
        HeaderBlock(block_id=MineBlock.HEADER, text=PlainTextObject(text=truncate(title, HEADER_LIMIT)))
    ]
    if not ctas:
        blocks.append(SectionBlock(block_id=MineBlock.EMPTY, text=MarkdownTextObject(text=t("ctas.empty"))))
        return Message(text=title, blocks=blocks)
    lines = [cta_line(t, cta, rule, with_account=True) for cta in ctas]
    for index in range(0, min(len(lines), MAX_LINES * MAX_CTA_SECTIONS), MAX_LINES):
        chunk = lines[index : index + MAX_LINES]
        blocks.append(
            SectionBlock(
                block_id=scoped(MineBlock.CTAS, index // MAX_LINES),
                text=MarkdownTextObject(text=truncate(_lines(t, chunk), SECTION_TEXT_LIMIT)),
            )
        )
    return Message(text=title, blocks=blocks)
