"""Plain data the CTA view tests render (an alert as the notifier reads it, a modal's subject and
context), and the check that a payload is Block Kit ``slack_sdk.models`` accepts as is."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from handlers.views.cta import AlertData, ModalContext, ModalSubject, Reactions
from scoring.model import Text
from scoring.rules import RuleReason
from storage.enums import CtaPriority, CtaStatus

TITLE = Text("PL の退任", "PL left")
REACTIONS = Reactions(take="eyes", done="white_check_mark", snooze="zzz", snooze_days=7)
SUBJECT = ModalSubject(account="株式会社カミナシ", title=TITLE)


def alert_data(**changes: Any) -> AlertData:
    """CTA #7 on 株式会社カミナシ (佐藤's): the PL left and nobody called for 45 days; open, high."""
    data = AlertData(
        cta_id=7,
        status=CtaStatus.OPEN,
        priority=CtaPriority.HIGH,
        account="株式会社カミナシ",
        title=TITLE,
        reasons=(
            RuleReason("rules.reason.role_left.pl", {"left_on": date(2026, 11, 17)}),
            RuleReason(
                "rules.reason.no_touchpoint", {"days": 45, "last": date(2026, 10, 9), "threshold": 30}
            ),
        ),
        playbook=(
            Text("後任の PL を確認する", "Find out who replaces the PL"),
            Text("PO と面談を設定する", "Book a meeting with the PO"),
        ),
        due_on=date(2026, 11, 26),
        owner="U0SATO",
        grades={"overall": 3, "firewood": 2, "ember": 4, "wind": None, "fire": 3},
    )
    return replace(data, **changes)


CLOSED_AT = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def modal_context(locale: str) -> ModalContext:
    return ModalContext(cta_id=7, locale=locale, channel_id="C0CSSMB")


def plain(value: Any) -> Any:
    """As it goes over the wire (enum members become their values)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    """``slack_sdk.models`` parses the blocks and renders them back unchanged (``to_dict`` validates
    Slack's limits: lengths, element counts, required fields)."""
    parsed = Block.parse_all(blocks)
    assert all(block is not None for block in parsed)
    assert plain([block.to_dict() for block in parsed]) == blocks


def assert_valid_view(view: dict[str, Any]) -> None:
    """A modal ``slack_sdk.models.views.View`` accepts and renders back unchanged."""
    assert plain(View(**view).to_dict()) == view
