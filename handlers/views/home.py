"""App Home: my accounts (grade, trend, stale or not), my open CTAs, and the team's coverage."""

from __future__ import annotations

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
from slack_sdk.models.views import View

from handlers.context import Translate
from handlers.ids import Action, HomeBlock
from handlers.services.home import HomeData
from handlers.views.common import SECTION_TEXT_LIMIT, RuleLabel, truncate
from handlers.views.mine import MAX_LINES, account_line
from handlers.views.status import cta_line
from scoring.grades import GradeScale
from storage.repositories.surface import Coverage


def _section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT)))


def _list(t: Translate, lines: list[str]) -> str:
    shown = "\n".join(f"• {line}" for line in lines[:MAX_LINES])
    if len(lines) > MAX_LINES:
        shown += "\n" + t("list.more", count=len(lines) - MAX_LINES)
    return shown


def _coverage(t: Translate, key: str, coverage: Coverage) -> str:
    if coverage.share is None:
        return t(f"{key}.none")
    return t(key, assessed=coverage.assessed, accounts=coverage.accounts, share=coverage.share)


def home_view(t: Translate, scale: GradeScale, data: HomeData, rule: RuleLabel) -> View:
    stale = sum(1 for a in data.accounts if a.stale)
    blocks: list[Block] = [
        HeaderBlock(block_id=HomeBlock.HEADER, text=PlainTextObject(text=t("home.title"))),
        _section(HomeBlock.ACCOUNTS, f"*{t('home.accounts', count=len(data.accounts), stale=stale)}*")
        if data.accounts
        else _section(HomeBlock.ACCOUNTS_EMPTY, t("home.accounts.empty")),
    ]
    if data.accounts:
        ordered = sorted(data.accounts, key=lambda a: (a.health.grade or 0, a.name))
        lines = [account_line(t, scale, a, data.today, with_grade=True) for a in ordered]
        blocks.append(_section(HomeBlock.ACCOUNT_LIST, _list(t, lines)))
    blocks.append(
        ActionsBlock(
            block_id=HomeBlock.ACTIONS,
            elements=[
                ButtonElement(
                    action_id=Action.OPEN_ASSESS,
                    text=PlainTextObject(text=t("home.button.assess")),
                    value="",
                    style="primary",
                )
            ],
        )
    )
    blocks.append(DividerBlock())
    if data.ctas:
        lines = [cta_line(t, cta, rule, with_account=True) for cta in data.ctas]
        blocks.append(
            _section(HomeBlock.CTAS, f"*{t('home.ctas', count=len(data.ctas))}*\n{_list(t, lines)}")
        )
    else:
        blocks.append(_section(HomeBlock.CTAS_EMPTY, f"*{t('home.ctas', count=0)}*\n{t('ctas.empty')}"))
    blocks.append(DividerBlock())
    coverage = "\n".join(
        (
            f"*{t('home.coverage.title', days=data.max_age_days)}*",
            _coverage(t, "home.coverage.team", data.team),
            _coverage(t, "home.coverage.mine", data.mine),
        )
    )
    blocks.append(_section(HomeBlock.COVERAGE, coverage))
    blocks.append(
        ContextBlock(
            block_id=HomeBlock.UPDATED,
            elements=[MarkdownTextObject(text=t("home.updated", today=data.today))],
        )
    )
    return View(type="home", blocks=blocks)
