"""The touchpoint modal (message shortcut "touchpoint として記録", status card button) and its
confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from handlers.context import Translate
from handlers.ids import Action, Callback, TouchpointBlock
from handlers.services.assess import TouchpointOutcome
from handlers.services.picker import AccountOption
from handlers.views import Message
from handlers.views.assess import cta_lines, fit_options, kind_options, score_lines
from handlers.views.common import SECTION_TEXT_LIMIT, TITLE_LIMIT, RuleLabel, escape, truncate
from handlers.views.picker import account_option
from scoring.grades import GradeScale
from storage.enums import TouchpointKind


@dataclass(frozen=True, slots=True)
class TouchpointForm:
    """What the modal starts with: the account (if known), the day, the kind, the message it is about."""

    day: date
    account: AccountOption | None = None
    kind: TouchpointKind | None = None
    permalink: str | None = None
    excerpt: str | None = None


def touchpoint_modal(t: Translate, form: TouchpointForm, private_metadata: str) -> View:
    blocks: list[Block] = []
    if form.permalink is not None:
        excerpt = escape(form.excerpt or "")
        text = t("touchpoint.message", link=form.permalink, excerpt=excerpt)
        blocks.append(
            ContextBlock(
                block_id=TouchpointBlock.MESSAGE,
                elements=[MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT))],
            )
        )
    kinds = kind_options(t)
    initial_kind = next((o for o in kinds if form.kind is not None and o.value == form.kind.value), None)
    blocks.extend(
        [
            InputBlock(
                block_id=TouchpointBlock.ACCOUNT,
                label=PlainTextObject(text=t("picker.label")),
                element=ExternalDataSelectElement(
                    action_id=Action.ACCOUNT,
                    placeholder=PlainTextObject(text=t("picker.placeholder")),
                    initial_option=account_option(form.account) if form.account is not None else None,
                    min_query_length=0,
                ),
            ),
            InputBlock(
                block_id=TouchpointBlock.KIND,
                label=PlainTextObject(text=t("touchpoint.kind.label")),
                element=StaticSelectElement(
                    action_id=Action.TOUCHPOINT_KIND,
                    placeholder=PlainTextObject(text=t("touchpoint.kind.placeholder")),
                    options=kinds,
                    initial_option=initial_kind,
                ),
            ),
            InputBlock(
                block_id=TouchpointBlock.DATE,
                label=PlainTextObject(text=t("touchpoint.date.label")),
                element=DatePickerElement(
                    action_id=Action.TOUCHPOINT_DATE, initial_date=form.day.isoformat()
                ),
            ),
            InputBlock(
                block_id=TouchpointBlock.FIT,
                label=PlainTextObject(text=t("touchpoint.fit.label")),
                element=RadioButtonsElement(action_id=Action.TOUCHPOINT_FIT, options=fit_options(t)),
                optional=True,
            ),
            InputBlock(
                block_id=TouchpointBlock.EFFORT,
                label=PlainTextObject(text=t("touchpoint.effort.label")),
                element=PlainTextInputElement(
                    action_id=Action.TOUCHPOINT_EFFORT, placeholder=PlainTextObject(text="30")
                ),
                optional=True,
            ),
            InputBlock(
                block_id=TouchpointBlock.NOTE,
                label=PlainTextObject(text=t("assess.note.label")),
                element=PlainTextInputElement(action_id=Action.NOTE, multiline=True),
                optional=True,
            ),
        ]
    )
    return View(
        type="modal",
        callback_id=Callback.TOUCHPOINT,
        title=PlainTextObject(text=truncate(t("touchpoint.title"), TITLE_LIMIT)),
        submit=PlainTextObject(text=t("assess.submit")),
        close=PlainTextObject(text=t("modal.cancel")),
        blocks=blocks,
        private_metadata=private_metadata,
    )


def touchpoint_saved(t: Translate, scale: GradeScale, outcome: TouchpointOutcome, rule: RuleLabel) -> Message:
    lines = score_lines(
        t, scale, outcome.score.result, grade_before=outcome.grade_before, had_score=outcome.had_score
    )
    lines.extend(cta_lines(t, outcome.ctas, rule))
    title = t("touchpoint.saved.title", account=escape(outcome.account.name))
    return Message(
        text=t("touchpoint.saved.text", account=outcome.account.name),
        blocks=[
            SectionBlock(block_id=TouchpointBlock.SAVED, text=MarkdownTextObject(text=title)),
            SectionBlock(
                block_id=TouchpointBlock.SAVED_DETAIL, text=MarkdownTextObject(text="\n".join(lines))
            ),
        ],
    )
