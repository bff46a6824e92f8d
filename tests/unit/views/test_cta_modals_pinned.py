"""The CTA modals, pinned: snooze (how long, why), done (was it useful) and dismiss (why, was it
useful), exactly as ``views.open`` sends them, in Japanese and English, each accepted unchanged by
``slack_sdk.models.views.View``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.i18n import Translator
from handlers.views.cta import ModalContext, ModalSubject, dismiss_modal, done_modal, snooze_modal
from tests.unit.views.cta_data import SUBJECT, assert_valid_view, modal_context, plain
from tests.unit.views.surface_data import EN, JA

Builder = Callable[[Translator, ModalSubject, ModalContext], View]

EXPECTED_SNOOZE_JA: Any = {
    "blocks": [
        {
            "block_id": "cta_summary",
            "text": {
                "text": "*株式会社カミナシ*: PL の退任\nスヌーズ中はこのルールが再発動しません。",
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "cta_snooze_days",
            "element": {
                "action_id": "days",
                "initial_option": {"text": {"text": "7 日", "type": "plain_text"}, "value": "7"},
                "options": [
                    {"text": {"text": "1 日", "type": "plain_text"}, "value": "1"},
                    {"text": {"text": "3 日", "type": "plain_text"}, "value": "3"},
                    {"text": {"text": "7 日", "type": "plain_text"}, "value": "7"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "期間", "type": "plain_text"},
            "type": "input",
        },
        {
            "block_id": "cta_snooze_reason",
            "element": {
                "action_id": "reason",
                "options": [
                    {"text": {"text": "顧客が休暇中", "type": "plain_text"}, "value": "holiday"},
                    {"text": {"text": "顧客の判断待ち", "type": "plain_text"}, "value": "waiting"},
                    {"text": {"text": "その他", "type": "plain_text"}, "value": "other"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "理由", "type": "plain_text"},
            "type": "input",
        },
        {
            "block_id": "cta_snooze_note",
            "element": {
                "action_id": "note",
                "max_length": 500,
                "placeholder": {"text": "「その他」を選んだときに書いてください", "type": "plain_text"},
                "type": "plain_text_input",
            },
            "label": {"text": "その他の理由", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
    ],
    "callback_id": "cta_snooze",
    "close": {"text": "キャンセル", "type": "plain_text"},
    "private_metadata": '{"cta_id":7,"locale":"ja","channel_id":"C0CSSMB"}',
    "submit": {"text": "スヌーズする", "type": "plain_text"},
    "title": {"text": "スヌーズ", "type": "plain_text"},
    "type": "modal",
}

EXPECTED_SNOOZE_EN: Any = {
    "blocks": [
        {
            "block_id": "cta_summary",
            "text": {
                "text": "*株式会社カミナシ*: PL left\nWhile snoozed, this rule does not fire again.",
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "cta_snooze_days",
            "element": {
                "action_id": "days",
                "initial_option": {"text": {"text": "7 days", "type": "plain_text"}, "value": "7"},
                "options": [
                    {"text": {"text": "1 days", "type": "plain_text"}, "value": "1"},
                    {"text": {"text": "3 days", "type": "plain_text"}, "value": "3"},
                    {"text": {"text": "7 days", "type": "plain_text"}, "value": "7"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "For", "type": "plain_text"},
            "type": "input",
        },
        {
            "block_id": "cta_snooze_reason",
            "element": {
                "action_id": "reason",
                "options": [
                    {"text": {"text": "Customer on holiday", "type": "plain_text"}, "value": "holiday"},
                    {
                        "text": {"text": "Waiting for their decision", "type": "plain_text"},
                        "value": "waiting",
                    },
                    {"text": {"text": "Other", "type": "plain_text"}, "value": "other"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "Reason", "type": "plain_text"},
            "type": "input",
        },
        {
            "block_id": "cta_snooze_note",
            "element": {
                "action_id": "note",
                "max_length": 500,
                "placeholder": {"text": "Write it when you pick “Other”", "type": "plain_text"},
                "type": "plain_text_input",
            },
            "label": {"text": "Other reason", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
    ],
    "callback_id": "cta_snooze",
    "close": {"text": "Cancel", "type": "plain_text"},
    "private_metadata": '{"cta_id":7,"locale":"en","channel_id":"C0CSSMB"}',
    "submit": {"text": "Snooze", "type": "plain_text"},
    "title": {"text": "Snooze", "type": "plain_text"},
    "type": "modal",
}

EXPECTED_DONE_JA: Any = {
    "blocks": [
        {
            "block_id": "cta_summary",
            "text": {"text": "*株式会社カミナシ*: PL の退任\nおつかれさまでした。", "type": "mrkdwn"},
            "type": "section",
        },
        {
            "block_id": "cta_usefulness",
            "element": {
                "action_id": "usefulness",
                "options": [
                    {"text": {"text": "役に立った", "type": "plain_text"}, "value": "useful"},
                    {"text": {"text": "誤報", "type": "plain_text"}, "value": "false_alarm"},
                    {"text": {"text": "早すぎた", "type": "plain_text"}, "value": "too_early"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "このアラートは役に立ちましたか? (任意)", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
    ],
    "callback_id": "cta_done",
    "close": {"text": "キャンセル", "type": "plain_text"},
    "private_metadata": '{"cta_id":7,"locale":"ja","channel_id":"C0CSSMB"}',
    "submit": {"text": "完了にする", "type": "plain_text"},
    "title": {"text": "完了", "type": "plain_text"},
    "type": "modal",
}

EXPECTED_DONE_EN: Any = {
    "blocks": [
        {
            "block_id": "cta_summary",
            "text": {"text": "*株式会社カミナシ*: PL left\nWell done.", "type": "mrkdwn"},
            "type": "section",
        },
        {
            "block_id": "cta_usefulness",
            "element": {
                "action_id": "usefulness",
                "options": [
                    {"text": {"text": "Useful", "type": "plain_text"}, "value": "useful"},
                    {"text": {"text": "False alarm", "type": "plain_text"}, "value": "false_alarm"},
                    {"text": {"text": "Too early", "type": "plain_text"}, "value": "too_early"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "Was this alert useful? (optional)", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
    ],
    "callback_id": "cta_done",
    "close": {"text": "Cancel", "type": "plain_text"},
    "private_metadata": '{"cta_id":7,"locale":"en","channel_id":"C0CSSMB"}',
    "submit": {"text": "Mark done", "type": "plain_text"},
    "title": {"text": "Done", "type": "plain_text"},
    "type": "modal",
}

EXPECTED_DISMISS_JA: Any = {
    "blocks": [
        {
            "block_id": "cta_summary",
            "text": {"text": "*株式会社カミナシ*: PL の退任", "type": "mrkdwn"},
            "type": "section",
        },
        {
            "block_id": "cta_dismiss_reason",
            "element": {
                "action_id": "reason",
                "max_length": 500,
                "multiline": True,
                "placeholder": {"text": "例: すでに別の施策で対応済み", "type": "plain_text"},
                "type": "plain_text_input",
            },
            "label": {"text": "却下する理由", "type": "plain_text"},
            "type": "input",
        },
        {
            "block_id": "cta_usefulness",
            "element": {
                "action_id": "usefulness",
                "options": [
                    {"text": {"text": "役に立った", "type": "plain_text"}, "value": "useful"},
                    {"text": {"text": "誤報", "type": "plain_text"}, "value": "false_alarm"},
                    {"text": {"text": "早すぎた", "type": "plain_text"}, "value": "too_early"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "このアラートは役に立ちましたか? (任意)", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
    ],
    "callback_id": "cta_dismiss",
    "close": {"text": "キャンセル", "type": "plain_text"},
    "private_metadata": '{"cta_id":7,"locale":"ja","channel_id":"C0CSSMB"}',
    "submit": {"text": "却下する", "type": "plain_text"},
    "title": {"text": "却下", "type": "plain_text"},
    "type": "modal",
}

EXPECTED_DISMISS_EN: Any = {
    "blocks": [
        {
            "block_id": "cta_summary",
            "text": {"text": "*株式会社カミナシ*: PL left", "type": "mrkdwn"},
            "type": "section",
        },
        {
            "block_id": "cta_dismiss_reason",
            "element": {
                "action_id": "reason",
                "max_length": 500,
                "multiline": True,
                "placeholder": {"text": "e.g. already handled by another initiative", "type": "plain_text"},
                "type": "plain_text_input",
            },
            "label": {"text": "Why dismiss it", "type": "plain_text"},
            "type": "input",
        },
        {
            "block_id": "cta_usefulness",
            "element": {
                "action_id": "usefulness",
                "options": [
                    {"text": {"text": "Useful", "type": "plain_text"}, "value": "useful"},
                    {"text": {"text": "False alarm", "type": "plain_text"}, "value": "false_alarm"},
                    {"text": {"text": "Too early", "type": "plain_text"}, "value": "too_early"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "Was this alert useful? (optional)", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
    ],
    "callback_id": "cta_dismiss",
    "close": {"text": "Cancel", "type": "plain_text"},
    "private_metadata": '{"cta_id":7,"locale":"en","channel_id":"C0CSSMB"}',
    "submit": {"text": "Dismiss", "type": "plain_text"},
    "title": {"text": "Dismiss", "type": "plain_text"},
    "type": "modal",
}


@pytest.mark.parametrize(
    ("build", "t", "expected"),
    [
        (snooze_modal, JA, EXPECTED_SNOOZE_JA),
        (snooze_modal, EN, EXPECTED_SNOOZE_EN),
        (done_modal, JA, EXPECTED_DONE_JA),
        (done_modal, EN, EXPECTED_DONE_EN),
        (dismiss_modal, JA, EXPECTED_DISMISS_JA),
        (dismiss_modal, EN, EXPECTED_DISMISS_EN),
    ],
    ids=["snooze-ja", "snooze-en", "done-ja", "done-en", "dismiss-ja", "dismiss-en"],
)
def test_the_modal_is_pinned_and_valid(build: Builder, t: Translator, expected: dict[str, Any]) -> None:
    view = plain(build(t, SUBJECT, modal_context(t.locale)).to_dict())

    assert view == expected
    assert_valid_view(view)


def test_the_snooze_modal_offers_1_3_and_7_days_with_7_chosen() -> None:
    view = plain(snooze_modal(JA, SUBJECT, modal_context("ja")).to_dict())
    days = next(b for b in view["blocks"] if b["block_id"] == "cta_snooze_days")["element"]

    assert [o["value"] for o in days["options"]] == ["1", "3", "7"]
    assert days["initial_option"]["value"] == "7"


def test_closing_asks_whether_the_alert_was_useful_with_three_answers() -> None:
    for build in (done_modal, dismiss_modal):
        view = plain(build(JA, SUBJECT, modal_context("ja")).to_dict())
        question = next(b for b in view["blocks"] if b["block_id"] == "cta_usefulness")
        assert question["optional"] is True
        answers = [(o["value"], o["text"]["text"]) for o in question["element"]["options"]]
        assert answers == [("useful", "役に立った"), ("false_alarm", "誤報"), ("too_early", "早すぎた")]


def test_the_modal_carries_its_cta_channel_and_locale_in_private_metadata() -> None:
    view = dismiss_modal(EN, SUBJECT, ModalContext(cta_id=12, locale="en", channel_id=None)).to_dict()

    assert json.loads(view["private_metadata"]) == {"cta_id": 12, "locale": "en", "channel_id": None}


def test_a_long_account_name_still_makes_a_valid_modal() -> None:
    subject = ModalSubject(account="株式会社" + "カミナシ" * 900, title=SUBJECT.title)
    for build in (snooze_modal, done_modal, dismiss_modal):
        assert_valid_view(plain(build(JA, subject, modal_context("ja")).to_dict()))
