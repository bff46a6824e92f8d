"""The steward's messages as Block Kit: valid for slack_sdk and for the stand-in, one assess button per
item (the same ``open_assess`` button as the status card's), kind words in both languages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.i18n import Locale, Translator
from bot.sandbox.validation import validate_message
from handlers.ids import Action
from handlers.views.nudges import coverage_bar, nudge_dm, pause_message, roll_call_message, steward_message
from scoring.nudges import CoverageLine, CsmNudge, ItemKind, NudgeItem, RollCall

TODAY = date(2026, 11, 24)
JA, EN = Translator(Locale.JA), Translator(Locale.EN)


def rule(rule_id: str) -> str:
    return {"key_person_left": "キーパーソンが離任した"}.get(rule_id, rule_id)


NUDGE = CsmNudge(
    "U0SATO",
    (
        NudgeItem(
            ItemKind.OVERDUE_CTA,
            3,
            "株式会社<焚火>",
            since=TODAY - timedelta(days=2),
            cta_id=9,
            rule_id="key_person_left",
        ),
        NudgeItem(ItemKind.MISSING, 1, "株式会社カミナシ"),
        NudgeItem(ItemKind.STALE, 2, "カミナシ物流", since=date(2026, 5, 1)),
    ),
    total=5,
)


def payload(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = message.to_payload()
    validate_message(body)  # the stand-in's checks, as chat.postMessage would run them
    return body


def test_the_dm_has_one_section_with_an_assess_button_per_item() -> None:
    body = payload(nudge_dm(JA, NUDGE, today=TODAY, stale_after_days=30, rule=rule))
    items = [b for b in body["blocks"] if b.get("block_id", "").startswith("nudge_item:")]
    assert [b["accessory"]["action_id"] for b in items] == [Action.OPEN_ASSESS] * 3
    assert [b["accessory"]["value"] for b in items] == ["3", "1", "2"]
    assert "キーパーソンが離任した" in items[0]["text"]["text"]
    assert "&lt;焚火&gt;" in items[0]["text"]["text"]
    assert "まだ一度も評価がありません" in items[1]["text"]["text"]
    assert "2026/05/01" in items[2]["text"]["text"]
    assert body["text"] == "🔥 今日のお願い (5 件)"
    assert "ほかに 2 件あります" in str(body["blocks"])
    assert "/takibi nudge off 1w" in str(body["blocks"])


def test_the_dm_speaks_english_to_an_english_reader() -> None:
    body = payload(nudge_dm(EN, NUDGE, today=TODAY, stale_after_days=30, rule=rule))
    assert body["text"] == "🔥 Today's asks (5)"
    assert "Never assessed yet" in str(body["blocks"])
    assert '"Assess"' in str(body["blocks"]).replace("'", '"')


def test_the_roll_call_thanks_everyone_and_shows_each_owners_fresh_share() -> None:
    call = RollCall((CoverageLine("U0SATO", fresh=8, stale=1, missing=1), CoverageLine("U0SUZUKI", fresh=4)))
    body = payload(roll_call_message(JA, call, today=TODAY, stale_after_days=30))
    text = str(body["blocks"])
    assert "ありがとうございます" in text
    assert "<@U0SATO>  🟩🟩🟩🟩🟩🟩🟩🟩⬜⬜  最新 8 / 10 社  (古い 1・未評価 1)" in text
    assert "<@U0SUZUKI>  🟩🟩🟩🟩🟩🟩🟩🟩🟩🟩  最新 4 / 4 社  ✨ すべて最新です" in text
    assert "チーム全体: 最新 12 / 14 社 (86%)" in text


def test_an_empty_roll_call_still_validates() -> None:
    body = payload(roll_call_message(EN, RollCall(), today=TODAY, stale_after_days=30))
    assert "No accounts in this channel yet." in str(body["blocks"])


def test_one_fresh_account_always_shows_on_the_bar() -> None:
    assert coverage_bar(CoverageLine("U0SATO", fresh=1, stale=30)).startswith("🟩⬜")


def test_the_steward_note_names_the_csm_and_the_streak() -> None:
    body = payload(steward_message(JA, steward="U0TAKAHASHI", user="U0SATO", ignored=3, open_items=4))
    assert "<@U0TAKAHASHI>" in body["text"]
    assert "<@U0SATO> さんへの声掛けが 3 回続けて" in body["text"]


def test_the_pause_answer_says_when_nudges_come_back() -> None:
    message = pause_message(JA, paused_through=date(2026, 11, 30), today=TODAY, changed=True, enabled=True)
    assert (
        message.text
        == "🔕 2026/11/30 まで声掛けを止めました。12/01 からまた届きます。ゆっくり休んでください。"
    )
    status = pause_message(EN, paused_through=None, today=TODAY, changed=False, enabled=True)
    assert status.text.startswith("🔔 Your reminders come on business-day mornings.")


def test_help_lists_the_nudge_command_in_both_languages() -> None:
    from handlers.commands import SUBCOMMANDS

    assert [spec.help(JA).usage for spec in SUBCOMMANDS.values()][-2] == "/takibi nudge [off 1w | on]"
    assert "pause" in SUBCOMMANDS["nudge"].help(EN).summary
