"""The CTA surface: the alert posted in the team channel, its thread replies, and the three modals
(snooze, done, dismiss). Pure builders: plain data in, ``slack_sdk.models`` out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from handlers.context import Translate
from handlers.ids import CtaBlock, CtaButton, CtaCallback, CtaInput
from handlers.views.common import (
    HEADER_LIMIT,
    SECTION_TEXT_LIMIT,
    TITLE_LIMIT,
    escape,
    grade_badge,
    truncate,
)
from scoring.grades import GradeScale
from scoring.model import Text
from scoring.rules import RuleReason
from storage.enums import OPEN_CTA_STATUSES, CtaEventKind, CtaPriority, CtaStatus, CtaUsefulness

PRIORITY_EMOJI: Mapping[CtaPriority, str] = {
    CtaPriority.HIGH: "🔴",
    CtaPriority.MEDIUM: "🟠",
    CtaPriority.LOW: "🔵",
}
GRADE_ELEMENTS = ("overall", "firewood", "ember", "wind", "fire")
SNOOZE_DAYS = (1, 3, 7)
SNOOZE_REASONS = ("holiday", "waiting", "other")
TEXT_LIMIT = 3000
NOTE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Reactions:
    take: str
    done: str
    snooze: str
    snooze_days: int


@dataclass(frozen=True, slots=True)
class AlertData:
    """What the alert shows about one CTA, read from the database by the notifier."""

    cta_id: int
    status: CtaStatus
    priority: CtaPriority
    account: str
    title: Text
    reasons: Sequence[RuleReason]
    playbook: Sequence[Text]
    due_on: date
    owner: str | None
    grades: Mapping[str, int | None] = field(default_factory=dict)
    taken_by: str | None = None
    snoozed_until: date | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """``text`` (the notification fallback) and the blocks, ready for ``chat.postMessage``/``update``."""

    text: str
    blocks: Sequence[Block]

    def payload(self, channel: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"text": self.text, "blocks": [b.to_dict() for b in self.blocks]}
        if channel is not None:
            body["channel"] = channel
        return body


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT))


def rule_reason_text(t: Translate, reason: RuleReason) -> str:
    """A reason a rule fired, in the reader's language (an unknown key shows as itself)."""
    try:
        return t(reason.key, **dict(reason.params))
    except (KeyError, ValueError, TypeError, IndexError):
        return reason.key


def _status_text(t: Translate, data: AlertData) -> str:
    status = t(f"rules.status.{data.status.value}")
    if data.snoozed_until is not None and data.status in OPEN_CTA_STATUSES:
        return t("cta.alert.snoozed", status=status, until=data.snoozed_until)
    if data.status is CtaStatus.IN_PROGRESS and data.taken_by:
        return t("cta.alert.taken", status=status, user=data.taken_by)
    return status


