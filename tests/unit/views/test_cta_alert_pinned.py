"""The CTA alert in the team channel, pinned: the message for fixed data, exactly as Slack gets it, in
Japanese and English, and how it reads as the CTA moves (taken, snoozed, closed) and in its thread.

Every payload goes through ``slack_sdk.models`` (``to_dict()`` validates Slack's limits) and must come
back unchanged; a change to the alert shows here as a diff to review.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.i18n import Translator
from handlers.ids import CtaBlock, CtaButton
from handlers.views.cta import alert_message, event_reply
from scoring.rules import RuleReason
from storage.enums import CtaEventKind, CtaStatus
from tests.unit.views.cta_data import (
    CLOSED_AT,
    REACTIONS,
    alert_data,
    assert_valid_blocks,
    plain,
)
from tests.unit.views.surface_data import EN, JA, scale

EXPECTED_ALERT_JA: Any = {
    "text": "CTA #7 [高] 株式会社カミナシ: PL の退任",
    "blocks": [
        {
            "block_id": "cta_header",
            "text": {"text": "🔴 株式会社カミナシ: PL の退任", "type": "plain_text"},
            "type": "header",
        },
        {
            "block_id": "cta_fields",
            "fields": [
                {"text": "*顧客*\n株式会社カミナシ", "type": "mrkdwn"},
                {"text": "*優先度*\n🔴 高", "type": "mrkdwn"},
                {"text": "*期限*\n2026/11/26", "type": "mrkdwn"},
                {"text": "*担当者*\n<@U0SATO>", "type": "mrkdwn"},
                {"text": "*状態*\n未着手", "type": "mrkdwn"},
            ],
            "type": "section",
        },
        {
            "block_id": "cta_grades",
            "elements": [
                {
                    "text": "評価: 総合 🟡 C 注意 ・ 薪 🟠 D 要対応 ・ 種火 🟢 B 順調 ・ 送風 ⚪ 未評価 ・ 焚き火 🟡 C 注意",  # noqa: E501
                    "type": "mrkdwn",
                }
            ],
            "type": "context",
        },
        {
            "block_id": "cta_reasons",
            "text": {
                "text": "*発動した理由*\n• PL が 11/17 に退任・異動\n• 最終接点から 45 日 (10/09、基準 30 日)",  # noqa: E501
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "cta_playbook",
            "text": {
                "text": "*プレイブック*\n☐ 後任の PL を確認する\n☐ PO と面談を設定する",
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "cta_actions",
            "elements": [
                {
                    "action_id": "cta_take",
                    "style": "primary",
                    "text": {"emoji": True, "text": "担当する", "type": "plain_text"},
                    "type": "button",
                    "value": "7",
                },
                {
                    "action_id": "cta_snooze",
                    "text": {"emoji": True, "text": "スヌーズ", "type": "plain_text"},
                    "type": "button",
                    "value": "7",
                },
                {
                    "action_id": "cta_done",
                    "text": {"emoji": True, "text": "完了", "type": "plain_text"},
                    "type": "button",
                    "value": "7",
                },
                {
                    "action_id": "cta_dismiss",
                    "style": "danger",
                    "text": {"emoji": True, "text": "却下", "type": "plain_text"},
                    "type": "button",
                    "value": "7",
                },
            ],
            "type": "actions",
        },
        {
            "block_id": "cta_hint",
            "elements": [
                {
                    "text": "CTA #7 ・ リアクションでも操作できます: :eyes: 担当する ・ :white_check_mark: 完了 ・ :zzz: 7 "  # noqa: E501
                    "日スヌーズ",
                    "type": "mrkdwn",
                }
            ],
            "type": "context",
        },
    ],
    "channel": "C0CSSMB",
}

EXPECTED_ALERT_EN: Any = {
    "text": "CTA #7 [high] 株式会社カミナシ: PL left",
    "blocks": [
        {
            "block_id": "cta_header",
            "text": {"text": "🔴 株式会社カミナシ: PL left", "type": "plain_text"},
            "type": "header",
        },
        {
            "block_id": "cta_fields",
            "fields": [
                {"text": "*Account*\n株式会社カミナシ", "type": "mrkdwn"},
                {"text": "*Priority*\n🔴 high", "type": "mrkdwn"},
                {"text": "*Due*\n2026-11-26", "type": "mrkdwn"},
                {"text": "*Owner*\n<@U0SATO>", "type": "mrkdwn"},
                {"text": "*Status*\nOpen", "type": "mrkdwn"},
            ],
            "type": "section",
        },
        {
            "block_id": "cta_grades",
            "elements": [
                {
                    "text": "Grades: Overall 🟡 C Watch · Firewood 🟠 D Needs action · Ember 🟢 B On "
                    "track · Wind ⚪ Not rated · Fire 🟡 C Watch",
                    "type": "mrkdwn",
                }
            ],
            "type": "context",
        },
        {
            "block_id": "cta_reasons",
            "text": {
                "text": "*Why it fired*\n"
                "• The PL left on 11/17\n"
                "• 45 days since the last touchpoint (10/09; limit 30 days)",
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "cta_playbook",
            "text": {
                "text": "*Playbook*\n☐ Find out who replaces the PL\n☐ Book a meeting with the PO",
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "cta_actions",
            "elements": [
                {
                    "action_id": "cta_take",
                    "style": "primary",
                    "text": {"emoji": True, "text": "Take it", "type": "plain_text"},
                    "type": "button",
                    "value": "7",
                },
                {
                    "action_id": "cta_snooze",
                    "text": {"emoji": True, "text": "Snooze", "type": "plain_text"},
                    "type": "button",
                    "value": "7",
                },
                {
                    "action_id": "cta_done",
                    "text": {"emoji": True, "text": "Done", "type": "plain_text"},
                    "type": "button",
                    "value": "7",
                },
                {
                    "action_id": "cta_dismiss",
                    "style": "danger",
                    "text": {"emoji": True, "text": "Dismiss", "type": "plain_text"},
                    "type": "button",
                    "value": "7",
                },
            ],
            "type": "actions",
        },
        {
            "block_id": "cta_hint",
            "elements": [
                {
                    "text": "CTA #7 · React to act: :eyes: take · :white_check_mark: done · :zzz: "
                    "snooze 7 days",
                    "type": "mrkdwn",
                }
            ],
            "type": "context",
        },
    ],
    "channel": "C0CSSMB",
}


def render(t: Translator, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = plain(
        alert_message(t, scale(), alert_data(**changes), REACTIONS).payload("C0CSSMB")
    )
    assert_valid_blocks(payload["blocks"])
    return payload


def block(payload: dict[str, Any], block_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [b for b in payload["blocks"] if b.get("block_id") == block_id]
    assert len(found) == 1, [b.get("block_id") for b in payload["blocks"]]
    return found[0]


def block_ids(payload: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in payload["blocks"]]


@pytest.mark.parametrize(
    ("t", "expected"), [(JA, EXPECTED_ALERT_JA), (EN, EXPECTED_ALERT_EN)], ids=["ja", "en"]
)
def test_the_open_alert_is_pinned(t: Translator, expected: dict[str, Any]) -> None:
    assert render(t) == expected


def test_the_open_alert_offers_take_snooze_done_and_dismiss() -> None:
    actions = block(render(JA), CtaBlock.ACTIONS)
    assert [(e["action_id"], e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        (CtaButton.TAKE, "担当する", "7"),
        (CtaButton.SNOOZE, "スヌーズ", "7"),
        (CtaButton.DONE, "完了", "7"),
        (CtaButton.DISMISS, "却下", "7"),
    ]


def test_a_taken_alert_names_who_took_it_and_no_longer_offers_to_take_it() -> None:
    payload = render(JA, status=CtaStatus.IN_PROGRESS, taken_by="U0SUZUKI")

    assert "*状態*\n対応中 (<@U0SUZUKI>)" in [f["text"] for f in block(payload, CtaBlock.FIELDS)["fields"]]
    actions = block(payload, CtaBlock.ACTIONS)["elements"]
    assert [e["action_id"] for e in actions] == [CtaButton.SNOOZE, CtaButton.DONE, CtaButton.DISMISS]


@pytest.mark.parametrize(
    ("t", "status"),
    [(JA, "*状態*\n未着手 (12/01 までスヌーズ中)"), (EN, "*Status*\nOpen (snoozed until Dec 01)")],
)
def test_a_snoozed_alert_says_until_when_and_keeps_its_buttons(t: Translator, status: str) -> None:
    payload = render(t, snoozed_until=date(2026, 12, 1))

    assert status in [f["text"] for f in block(payload, CtaBlock.FIELDS)["fields"]]
    assert CtaBlock.ACTIONS in block_ids(payload)


@pytest.mark.parametrize(
    ("status", "ja"),
    [(CtaStatus.DONE, "完了"), (CtaStatus.DISMISSED, "却下")],
)
def test_a_closed_alert_has_no_buttons_and_says_who_closed_it_and_when(status: CtaStatus, ja: str) -> None:
    payload = render(JA, status=status, closed_at=CLOSED_AT, closed_by="U0SATO")

    assert CtaBlock.ACTIONS not in block_ids(payload)
    hint = block(payload, CtaBlock.HINT)["elements"][0]["text"]
    assert hint == f"CTA #7 ・ {ja} (2026/11/25) ・ <@U0SATO>"


def test_an_alert_closed_by_takibi_names_no_one() -> None:
    payload = render(EN, status=CtaStatus.AUTO_CLOSED, closed_at=CLOSED_AT, closed_by="system")

    assert CtaBlock.ACTIONS not in block_ids(payload)
    assert "<@" not in block(payload, CtaBlock.HINT)["elements"][0]["text"]


def test_an_alert_without_owner_grades_reasons_or_playbook_leaves_those_out() -> None:
    payload = render(JA, owner=None, grades={}, reasons=(), playbook=())

    assert block_ids(payload) == [CtaBlock.HEADER, CtaBlock.FIELDS, CtaBlock.ACTIONS, CtaBlock.HINT]
    assert "*担当者*\n(未設定)" in [f["text"] for f in block(payload, CtaBlock.FIELDS)["fields"]]


def test_long_names_and_many_reasons_still_make_valid_block_kit() -> None:
    many = tuple(RuleReason("rules.reason.role_left.pl", {"left_on": date(2026, 11, 17)}) for _ in range(200))
    payload = render(JA, account="株式会社" + "カミナシ" * 60, reasons=many)

    assert len(block(payload, CtaBlock.HEADER)["text"]["text"]) <= 150
    assert len(block(payload, CtaBlock.REASONS)["text"]["text"]) <= 3000


def test_mrkdwn_in_an_account_name_is_escaped() -> None:
    payload = render(JA, account="<!channel> & Co")

    fields = [f["text"] for f in block(payload, CtaBlock.FIELDS)["fields"]]
    assert "*顧客*\n&lt;!channel&gt; &amp; Co" in fields


@pytest.mark.parametrize(
    ("t", "kind", "detail", "expected"),
    [
        (JA, CtaEventKind.TAKEN, {}, ":eyes: <@U0SUZUKI> が担当しました。"),
        (EN, CtaEventKind.TAKEN, {}, ":eyes: <@U0SUZUKI> took this."),
        (
            JA,
            CtaEventKind.SNOOZED,
            {"until": date(2026, 12, 1), "reason": "holiday"},
            ":zzz: <@U0SUZUKI> が 12/01 までスヌーズしました。理由: 顧客が休暇中",
        ),
        (
            EN,
            CtaEventKind.SNOOZED,
            {"until": date(2026, 12, 1), "reason": "waiting"},
            ":zzz: <@U0SUZUKI> snoozed this until Dec 01. Reason: Waiting for their decision",
        ),
        (
            JA,
            CtaEventKind.SNOOZED,
            {"until": date(2026, 12, 1), "reason": "予算 <確定> 待ち"},
            ":zzz: <@U0SUZUKI> が 12/01 までスヌーズしました。理由: 予算 &lt;確定&gt; 待ち",
        ),
        (
            JA,
            CtaEventKind.SNOOZED,
            {"until": date(2026, 12, 1), "reason": None},
            ":zzz: <@U0SUZUKI> が 12/01 までスヌーズしました。",
        ),
        (
            JA,
            CtaEventKind.DONE,
            {"usefulness": "useful"},
            ":white_check_mark: <@U0SUZUKI> が完了にしました。",
        ),
        (
            EN,
            CtaEventKind.DISMISSED,
            {"reason": "handled elsewhere"},
            ":no_entry_sign: <@U0SUZUKI> dismissed this. Reason: handled elsewhere",
        ),
        (JA, CtaEventKind.FEEDBACK, {"usefulness": "too_early"}, ":memo: <@U0SUZUKI> の評価: 早すぎた"),
    ],
)
def test_each_change_reads_as_one_line_in_the_thread(
    t: Translator, kind: CtaEventKind, detail: dict[str, Any], expected: str
) -> None:
    assert event_reply(t, 7, kind, "U0SUZUKI", detail) == expected
