"""The weekly digest message: the numbers a CS manager takes to the management meeting (principle 9).

Layout: header (the week), the team and its size; three headline figures (coverage, CTA completion
against target, MRR at risk) and the CTA counts; grade distribution with the change since last week;
MRR by grade; the biggest movers with the reasons behind the move; coverage per CSM; the leading /
coincident / lagging numbers side by side. The chart follows as its own post.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from handlers.context import Translate
from handlers.views import Message
from handlers.views.common import (
    HEADER_LIMIT,
    SECTION_TEXT_LIMIT,
    escape,
    grade_badge,
    money,
    reason_text,
    truncate,
)
from scoring.digest import Digest, Mover, OwnerCoverage
from scoring.grades import GradeScale

FIELD_TEXT_LIMIT = 2000
FALLBACK_LIMIT = 3000
MAX_OWNERS = 20
UP, DOWN = "⬆️", "⬇️"


class DigestBlock(StrEnum):
    """Block ids of the digest (kept here while ``handlers/ids.py`` is being edited by others; move
    them there with the other surfaces' ids)."""

    HEADER = "digest_header"
    SUMMARY = "digest_summary"
    HEADLINE = "digest_headline"
    GRADES = "digest_grades"
    MOVERS = "digest_movers"
    OWNERS = "digest_owners"
    NUMBERS = "digest_numbers"
    FOOTER = "digest_footer"


def percent(value: float | None, t: Translate) -> str:
    return t("digest.na") if value is None else f"{value:.0%}"


def signed(value: float, t: Translate, *, digits: int = 0) -> str:
    if round(value, digits) == 0:
        return t("digest.no_change")
    return f"{value:+.{digits}f}"


def _change(now: float | None, before: float | None, t: Translate) -> str:
    if now is None or before is None:
        return t("digest.na")
    return signed(now - before, t, digits=1)


def _number(value: float | None, t: Translate) -> str:
    return t("digest.na") if value is None else f"{value:.1f}"


def _section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT)))


def _fields(block_id: str, texts: Iterable[str]) -> SectionBlock:
    return SectionBlock(
        block_id=block_id, fields=[MarkdownTextObject(text=truncate(x, FIELD_TEXT_LIMIT)) for x in texts]
    )


def _completion(t: Translate, digest: Digest) -> str:
    rate = digest.ctas.completion_rate
    if rate is None:
        return t("digest.completion.none", target=digest.completion_target)
    mark = t("digest.mark.on_target" if digest.on_target else "digest.mark.below_target")
    return t("digest.completion", rate=percent(rate, t), target=digest.completion_target, mark=mark)


def _mover(t: Translate, scale: GradeScale, mover: Mover) -> str:
    line = t(
        "digest.movers.line",
        arrow=UP if mover.up else DOWN,
        name=escape(mover.name),
        before=grade_badge(t, scale, mover.grade_before),
        after=grade_badge(t, scale, mover.grade_now),
        change=mover.score_change,
        owner=t("digest.movers.owner", owner=mover.owner) if mover.owner else "",
    )
    if not mover.reasons:
        return line
    reasons = " | ".join(escape(reason_text(t, r)) for r in mover.reasons)
    return f"{line}\n{t('digest.movers.reasons', reasons=reasons)}"


def _owner(t: Translate, row: OwnerCoverage) -> str:
    return t(
        "digest.owners.line",
        owner=f"<@{row.owner}>" if row.owner else t("digest.owners.none"),
        covered=row.coverage.covered,
        total=row.coverage.total,
        rate=percent(row.coverage.rate, t),
    )