def alert_message(t: Translate, scale: GradeScale, data: AlertData, reactions: Reactions) -> AlertMessage:
    """The alert: priority and rule as the header; account, priority, due date, owner and status; the
    grades; the reasons that fired it; the playbook as a checklist; the buttons while it is open."""
    title = data.title.localized(t.locale)
    priority = t(f"rules.priority.{data.priority.value}")
    account = escape(data.account)
    owner = t("cta.alert.owner", owner=f"<@{data.owner}>") if data.owner else t("cta.alert.owner_none")
    blocks: list[Block] = [
        HeaderBlock(
            block_id=CtaBlock.HEADER,
            text=PlainTextObject(
                text=truncate(
                    t(
                        "cta.alert.header",
                        emoji=PRIORITY_EMOJI[data.priority],
                        title=f"{data.account}: {title}",
                    ),
                    HEADER_LIMIT,
                )
            ),
        ),
        SectionBlock(
            block_id=CtaBlock.FIELDS,
            fields=[
                _mrkdwn(t("cta.alert.account", account=account)),
                _mrkdwn(t("cta.alert.priority", priority=f"{PRIORITY_EMOJI[data.priority]} {priority}")),
                _mrkdwn(t("cta.alert.due", due=data.due_on)),
                _mrkdwn(owner),
                _mrkdwn(t("cta.alert.status", status=_status_text(t, data))),
            ],
        ),
    ]
    if data.grades:
        grades = t("cta.alert.grade_separator").join(
            t(
                "cta.alert.grade",
                element=t(f"cta.element.{name}"),
                badge=grade_badge(t, scale, data.grades[name]),
            )
            for name in GRADE_ELEMENTS
            if name in data.grades
        )
        blocks.append(
            ContextBlock(block_id=CtaBlock.GRADES, elements=[_mrkdwn(t("cta.alert.grades", grades=grades))])
        )
    if data.reasons:
        lines = "\n".join(f"• {escape(rule_reason_text(t, r))}" for r in data.reasons)
        blocks.append(
            SectionBlock(block_id=CtaBlock.REASONS, text=_mrkdwn(t("cta.alert.reasons", reasons=lines)))
        )
    if data.playbook:
        steps = "\n".join(t("cta.alert.step", step=escape(s.localized(t.locale))) for s in data.playbook)
        blocks.append(
            SectionBlock(block_id=CtaBlock.PLAYBOOK, text=_mrkdwn(t("cta.alert.playbook", steps=steps)))
        )
    if data.status in OPEN_CTA_STATUSES:
        blocks.append(_buttons(t, data))
        hint = t(
            "cta.alert.hint",
            cta_id=data.cta_id,
            take=reactions.take,
            done=reactions.done,
            snooze=reactions.snooze,
            days=reactions.snooze_days,
        )
    elif data.closed_by and data.closed_by != "system":
        status = t(f"rules.status.{data.status.value}")
        hint = t(
            "cta.alert.closed", cta_id=data.cta_id, status=status, at=data.closed_at, user=data.closed_by
        )
    else:
        status = t(f"rules.status.{data.status.value}")
        hint = t("cta.alert.closed_system", cta_id=data.cta_id, status=status, at=data.closed_at)
    blocks.append(ContextBlock(block_id=CtaBlock.HINT, elements=[_mrkdwn(hint)]))
    text = t("cta.alert.fallback", cta_id=data.cta_id, priority=priority, account=data.account, title=title)
    return AlertMessage(text=truncate(text, TEXT_LIMIT), blocks=blocks)


def _buttons(t: Translate, data: AlertData) -> ActionsBlock:
    value = str(data.cta_id)
    elements: list[ButtonElement] = []
    if data.status is CtaStatus.OPEN:
        elements.append(
            ButtonElement(text=t("cta.button.take"), action_id=CtaButton.TAKE, value=value, style="primary")
        )
    elements += [
        ButtonElement(text=t("cta.button.snooze"), action_id=CtaButton.SNOOZE, value=value),
        ButtonElement(text=t("cta.button.done"), action_id=CtaButton.DONE, value=value),
        ButtonElement(text=t("cta.button.dismiss"), action_id=CtaButton.DISMISS, value=value, style="danger"),
    ]
    return ActionsBlock(block_id=CtaBlock.ACTIONS, elements=elements)


# --- thread replies ------------------------------------------------------------------------------


def snooze_reason_text(t: Translate, reason: str | None) -> str | None:
    """A stored snooze reason: a known code (``holiday``, ``waiting``) in the reader's language, or the
    free text someone wrote."""
    if reason is None:
        return None
    if reason in SNOOZE_REASONS:
        return t(f"cta.snooze_reason.{reason}")
    return escape(reason)


def event_reply(t: Translate, cta_id: int, kind: CtaEventKind, actor: str, detail: Mapping[str, Any]) -> str:
    """One line in the alert's thread for one transition (``detail`` as the event stored it, decoded)."""
    if kind is CtaEventKind.SNOOZED:
        reason = snooze_reason_text(t, detail.get("reason"))
        if reason:
            return t("cta.event.snoozed", actor=actor, until=detail["until"], reason=reason)
        return t("cta.event.snoozed_no_reason", actor=actor, until=detail["until"])
    if kind is CtaEventKind.DISMISSED:
        return t("cta.event.dismissed", actor=actor, reason=escape(str(detail.get("reason", ""))))
    if kind is CtaEventKind.EXPIRED:
        return t("cta.event.expired", days=detail.get("days_overdue", 0))
    if kind is CtaEventKind.OVERDUE:
        return t("cta.event.overdue", due=detail["due_on"])
    if kind is CtaEventKind.ESCALATED:
        return t("cta.event.escalated", lead=detail.get("lead", ""), hours=detail.get("hours", 0))
    if kind is CtaEventKind.FEEDBACK:
        usefulness = t(f"cta.usefulness.{detail['usefulness']}")
        return t("cta.event.feedback", actor=actor, usefulness=usefulness)
    if kind in (CtaEventKind.TAKEN, CtaEventKind.WOKE, CtaEventKind.DONE, CtaEventKind.AUTO_CLOSED):
        return t(f"cta.event.{kind.value}", actor=actor)
    return t("cta.event.other", cta_id=cta_id, kind=kind.value)


