"""The surfaces' Block Kit, pinned: each builder's output for fixed data, exactly as Slack gets it.

The payloads go through ``slack_sdk.models`` (``to_dict()`` validates Slack's limits); a change to any
of them shows here as a diff to review.
"""

from __future__ import annotations

import json
from typing import Any

from handlers.services.picker import AccountOption
from handlers.views.assess import assess_modal, assess_saved
from handlers.views.home import home_view
from handlers.views.picker import account_options
from handlers.views.status import status_card as status_card_view
from tests.unit.views.surface_data import (
    JA,
    assess_form,
    assess_outcome,
    config,
    home_data,
    rule,
    scale,
    status_card,
)


def plain(value: Any) -> Any:
    """As it goes over the wire (enum members become their values)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


EXPECTED_ASSESS_MODAL: Any = {
    "blocks": [
        {
            "block_id": "assess_account",
            "dispatch_action": True,
            "element": {
                "action_id": "account",
                "initial_option": {
                    "text": {"emoji": False, "text": "★ 株式会社カミナシ (SMB)", "type": "plain_text"},
                    "value": "42",
                },
                "min_query_length": 0,
                "placeholder": {"text": "顧客名・カナ・ID で検索", "type": "plain_text"},
                "type": "external_select",
            },
            "label": {"text": "顧客", "type": "plain_text"},
            "type": "input",
        },
        {
            "block_id": "assess_account_info",
            "elements": [{"text": "SMB · 担当 <@U0SATO>", "type": "mrkdwn"}],
            "type": "context",
        },
        {
            "block_id": "assess_element:firewood",
            "text": {"text": "🪵 薪", "type": "plain_text"},
            "type": "header",
        },
        {
            "block_id": "question:po_engagement:42",
            "element": {
                "action_id": "answer",
                "initial_option": {"text": {"text": "4", "type": "plain_text"}, "value": "4"},
                "options": [
                    {"text": {"text": "1 (悪い)", "type": "plain_text"}, "value": "1"},
                    {"text": {"text": "2", "type": "plain_text"}, "value": "2"},
                    {"text": {"text": "3", "type": "plain_text"}, "value": "3"},
                    {"text": {"text": "4", "type": "plain_text"}, "value": "4"},
                    {"text": {"text": "5 (良い)", "type": "plain_text"}, "value": "5"},
                    {"text": {"text": "未確認", "type": "plain_text"}, "value": "_unknown"},
                ],
                "type": "radio_buttons",
            },
            "hint": {"text": "前回の回答: 3週間前 — PO は関わっていますか", "type": "plain_text"},
            "label": {"text": "PO の関与", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
        {
            "block_id": "assess_element:ember",
            "text": {"text": "✨ 種火", "type": "plain_text"},
            "type": "header",
        },
        {
            "block_id": "question:open_opposition:42",
            "element": {
                "action_id": "answer",
                "initial_option": {"text": {"text": "未確認", "type": "plain_text"}, "value": "_unknown"},
                "options": [
                    {"text": {"text": "はい", "type": "plain_text"}, "value": "yes"},
                    {"text": {"text": "いいえ", "type": "plain_text"}, "value": "no"},
                    {"text": {"text": "未確認", "type": "plain_text"}, "value": "_unknown"},
                ],
                "type": "radio_buttons",
            },
            "hint": {"text": "まだ回答がありません", "type": "plain_text"},
            "label": {"text": "反対勢力", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
        {
            "block_id": "assess_touchpoint",
            "text": {"text": "📞 今回の接点", "type": "plain_text"},
            "type": "header",
        },
        {
            "block_id": "tp_kind",
            "element": {
                "action_id": "kind",
                "options": [
                    {"text": {"text": "定例", "type": "plain_text"}, "value": "regular_meeting"},
                    {"text": {"text": "訪問", "type": "plain_text"}, "value": "visit"},
                    {"text": {"text": "電話・Web 会議", "type": "plain_text"}, "value": "call"},
                    {"text": {"text": "メール", "type": "plain_text"}, "value": "email"},
                    {"text": {"text": "チャット", "type": "plain_text"}, "value": "chat"},
                    {"text": {"text": "ウェビナー", "type": "plain_text"}, "value": "webinar"},
                    {"text": {"text": "その他", "type": "plain_text"}, "value": "other"},
                ],
                "placeholder": {"text": "種類を選ぶ", "type": "plain_text"},
                "type": "static_select",
            },
            "hint": {"text": "空欄なら接点は記録しません", "type": "plain_text"},
            "label": {"text": "接点の種類", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
        {
            "block_id": "tp_date",
            "element": {"action_id": "date", "initial_date": "2026-11-23", "type": "datepicker"},
            "label": {"text": "日付 (商談・定例の日)", "type": "plain_text"},
            "type": "input",
        },
        {
            "block_id": "tp_fit",
            "element": {
                "action_id": "fit",
                "options": [
                    {"text": {"text": "過剰 (お節介)", "type": "plain_text"}, "value": "over"},
                    {"text": {"text": "ちょうど良い (ハッピー)", "type": "plain_text"}, "value": "fit"},
                    {"text": {"text": "不足 (がっかり)", "type": "plain_text"}, "value": "under"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "期待に対して", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
        {
            "block_id": "tp_effort",
            "element": {
                "action_id": "effort",
                "placeholder": {"text": "30", "type": "plain_text"},
                "type": "plain_text_input",
            },
            "label": {"text": "かけた時間 (分)", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
        {"type": "divider"},
        {
            "block_id": "assess_people",
            "text": {"text": "👥 キーパーソン", "type": "plain_text"},
            "type": "header",
        },
        {
            "block_id": "person_name:po:42",
            "element": {
                "action_id": "name",
                "initial_value": "山田",
                "max_length": 255,
                "placeholder": {"text": "名前", "type": "plain_text"},
                "type": "plain_text_input",
            },
            "hint": {"text": "交代したら新しい人の名前に書き換えます", "type": "plain_text"},
            "label": {"text": "PO (プロジェクトオーナー)", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
        {
            "block_id": "person_left:po:42",
            "element": {
                "action_id": "left",
                "options": [
                    {"text": {"text": "山田 さんが退職・異動した", "type": "plain_text"}, "value": "left"}
                ],
                "type": "checkboxes",
            },
            "label": {"text": "PO (プロジェクトオーナー) の退職・異動", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
        {
            "block_id": "person_name:pl:42",
            "element": {
                "action_id": "name",
                "max_length": 255,
                "placeholder": {"text": "名前", "type": "plain_text"},
                "type": "plain_text_input",
            },
            "hint": {"text": "交代したら新しい人の名前に書き換えます", "type": "plain_text"},
            "label": {"text": "PL (プロジェクトリーダー)", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
        {
            "block_id": "renewal:42",
            "element": {
                "action_id": "renewal",
                "initial_option": {"text": {"text": "更新しそう", "type": "plain_text"}, "value": "likely"},
                "options": [
                    {"text": {"text": "更新しそう", "type": "plain_text"}, "value": "likely"},
                    {"text": {"text": "五分五分", "type": "plain_text"}, "value": "uncertain"},
                    {"text": {"text": "解約しそう", "type": "plain_text"}, "value": "unlikely"},
                    {"text": {"text": "未確認", "type": "plain_text"}, "value": "_unknown"},
                ],
                "type": "radio_buttons",
            },
            "label": {"text": "更新ヨミ", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
        {
            "block_id": "note",
            "element": {
                "action_id": "note",
                "multiline": True,
                "placeholder": {"text": "会話の要点、次の宿題など", "type": "plain_text"},
                "type": "plain_text_input",
            },
            "hint": {"text": "3,000 文字まで", "type": "plain_text"},
            "label": {"text": "メモ", "type": "plain_text"},
            "optional": True,
            "type": "input",
        },
    ],
    "callback_id": "assess",
    "close": {"text": "キャンセル", "type": "plain_text"},
    "private_metadata": '{"locale":"ja","account_id":42}',
    "submit": {"text": "保存", "type": "plain_text"},
    "title": {"text": "ヘルス評価", "type": "plain_text"},
    "type": "modal",
}


EXPECTED_ASSESS_SAVED: Any = {
    "text": "株式会社カミナシ の評価を保存しました: 🟢 B 順調",
    "blocks": [
        {
            "block_id": "assess_saved",
            "text": {"text": "✅ *株式会社カミナシ* の評価を保存しました", "type": "mrkdwn"},
            "type": "section",
        },
        {
            "block_id": "assess_saved_detail",
            "text": {
                "text": "総合: 🟢 B 順調 (🟡 C 注意 から変わりました)\n"
                "信頼度: 80%\n"
                "PO (プロジェクトオーナー): 山田 さん → 佐々木 さん\n"
                "🚨 CTA「キーマンが交代した」が開きました (期限 11/30)\n"
                "✔ CTA「接点が途絶えている」は解消されました",
                "type": "mrkdwn",
            },
            "type": "section",
        },
    ],
}


EXPECTED_STATUS_CARD: Any = {
    "text": "株式会社カミナシ: 🟢 B 順調",
    "blocks": [
        {
            "block_id": "status_header",
            "text": {"text": "株式会社カミナシ", "type": "plain_text"},
            "type": "header",
        },
        {
            "block_id": "status_grades",
            "fields": [
                {"text": "*総合*\n🟢 B 順調  ↗ +8 (7日)", "type": "mrkdwn"},
                {"text": "*信頼度*\n80%", "type": "mrkdwn"},
                {"text": "*🪵 薪*\n🟡 C 注意", "type": "mrkdwn"},
                {"text": "*✨ 種火*\n🟢 B 順調", "type": "mrkdwn"},
                {"text": "*🌬️ 送風*\n🔥 A 好調", "type": "mrkdwn"},
                {"text": "*🏕️ 焚き火の状態*\n⚪ 未評価", "type": "mrkdwn"},
            ],
            "type": "section",
        },
        {
            "block_id": "status_reasons",
            "text": {"text": "*理由*\n• PL 不在 (10/01 から)", "type": "mrkdwn"},
            "type": "section",
        },
        {
            "block_id": "status_unknowns",
            "elements": [{"text": "🔍 確認したいこと\n• 未確認: 反対勢力", "type": "mrkdwn"}],
            "type": "context",
        },
        {"type": "divider"},
        {
            "block_id": "status_ctas",
            "text": {
                "text": "*オープンな CTA*\n• 🔴 *接点が途絶えている* · ⏰ 期限切れ (11/20)",
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "status_touchpoints",
            "text": {
                "text": "*最近の接点*\n"
                "• 2026/11/20 訪問 · ちょうど良い (ハッピー) · <@U0SATO> · "
                "<https://takibi-dev.slack.com/archives/C0CSSMB/p1|メッセージ>",
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "status_people",
            "text": {"text": "*キーパーソン*\n• PO (プロジェクトオーナー): 山田", "type": "mrkdwn"},
            "type": "section",
        },
        {
            "block_id": "status_contract",
            "elements": [
                {
                    "text": "SMB · 担当 <@U0SATO> · MRR ¥120,000 · 更新日 2027/03/31 · 更新ヨミ 更新しそう · "
                    "最終評価 3週間前",
                    "type": "mrkdwn",
                }
            ],
            "type": "context",
        },
        {
            "block_id": "status_actions",
            "elements": [
                {
                    "action_id": "open_assess",
                    "style": "primary",
                    "text": {"text": "評価する", "type": "plain_text"},
                    "type": "button",
                    "value": "42",
                },
                {
                    "action_id": "open_touchpoint",
                    "text": {"text": "接点を記録", "type": "plain_text"},
                    "type": "button",
                    "value": "42",
                },
            ],
            "type": "actions",
        },
    ],
}


EXPECTED_HOME: Any = {
    "blocks": [
        {"block_id": "home_header", "text": {"text": "🔥 takibi", "type": "plain_text"}, "type": "header"},
        {
            "block_id": "home_accounts",
            "text": {"text": "*あなたの担当顧客: 2 社 (評価が古い・ない 1 社)*", "type": "mrkdwn"},
            "type": "section",
        },
        {
            "block_id": "home_account_list",
            "text": {
                "text": "• ⚪ *合同会社ヤマト* · ⚠️ 評価がありません\n• 🟢 *株式会社カミナシ* · 評価 3週間前",
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "home_actions",
            "elements": [
                {
                    "action_id": "open_assess",
                    "style": "primary",
                    "text": {"text": "評価する", "type": "plain_text"},
                    "type": "button",
                }
            ],
            "type": "actions",
        },
        {"type": "divider"},
        {
            "block_id": "home_ctas",
            "text": {
                "text": "*オープンな CTA: 1 件*\n• 🔴 *接点が途絶えている* — 株式会社カミナシ · 期限 11/30",
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {"type": "divider"},
        {
            "block_id": "home_coverage",
            "text": {
                "text": (
                    "*カバー率 (120 日以内に評価した顧客)*\nチーム: 45 / 60 社 (75%)\nあなた: 1 / 2 社 (50%)"
                ),
                "type": "mrkdwn",
            },
            "type": "section",
        },
        {
            "block_id": "home_updated",
            "elements": [{"text": "2026/11/23 時点", "type": "mrkdwn"}],
            "type": "context",
        },
    ],
    "type": "home",
}


EXPECTED_PICKER: Any = [
    {"text": {"emoji": False, "text": "★ 株式会社カミナシ (SMB)", "type": "plain_text"}, "value": "42"},
    {"text": {"emoji": False, "text": "カミナシ物流株式会社 (MM)", "type": "plain_text"}, "value": "43"},
]


def test_assess_modal_pinned() -> None:
    view = assess_modal(JA, config(), assess_form(), '{"locale":"ja","account_id":42}')
    assert plain(view.to_dict()) == EXPECTED_ASSESS_MODAL


def test_assess_confirmation_pinned() -> None:
    assert plain(assess_saved(JA, scale(), assess_outcome(), rule).to_payload()) == EXPECTED_ASSESS_SAVED


def test_status_card_pinned() -> None:
    card = status_card_view(JA, config(), scale(), status_card(), rule)
    assert plain(card.to_payload()) == EXPECTED_STATUS_CARD


def test_home_pinned() -> None:
    assert plain(home_view(JA, scale(), home_data(), rule).to_dict()) == EXPECTED_HOME


def test_picker_options_pinned() -> None:
    options = account_options(
        [
            AccountOption(42, "株式会社カミナシ", "SMB", True),
            AccountOption(43, "カミナシ物流株式会社", "MM", False),
        ]
    )
    assert options == EXPECTED_PICKER
