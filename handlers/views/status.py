"""The status card (``/takibi status <account>``), the list to pick from when the name is ambiguous,
and the polite answer when nothing matches."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
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
from handlers.ids import Action, StatusBlock, scoped
from handlers.services.assess import AccountBrief
from handlers.services.home import CtaLine, StatusCard, TouchpointLine
from handlers.views import Message
from handlers.views.assess import ELEMENT_ICONS, renewal_label
from handlers.views.common import (
    BUTTON_TEXT_LIMIT,
    HEADER_LIMIT,
    SECTION_TEXT_LIMIT,
    RuleLabel,
    age_text,
    change_text,
    escape,
    grade_badge,
    money,
    reason_text,
    truncate,
)
from scoring.config import TakibiConfig
from scoring.grades import GradeScale
from storage.enums import CtaPriority

PRIORITY_EMOJI = {CtaPriority.HIGH: "🔴", CtaPriority.MEDIUM: "🟠", CtaPriority.LOW: "🟡"}
MAX_MATCH_BUTTONS = 10


def status_card(
    t: Translate, config: TakibiConfig, scale: GradeScale, card: StatusCard, rule: RuleLabel
) -> Message:
    scale_text = _grades(t, config, scale, card)
    account = card.account
    blocks: list[Block] = [
        HeaderBlock(
            block_id=StatusBlock.HEADER, text=PlainTextObject(text=truncate(account.name, HEADER_LIMIT))
        ),
        SectionBlock(block_id=StatusBlock.GRADES, fields=[MarkdownTextObject(text=f) for f in scale_text]),
    ]
    if card.reasons:
        lines = "\n".join(f"• {escape(reason_text(t, r))}" for r in card.reasons)
        blocks.append(_section(StatusBlock.REASONS, f"*{t('status.reasons')}*\n{lines}"))
    if card.unknowns:
        lines = "\n".join(f"• {escape(reason_text(t, r))}" for r in card.unknowns)
        blocks.append(
            ContextBlock(
                block_id=StatusBlock.UNKNOWNS,
                elements=[
                    MarkdownTextObject(text=truncate(f"{t('status.unknowns')}\n{lines}", SECTION_TEXT_LIMIT))
                ],
            )
        )
    blocks.append(DividerBlock())
    blocks.append(_section(StatusBlock.CTAS, _ctas(t, card.ctas, rule)))
    blocks.append(_section(StatusBlock.TOUCHPOINTS, _touchpoints(t, card)))
    blocks.append(_section(StatusBlock.PEOPLE, _people(t, card)))
    blocks.append(
        ContextBlock(block_id=StatusBlock.CONTRACT, elements=[MarkdownTextObject(text=_contract(t, card))])
    )
    blocks.append(
        ActionsBlock(
            block_id=StatusBlock.ACTIONS,
            elements=[
                ButtonElement(
                    action_id=Action.OPEN_ASSESS,
                    text=PlainTextObject(text=t("status.button.assess")),
                    value=str(account.id),
                    style="primary",
                ),
                ButtonElement(
                    action_id=Action.OPEN_TOUCHPOINT,
                    text=PlainTextObject(text=t("status.button.touchpoint")),
                    value=str(account.id),
                ),
            ],
        )
    )
    badge = grade_badge(t, scale, card.health.grade)
    return Message(text=t("status.text", account=account.name, grade=badge), blocks=blocks)


def _section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT)))


def _grades(t: Translate, config: TakibiConfig, scale: GradeScale, card: StatusCard) -> list[str]:
    health = card.health
    overall = f"*{t('status.overall')}*\n{grade_badge(t, scale, health.grade)}"
    if health.trend is not None:
        overall += f"  {change_text(t, health.trend.change_7d)}"
    confidence = f"{health.confidence:.0%}" if health.confidence is not None else t("status.never_scored")
    fields = [overall, f"*{t('status.confidence')}*\n{confidence}"]
    for element, grade in health.elements:
        label = config.elements.get(element).label.localized(t.locale)
        fields.append(f"*{ELEMENT_ICONS[element]} {label}*\n{grade_badge(t, scale, grade)}")
    return fields


def cta_line(t: Translate, cta: CtaLine, rule: RuleLabel, *, with_account: bool) -> str:
    due = t("status.cta.due", due=cta.due_on) if not cta.overdue else t("status.cta.overdue", due=cta.due_on)
    account = f" — {escape(cta.account_name)}" if with_account else ""
    return f"{PRIORITY_EMOJI[cta.priority]} *{escape(rule(cta.rule_id))}*{account} · {due}"


def _ctas(t: Translate, ctas: Sequence[CtaLine], rule: RuleLabel) -> str:
    if not ctas:
        return f"*{t('status.ctas')}*\n{t('status.ctas.none')}"
    lines = "\n".join(f"• {cta_line(t, cta, rule, with_account=False)}" for cta in ctas)
    return f"*{t('status.ctas')}*\n{lines}"


def _touchpoint(t: Translate, touchpoint: TouchpointLine) -> str:
    text = f"{touchpoint.day:%Y/%m/%d} {t(f'touchpoint.kind.{touchpoint.kind.value}')}"
    if touchpoint.fit is not None:
        text += f" · {t(f'touchpoint.fit.{touchpoint.fit.value}')}"
    if touchpoint.author_slack_id:
        text += f" · <@{touchpoint.author_slack_id}>"
    if touchpoint.permalink:
        text += f" · <{touchpoint.permalink}|{t('status.message_link')}>"
    return text


def _touchpoints(t: Translate, card: StatusCard) -> str:
    if not card.touchpoints:
        return f"*{t('status.touchpoints')}*\n{t('status.touchpoints.none')}"
    lines = "\n".join(f"• {_touchpoint(t, tp)}" for tp in card.touchpoints)
    return f"*{t('status.touchpoints')}*\n{lines}"


def _people(t: Translate, card: StatusCard) -> str:
    if not card.people:
        return f"*{t('status.people')}*\n{t('status.people.none')}"
    lines = "\n".join(f"• {t(f'role.{p.role.value}')}: {escape(p.name)}" for p in card.people)
    return f"*{t('status.people')}*\n{lines}"


def _contract(t: Translate, card: StatusCard) -> str:
    account = card.account
    parts = [
        escape(account.segment),
        t("status.owner", owner=f"<@{account.owner_slack_id}>")
        if account.owner_slack_id
        else t("account.no_owner"),
        t("status.mrr", mrr=money(account.mrr, account.currency)),
        t("status.renewal_date", date=account.renewal_date)
        if account.renewal_date
        else t("status.renewal_date.none"),
        t("status.forecast", forecast=renewal_label(t, account.renewal_forecast)),
    ]
    if card.last_assessed is None:
        parts.append(t("status.never_assessed"))
    else:
        key = "status.assessed_stale" if card.stale else "status.assessed"
        parts.append(t(key, age=age_text(t, card.last_assessed, card.today)))
    return " · ".join(parts)


def status_matches(t: Translate, query: str, matches: Sequence[AccountBrief]) -> Message:
    """Several accounts match: a button per account (its status card on click)."""
    shown = matches[:MAX_MATCH_BUTTONS]
    text = t("status.matches", query=escape(query), count=len(matches))
    return Message(
        text=text,
        blocks=[
            _section(StatusBlock.MATCHES, text),
            ActionsBlock(
                block_id=StatusBlock.ACTIONS,
                elements=[
                    ButtonElement(
                        action_id=scoped(Action.STATUS_PICK, account.id),
                        text=PlainTextObject(
                            text=truncate(f"{account.name} ({account.segment})", BUTTON_TEXT_LIMIT)
                        ),
                        value=str(account.id),
                    )
                    for account in shown
                ],
            ),
        ],
    )


def status_not_found(t: Translate, query: str) -> Message:
    text = t("status.not_found", query=escape(query)) if query else t("status.no_query")
    return Message(text=text, blocks=[_section(StatusBlock.NOT_FOUND, text)])
