"""``/takibi status <account>`` end to end: the card, ambiguous names, unknown names, its buttons."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox import SlackDriver, SlackStandIn
from storage.db import Database
from storage.enums import CtaPriority, TouchpointKind
from storage.models import Cta
from storage.repositories import touchpoints
from tests.e2e.conftest import (
    CHANNEL,
    ENGLISH,
    OWNER,
    Book,
    initial_state,
    radio,
    wait_for_ephemeral,
    wait_for_modal,
)


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


def status(slack: SlackDriver, standin: SlackStandIn, user: str, text: str, count: int = 1) -> dict[str, Any]:
    slack.slash_command(f"status {text}".strip(), user_id=user, channel_id=CHANNEL)
    return wait_for_ephemeral(standin, user, count)


def block(message: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in message["blocks"] if b.get("block_id") == block_id)


def assess_kaminashi(slack: SlackDriver, standin: SlackStandIn) -> None:
    slack.slash_command("assess 株式会社カミナシ", user_id=OWNER, channel_id=CHANNEL)
    view = wait_for_modal(standin, OWNER, "assess")
    po = next(
        b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("question:po_engagement:")
    )
    slack.view_submission(OWNER, view, initial_state(view, **{po: radio("2")}))
    wait_for_ephemeral(standin, OWNER)


def test_the_card_shows_grades_reasons_ctas_touchpoints_people_and_contract(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    with database.unit_of_work() as session:
        touchpoints.add(
            session,
            account_id=book.kaminashi,
            kind=TouchpointKind.VISIT,
            occurred_at=datetime.now(ZoneInfo("Asia/Tokyo")) - timedelta(days=2),
            author_slack_id=OWNER,
            slack_permalink="https://takibi-dev.slack.com/archives/C0CSSMB/p1",
        )
    assess_kaminashi(slack, standin)
    with database.unit_of_work() as session:  # opened after the assessment's own CTA evaluation
        session.add(
            Cta(
                account_id=book.kaminashi,
                rule_id="silent_account",
                priority=CtaPriority.HIGH,
                due_on=_today() - timedelta(days=1),
                config_version="test",
            )
        )

    card = status(slack, standin, OWNER, "株式会社カミナシ", count=2)

    assert block(card, "status_header")["text"]["text"] == "株式会社カミナシ"
    fields = [f["text"] for f in block(card, "status_grades")["fields"]]
    assert fields[0].startswith("*総合*\n")
    assert any(f.startswith("*🪵 薪*\n") for f in fields)
    assert "PO の関与 2/5" in block(card, "status_reasons")["text"]["text"]
    ctas = block(card, "status_ctas")["text"]["text"]
    assert "🔴 *接点が途絶えている*" in ctas
    assert "期限切れ" in ctas
    assert (
        "<https://takibi-dev.slack.com/archives/C0CSSMB/p1|メッセージ>"
        in block(card, "status_touchpoints")["text"]["text"]
    )
    assert "PO (プロジェクトオーナー): 山田" in block(card, "status_people")["text"]["text"]
    contract = block(card, "status_contract")["elements"][0]["text"]
    assert "MRR ¥120,000" in contract
    assert "更新日 2027/03/31" in contract
    assert "最終評価 今日" in contract
    buttons = block(card, "status_actions")["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("open_assess", str(book.kaminashi)),
        ("open_touchpoint", str(book.kaminashi)),
    ]


def test_the_card_speaks_english_to_an_english_user(
    slack: SlackDriver, standin: SlackStandIn, book: Book
) -> None:
    card = status(slack, standin, ENGLISH, "焚火")

    assert block(card, "status_grades")["fields"][0]["text"] == "*Overall*\n⚪ Not rated"
    assert "⚠️ never assessed" in block(card, "status_contract")["elements"][0]["text"]


def test_an_ambiguous_name_lists_the_matches_and_a_pick_shows_the_card(
    slack: SlackDriver, standin: SlackStandIn, book: Book
) -> None:
    matches = status(slack, standin, OWNER, "カミナ")

    buttons = block(matches, "status_actions")["elements"]
    assert {b["value"] for b in buttons} == {str(book.kaminashi), str(book.kaminashi_logistics)}
    picked = next(b for b in buttons if b["value"] == str(book.kaminashi_logistics))
    channel_message = {"ts": "1700000000.000100", "text": matches["text"], "blocks": matches["blocks"]}
    slack.block_actions(
        OWNER,
        [
            {
                "type": "button",
                "action_id": picked["action_id"],
                "block_id": "status_actions",
                "value": picked["value"],
            }
        ],
        message=channel_message,
        channel_id=CHANNEL,
    )

    assert standin.wait_until(
        lambda s: any(
            r.payload.get("replace_original") and "カミナシ物流株式会社" in r.payload.get("text", "")
            for r in s.responses
            if isinstance(r.payload, dict)
        )
    )


def test_a_name_that_is_exactly_one_account_shows_its_card_even_if_others_contain_it(
    slack: SlackDriver, standin: SlackStandIn, book: Book
) -> None:
    card = status(
        slack, standin, OWNER, "カミナシ"
    )  # 株式会社カミナシ's reading; カミナシ物流 also contains it

    assert block(card, "status_header")["text"]["text"] == "株式会社カミナシ"


def test_an_unknown_name_gets_a_polite_answer(slack: SlackDriver, standin: SlackStandIn, book: Book) -> None:
    answer = status(slack, standin, OWNER, "存在しない会社")

    assert block(answer, "status_not_found")["text"]["text"].startswith(
        "「存在しない会社」に当てはまる顧客は見つかりませんでした"
    )


def test_the_assess_button_opens_the_modal_for_that_account(
    slack: SlackDriver, standin: SlackStandIn, book: Book
) -> None:
    card = status(slack, standin, OWNER, "株式会社カミナシ")
    button = block(card, "status_actions")["elements"][0]

    slack.block_actions(
        OWNER,
        [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "status_actions",
                "value": button["value"],
            }
        ],
        message={"ts": "1700000000.000200", "text": card["text"]},
        channel_id=CHANNEL,
    )

    view = wait_for_modal(standin, OWNER, "assess")
    picker = next(b for b in view["blocks"] if b.get("block_id") == "assess_account")
    assert picker["element"]["initial_option"]["value"] == str(book.kaminashi)
