"""Pieces every surface shares: grades with their emoji, ages ("3週間前"), reasons rendered from their
catalog keys, safe text for Slack's limits, and the small notice modal (loading, refused)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from slack_sdk.models.blocks import MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from handlers.context import Translate
from handlers.ids import Callback, NoticeBlock
from scoring.config import TakibiConfig
from scoring.grades import GradeScale
from scoring.model import Reason

OPTION_TEXT_LIMIT = 75
BUTTON_TEXT_LIMIT = 75
TITLE_LIMIT = 24
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
NO_GRADE_EMOJI = "⚪"

RuleLabel = Callable[[str], str]
"""Names a CTA rule in the reader's language (its label from takibi.yml, else its id)."""


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (Slack refuses longer texts outright)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Text from people or the CRM shown in mrkdwn: ``&``, ``<`` and ``>`` would be read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def grade_badge(t: Translate, scale: GradeScale, grade: int | None) -> str:
    """``🟢 B 順調`` / ``⚪ 未評価``."""
    if grade is None:
        return f"{NO_GRADE_EMOJI} {t('scoring.grade.none')}"
    return f"{scale.emoji(grade)} {scale.label(grade).localized(t.locale)}"


def grade_emoji(scale: GradeScale, grade: int | None) -> str:
    return NO_GRADE_EMOJI if grade is None else scale.emoji(grade)


def age_text(t: Translate, on: date, today: date) -> str:
    """How long ago ``on`` was, the way people say it: 今日 / 昨日 / 5日前 / 3週間前 / 2か月前 / 1年前."""
    days = (today - on).days
    if days <= 0:
        return t("age.today")
    if days == 1:
        return t("age.yesterday")
    if days < 14:
        return t("age.days", count=days)
    if days < 60:
        return t("age.weeks", count=days // 7)
    if days < 365:
        return t("age.months", count=days // 30)
    years = days // 365
    return t("age.a_year") if years == 1 else t("age.years", count=years)


def change_text(t: Translate, change: float | None) -> str:
    """A score's change as an arrow and points (``↗ +6``), or "no history" when unknown."""
    if change is None:
        return t("trend.unknown")
    arrow = "↗" if change >= 5 else "↘" if change <= -5 else "→"
    return t("trend.change", arrow=arrow, change=change)


def reason_text(t: Translate, reason: Reason) -> str:
    """A stored reason in the reader's language. A key this version does not know (written by a newer
    one) shows as the key rather than failing the whole card."""
    try:
        return t(reason.key, **dict(reason.params))
    except (KeyError, ValueError, TypeError, IndexError):
        return reason.key


def money(amount: Decimal, currency: str) -> str:
    """``¥120,000`` / ``USD 1,200``."""
    if currency == "JPY":
        return f"¥{amount:,.0f}"
    return f"{currency} {amount:,.2f}"


def notice_modal(t: Translate, title_key: str, text: str, *, private_metadata: str | None = None) -> View:
    """A modal that only says something: "loading…", or a polite refusal in place of the form."""
    return View(
        type="modal",
        callback_id=Callback.NOTICE,
        title=PlainTextObject(text=truncate(t(title_key), TITLE_LIMIT)),
        close=PlainTextObject(text=t("modal.close")),
        blocks=[
            SectionBlock(
                block_id=NoticeBlock.TEXT,
                text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT)),
            )
        ],
        private_metadata=private_metadata,
    )


def rule_label(t: Translate, config: TakibiConfig) -> RuleLabel:
    """Names a CTA rule by its title in ``takibi.yml`` in the reader's language, else by its id."""
    titles = {rule.id: rule.title for rule in config.rules}

    def label(rule_id: str) -> str:
        title = titles.get(rule_id)
        return title.text().localized(t.locale) if title is not None else rule_id

    return label
