"""The steward's messages: a CSM's morning DM (one item per section, each with the button that opens
the assess modal for that account), the team channel's roll-call, the note to the human steward, and
the answers to ``/takibi nudge``.

The DM's buttons are the same ``open_assess`` buttons as the status card's (value = the account id),
so the listener in ``handlers.assess`` opens the modal, checking the clicking user as it always does.
"""

from __future__ import annotations

from datetime import date, timedelta

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from handlers.context import Translate
from handlers.ids import Action, NudgeBlock, scoped
from handlers.views import Message
from handlers.views.common import (
    BUTTON_TEXT_LIMIT,
    HEADER_LIMIT,
    SECTION_TEXT_LIMIT,
    RuleLabel,
    age_text,
    escape,
    truncate,
)
from scoring.nudges import CoverageLine, CsmNudge, ItemKind, NudgeItem, RollCall

BAR_CELLS = 10
ROLL_CALL_LINES = 40
"""Owners per roll-call section (each line is short; a section holds 3,000 characters)."""


def item_text(t: Translate, item: NudgeItem, *, today: date, rule: RuleLabel) -> str:
    account = escape(item.account_name)
    if item.kind is ItemKind.OVERDUE_CTA:
        return t("nudges.item.overdue_cta", account=account, rule=rule(item.rule_id or ""), due=item.since)
    if item.kind is ItemKind.STALE and item.since is not None:
        return t("nudges.item.stale", account=account, age=age_text(t, item.since, today), day=item.since)
    return t("nudges.item.missing", account=account)


def nudge_dm(
    t: Translate, nudge: CsmNudge, *, today: date, stale_after_days: int, rule: RuleLabel
) -> Message:
    """``🔥 今日のお願い (3 件)`` · a kind word · one section per item with its "assess" button."""
    title = t("nudges.dm.title", count=nudge.total)
    blocks: list[Block] = [
        HeaderBlock(block_id=NudgeBlock.HEADER, text=PlainTextObject(text=truncate(title, HEADER_LIMIT))),
        SectionBlock(
            block_id=NudgeBlock.INTRO, text=MarkdownTextObject(text=t("nudges.dm.intro", user=nudge.user))
        ),
    ]
    button = truncate(t("nudges.button.assess"), BUTTON_TEXT_LIMIT)
    for index, item in enumerate(nudge.items):
        text = item_text(t, item, today=today, rule=rule)
        blocks.append(
            SectionBlock(
                block_id=scoped(NudgeBlock.ITEM, index),
                text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT)),
                accessory=ButtonElement(
                    action_id=Action.OPEN_ASSESS,
                    text=PlainTextObject(text=button),
                    value=str(item.account_id),
                ),
            )
        )
    if nudge.more:
        blocks.append(
            ContextBlock(
                block_id=NudgeBlock.MORE,
                elements=[MarkdownTextObject(text=t("nudges.dm.more", count=nudge.more))],
            )
        )
    blocks.append(DividerBlock())
    blocks.append(
        ContextBlock(
            block_id=NudgeBlock.FOOTER,
            elements=[MarkdownTextObject(text=t("nudges.dm.footer", days=stale_after_days))],
        )
    )
    return Message(text=title, blocks=blocks)


def coverage_bar(line: CoverageLine, cells: int = BAR_CELLS) -> str:
    """``🟩🟩🟩🟩🟩🟩🟩⬜⬜⬜``: the fresh share, rounded, never empty for a CSM with a fresh account."""
    if not line.accounts:
        return "⬜" * cells
    filled = round(line.share * cells)
    if line.fresh and not filled:
        filled = 1
    return "🟩" * filled + "⬜" * (cells - filled)


def roll_call_line(t: Translate, line: CoverageLine) -> str:
    bar = coverage_bar(line)
    if line.owner is None:
        text = t("nudges.rollcall.nobody", bar=bar, fresh=line.fresh, accounts=line.accounts)
    else:
        text = t("nudges.rollcall.line", user=line.owner, bar=bar, fresh=line.fresh, accounts=line.accounts)
    if line.fresh == line.accounts:
        return f"{text}  {t('nudges.rollcall.all_fresh')}"
    return f"{text}  {t('nudges.rollcall.rest', stale=line.stale, missing=line.missing)}"


def roll_call_message(t: Translate, call: RollCall, *, today: date, stale_after_days: int) -> Message:
    """The team channel's roll-call: a thank-you, then each owner's fresh share in a fixed order."""
    title = t("nudges.rollcall.title", day=today)
    blocks: list[Block] = [
        HeaderBlock(block_id=NudgeBlock.HEADER, text=PlainTextObject(text=truncate(title, HEADER_LIMIT))),
        SectionBlock(block_id=NudgeBlock.INTRO, text=MarkdownTextObject(text=t("nudges.rollcall.intro"))),
    ]
    lines = [roll_call_line(t, line) for line in call.lines]
    if not lines:
        lines = [t("nudges.rollcall.empty")]
    for index in range(0, len(lines), ROLL_CALL_LINES):
        chunk = "\n".join(lines[index : index + ROLL_CALL_LINES])
        blocks.append(
            SectionBlock(
                block_id=scoped(NudgeBlock.ROLL_CALL, index // ROLL_CALL_LINES),
                text=MarkdownTextObject(text=truncate(chunk, SECTION_TEXT_LIMIT)),
            )
        )
    total = call.total
    blocks.append(
        ContextBlock(
            block_id=NudgeBlock.TOTAL,
            elements=[
                MarkdownTextObject(
                    text=t(
                        "nudges.rollcall.total",
                        fresh=total.fresh,
                        accounts=total.accounts,
                        share=total.share,
                        days=stale_after_days,
                    )
                )
            ],
        )
    )
    return Message(text=title, blocks=blocks)


def steward_message(t: Translate, *, steward: str, user: str, ignored: int, open_items: int) -> Message:
    text = t("nudges.steward.text", steward=steward, user=user, ignored=ignored, open=open_items)
    return Message(
        text=text, blocks=[SectionBlock(block_id=NudgeBlock.STEWARD, text=MarkdownTextObject(text=text))]
    )


def pause_message(
    t: Translate, *, paused_through: date | None, today: date, changed: bool, enabled: bool
) -> Message:
    """The answer to ``/takibi nudge [on | off …]``: the pause now in force (or not)."""
    if paused_through is not None and paused_through >= today:
        key = "nudges.pause.paused" if changed else "nudges.pause.status_active"
        text = t(key, through=paused_through, resume=paused_through + timedelta(days=1))
    else:
        text = t("nudges.pause.resumed" if changed else "nudges.pause.status_inactive")
    if not enabled:
        text = f"{text}\n{t('nudges.pause.disabled')}"
    return Message(
        text=text, blocks=[SectionBlock(block_id=NudgeBlock.PAUSE, text=MarkdownTextObject(text=text))]
    )


def pause_usage(t: Translate, key: str, params: dict[str, object]) -> Message:
    text = t(key, **params)
    if key != "nudges.pause.usage":
        text = f"{text}\n{t('nudges.pause.usage')}"
    return Message(
        text=text, blocks=[SectionBlock(block_id=NudgeBlock.PAUSE, text=MarkdownTextObject(text=text))]
    )
