"""The message shortcut "touchpoint として記録" and the status card's touchpoint button, end to end."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.sandbox import SlackDriver, SlackStandIn
from storage.db import Database
from storage.enums import ExpectationFit, TouchpointKind
from storage.models import AuditLogEntry, HealthSnapshot, Touchpoint
from tests.e2e.conftest import (
    CHANNEL,
    OWNER,
    Book,
    initial_state,
    radio,
    table_counts,
    text_input,
    wait_for_ephemeral,
    wait_for_modal,
)
from tests.e2e.conftest import (
    chosen as choose,
)


def shortcut_on_a_message(slack: SlackDriver, standin: SlackStandIn, text: str) -> dict[str, Any]:
    ts = standin.post_as_user(CHANNEL, OWNER, text)
    message = standin.message(CHANNEL, ts)
    assert message is not None
    answer = slack.message_shortcut(OWNER, "log_touchpoint", message, CHANNEL)
    assert answer.status == 200
    return wait_for_modal(standin, OWNER, "touchpoint")


def picked(account_id: int) -> dict[str, Any]:
    return choose(str(account_id), "external_select")


def test_a_message_is_logged_as_a_touchpoint_with_its_permalink(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = shortcut_on_a_message(slack, standin, "カミナシさんと定例: 次回は PL も参加")

    context = next(b for b in view["blocks"] if b.get("block_id") == "touchpoint_message")
    assert "定例: 次回は PL も参加" in context["elements"][0]["text"]
    values = initial_state(
        view,
        touchpoint_account=picked(book.kaminashi),
        touchpoint_fit=radio("over"),
        touchpoint_effort=text_input("60"),
    )
    answer = slack.view_submission(OWNER, view, values)

    assert answer.status == 200
    assert answer.json is None
    confirmation = wait_for_ephemeral(standin, OWNER)
    assert "株式会社カミナシ" in confirmation["text"]
    with database.unit_of_work() as session:
        (touchpoint,) = session.scalars(select(Touchpoint))
        assert touchpoint.account_id == book.kaminashi
        assert touchpoint.kind == TouchpointKind.CHAT
        assert touchpoint.expectation_fit == ExpectationFit.OVER
        assert touchpoint.effort_minutes == 60
        assert touchpoint.slack_permalink is not None
        assert touchpoint.slack_permalink.startswith("https://")
        assert (
            touchpoint.occurred_at.astimezone(ZoneInfo("Asia/Tokyo")).date()
            == datetime.now(ZoneInfo("Asia/Tokyo")).date()
        )
        assert session.scalars(select(HealthSnapshot)).one().account_id == book.kaminashi
        assert session.scalars(select(AuditLogEntry)).one().action == "touchpoint.logged"
    assert standin.calls_to("chat.getPermalink")


def test_a_touchpoint_needs_an_account_and_stores_nothing_without_one(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    view = shortcut_on_a_message(slack, standin, "どの顧客だっけ")
    before = table_counts(database)

    answer = slack.view_submission(OWNER, view, initial_state(view))

    assert answer.json == {
        "response_action": "errors",
        "errors": {"touchpoint_account": "顧客を選んでください"},
    }
    assert table_counts(database) == before


def test_the_status_cards_button_opens_the_modal_for_that_account(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    slack.block_actions(
        OWNER,
        [
            {
                "type": "button",
                "action_id": "open_touchpoint",
                "block_id": "status_actions",
                "value": str(book.takibi),
            }
        ],
        message={"ts": "1700000000.000300", "text": "card"},
        channel_id=CHANNEL,
    )
    view = wait_for_modal(standin, OWNER, "touchpoint")
    account = next(b for b in view["blocks"] if b.get("block_id") == "touchpoint_account")
    assert account["element"]["initial_option"]["value"] == str(book.takibi)

    slack.view_submission(OWNER, view, initial_state(view, touchpoint_kind=choose("visit")))

    wait_for_ephemeral(standin, OWNER)
    with database.unit_of_work() as session:
        (touchpoint,) = session.scalars(select(Touchpoint))
        assert (touchpoint.account_id, touchpoint.kind, touchpoint.slack_permalink) == (
            book.takibi,
            TouchpointKind.VISIT,
            None,
        )