def digest_message(
    t: Translate,
    scale: GradeScale,
    digest: Digest,
    *,
    team: str,
    coverage_days: int,
    at_risk_days: int,
    at_risk_grade: int,
    chart: bool,
    currency: str = "JPY",
) -> Message:
    """The digest of one team for one week."""
    week = digest.week

    def yen(amount: Decimal) -> str:
        return money(amount, currency)

    coverage = t(
        "digest.coverage",
        days=coverage_days,
        covered=digest.coverage.covered,
        total=digest.coverage.total,
        rate=percent(digest.coverage.rate, t),
    )
    risk = digest.at_risk
    at_risk = t(
        "digest.at_risk",
        days=at_risk_days,
        grade=grade_badge(t, scale, at_risk_grade),
        mrr=yen(risk.mrr),
        accounts=risk.accounts,
        share=percent(risk.share, t),
    )
    ctas = t("digest.ctas", opened=digest.ctas.opened, closed=digest.ctas.closed, overdue=digest.ctas.overdue)
    grades = "\n".join(
        t("digest.grades.line", badge=grade_badge(t, scale, g.grade), now=g.now, change=signed(g.change, t))
        for g in digest.grades
    )
    mrr = "\n".join(
        t("digest.mrr.line", badge=grade_badge(t, scale, m.grade), mrr=yen(m.mrr), accounts=m.accounts)
        for m in digest.mrr_by_grade
        if m.accounts
    )
    lead, coin, lag = digest.leading, digest.coincident, digest.lagging
    blocks: list[Block] = [
        HeaderBlock(
            block_id=DigestBlock.HEADER,
            text=PlainTextObject(
                text=truncate(t("digest.header", start=week.start, end=week.end), HEADER_LIMIT)
            ),
        ),
        ContextBlock(
            block_id=DigestBlock.SUMMARY,
            elements=[
                MarkdownTextObject(text=t("digest.summary", team=escape(team), accounts=digest.accounts))
            ],
        ),
        _fields(DigestBlock.HEADLINE, (coverage, _completion(t, digest), at_risk, ctas)),
        DividerBlock(),
        _fields(
            DigestBlock.GRADES,
            (f"{t('digest.grades.title')}\n{grades}", f"{t('digest.mrr.title')}\n{mrr or t('digest.na')}"),
        ),
    ]
    if digest.movers:
        lines = "\n".join(_mover(t, scale, m) for m in digest.movers)
        blocks.append(_section(DigestBlock.MOVERS, f"{t('digest.movers.title')}\n{lines}"))
    else:
        blocks.append(_section(DigestBlock.MOVERS, t("digest.movers.none")))
    if digest.coverage_by_owner:
        owners = "\n".join(_owner(t, o) for o in digest.coverage_by_owner[:MAX_OWNERS])
        blocks.append(_section(DigestBlock.OWNERS, f"{t('digest.owners.title')}\n{owners}"))
    blocks.append(DividerBlock())
    blocks.append(
        _fields(
            DigestBlock.NUMBERS,
            (
                t(
                    "digest.numbers.leading",
                    score=_number(lead.score_now, t),
                    score_change=_change(lead.score_now, lead.score_before, t),
                    fire=_number(lead.fire_now, t),
                    fire_change=_change(lead.fire_now, lead.fire_before, t),
                ),
                t(
                    "digest.numbers.coincident",
                    touchpoints=coin.touchpoints,
                    touchpoints_change=signed(coin.touchpoints - coin.touchpoints_before, t),
                    completion=percent(coin.completion_rate, t),
                ),
                t(
                    "digest.numbers.lagging",
                    renewals=lag.renewals_due,
                    renewals_mrr=yen(lag.renewals_due_mrr),
                    churned=lag.churned,
                    churned_mrr=yen(lag.churned_mrr),
                    ahead=lag.renewals_ahead,
                    ahead_mrr=yen(lag.renewals_ahead_mrr),
                ),
            ),
        )
    )
    blocks.append(
        ContextBlock(
            block_id=DigestBlock.FOOTER,
            elements=[MarkdownTextObject(text=t("digest.footer" if chart else "digest.footer.no_chart"))],
        )
    )
    fallback = t(
        "digest.fallback",
        start=week.start,
        end=week.end,
        team=team,
        coverage=percent(digest.coverage.rate, t),
        completion=percent(digest.ctas.completion_rate, t),
        at_risk=yen(risk.mrr),
    )
    return Message(text=truncate(fallback, FALLBACK_LIMIT), blocks=blocks)