# --- modals --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModalContext:
    """What a CTA modal carries in ``private_metadata``: the CTA, where the alert is, the reader's
    language (``handlers.metadata.locale_hint`` reads ``locale``)."""

    cta_id: int
    locale: str
    channel_id: str | None = None

    def encode(self) -> str:
        return json.dumps(
            {"cta_id": self.cta_id, "locale": self.locale, "channel_id": self.channel_id},
            separators=(",", ":"),
        )


@dataclass(frozen=True, slots=True)
class ModalSubject:
    account: str
    title: Text


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=truncate(text, 75)), value=value)


def _intro(t: Translate, key: str, subject: ModalSubject) -> SectionBlock:
    text = t(key, account=escape(subject.account), title=escape(subject.title.localized(t.locale)))
    return SectionBlock(block_id=CtaBlock.SUMMARY, text=_mrkdwn(text))


def _usefulness(t: Translate) -> InputBlock:
    return InputBlock(
        block_id=CtaBlock.USEFULNESS,
        label=PlainTextObject(text=t("cta.modal.usefulness")),
        optional=True,
        element=RadioButtonsElement(
            action_id=CtaInput.USEFULNESS,
            options=[_option(t(f"cta.usefulness.{u.value}"), u.value) for u in CtaUsefulness],
        ),
    )


def _modal(
    t: Translate, callback: CtaCallback, kind: str, context: ModalContext, blocks: list[Block]
) -> View:
    return View(
        type="modal",
        callback_id=callback,
        title=PlainTextObject(text=truncate(t(f"cta.modal.{kind}.title"), TITLE_LIMIT)),
        submit=PlainTextObject(text=truncate(t(f"cta.modal.{kind}.submit"), TITLE_LIMIT)),
        close=PlainTextObject(text=t("cta.modal.cancel")),
        private_metadata=context.encode(),
        blocks=blocks,
    )


def snooze_modal(t: Translate, subject: ModalSubject, context: ModalContext) -> View:
    """How long (1 / 3 / 7 days, 7 chosen) and why (holiday, waiting for their decision, other + text)."""
    days = [_option(t("cta.modal.snooze.days_option", days=d), str(d)) for d in SNOOZE_DAYS]
    reasons = [_option(t(f"cta.snooze_reason.{r}"), r) for r in SNOOZE_REASONS]
    return _modal(
        t,
        CtaCallback.SNOOZE,
        "snooze",
        context,
        [
            _intro(t, "cta.modal.snooze.intro", subject),
            InputBlock(
                block_id=CtaBlock.SNOOZE_DAYS,
                label=PlainTextObject(text=t("cta.modal.snooze.days")),
                element=RadioButtonsElement(action_id=CtaInput.DAYS, options=days, initial_option=days[-1]),
            ),
            InputBlock(
                block_id=CtaBlock.SNOOZE_REASON,
                label=PlainTextObject(text=t("cta.modal.snooze.reason")),
                element=RadioButtonsElement(action_id=CtaInput.REASON, options=reasons),
            ),
            InputBlock(
                block_id=CtaBlock.SNOOZE_NOTE,
                label=PlainTextObject(text=t("cta.modal.snooze.note")),
                optional=True,
                element=PlainTextInputElement(
                    action_id=CtaInput.NOTE,
                    placeholder=PlainTextObject(text=t("cta.modal.snooze.note_placeholder")),
                    max_length=NOTE_LIMIT,
                ),
            ),
        ],
    )


def done_modal(t: Translate, subject: ModalSubject, context: ModalContext) -> View:
    """One optional question: was this alert useful?"""
    return _modal(
        t, CtaCallback.DONE, "done", context, [_intro(t, "cta.modal.done.intro", subject), _usefulness(t)]
    )


def dismiss_modal(t: Translate, subject: ModalSubject, context: ModalContext) -> View:
    """Why (required), and was this alert useful (optional)."""
    return _modal(
        t,
        CtaCallback.DISMISS,
        "dismiss",
        context,
        [
            _intro(t, "cta.modal.dismiss.intro", subject),
            InputBlock(
                block_id=CtaBlock.DISMISS_REASON,
                label=PlainTextObject(text=t("cta.modal.dismiss.reason")),
                element=PlainTextInputElement(
                    action_id=CtaInput.REASON,
                    multiline=True,
                    max_length=NOTE_LIMIT,
                    placeholder=PlainTextObject(text=t("cta.modal.dismiss.reason_placeholder")),
                ),
            ),
            _usefulness(t),
        ],
    )
