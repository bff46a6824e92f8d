"""App Home end to end: published on ``app_home_opened``, refreshed after an assessment."""

from __future__ import annotations

from typing import Any

from bot.sandbox import SlackDriver, SlackStandIn
from storage.db import Database
from tests.e2e.conftest import CHANNEL, OWNER, Book, initial_state, wait_for_ephemeral, wait_for_modal


def home_text(view: dict[str, Any]) -> str:
    return "\n".join(
        b.get("text", {}).get("text", "")
        + "".join(
            e.get("text", "")
            for e in b.get("elements", [])
            if isinstance(e, dict) and isinstance(e.get("text"), str)
        )
        for b in view["blocks"]
    )


def open_home(slack: SlackDriver, standin: SlackStandIn, user: str, publishes: int = 1) -> dict[str, Any]:
    answer = slack.event(slack.app_home_opened(user))
    assert answer.status == 200
    assert standin.wait_until(lambda s: len([c for c in s.calls_to("views.publish") if c.ok]) >= publishes)
    home = standin.published_home(user)
    assert home is not None
    return home


def test_opening_home_publishes_my_accounts_ctas_and_coverage(
    slack: SlackDriver, standin: SlackStandIn, book: Book
) -> None:
    home = open_home(slack, standin, OWNER)

    text = home_text(home)
    assert home["type"] == "home"
    assert "あなたの担当顧客: 1 社 (評価が古い・ない 1 社)" in text
    assert "株式会社カミナシ" in text
    assert "⚠️ 評価がありません" in text
    assert "オープンな CTA はありません" in text
    assert "チーム: 0 / 4 社 (0%)" in text
    assert "あなた: 0 / 1 社 (0%)" in text


def test_home_is_refreshed_after_an_assessment(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    open_home(slack, standin, OWNER)
    slack.slash_command("assess 株式会社カミナシ", user_id=OWNER, channel_id=CHANNEL)
    view = wait_for_modal(standin, OWNER, "assess")

    slack.view_submission(OWNER, view, initial_state(view))

    wait_for_ephemeral(standin, OWNER)
    assert standin.wait_until(
        lambda s: "あなた: 1 / 1 社 (100%)" in home_text(s.published_home(OWNER) or {"blocks": []})
    )
    assert "チーム: 1 / 4 社 (25%)" in home_text(standin.published_home(OWNER) or {})


def test_someone_outside_the_team_sees_why_home_is_empty(
    slack: SlackDriver, standin: SlackStandIn, book: Book, guest: str
) -> None:
    home = open_home(slack, standin, guest)

    assert home_text(home).startswith("takibi を使えるのは CS チームのメンバーだけです。")
