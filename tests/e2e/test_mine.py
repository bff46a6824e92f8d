"""``/takibi mine``, ``/takibi ctas`` and ``/takibi help`` end to end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox import SlackDriver, SlackStandIn
from storage.db import Database
from storage.enums import CtaPriority, CtaStatus
from storage.models import Cta
from storage.repositories import assessments
from tests.e2e.conftest import CHANNEL, ENGLISH, OWNER, Book, wait_for_ephemeral


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


def ask(slack: SlackDriver, standin: SlackStandIn, user: str, text: str) -> dict[str, Any]:
    slack.slash_command(text, user_id=user, channel_id=CHANNEL)
    return wait_for_ephemeral(standin, user)


def texts(message: dict[str, Any]) -> str:
    return "\n".join(
        b.get("text", {}).get("text", "") + "".join(e.get("text", "") for e in b.get("elements", []))
        for b in message["blocks"]
    )


def test_mine_lists_my_accounts_and_flags_stale_assessments(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    with database.unit_of_work() as session:
        assessments.add(
            session,
            account_id=book.kaminashi,
            author_slack_id=OWNER,
            call_date=_today() - timedelta(days=200),
            answers={"po_engagement": 4},
            submitted_at=datetime.now(UTC),
            config_version="test",
        )

    answer = ask(slack, standin, OWNER, "mine")

    assert answer["text"] == "あなたの担当顧客 (1 社)"  # the churned one is not listed
    body = texts(answer)
    assert "*株式会社カミナシ*" in body
    assert "⚠️ 評価が古い (6か月前)" in body
    assert "評価が古い・ない顧客: 1 社 (120 日以内の評価がない顧客)" in body


def test_mine_with_no_accounts_says_so(slack: SlackDriver, standin: SlackStandIn, book: Book) -> None:
    answer = ask(slack, standin, "U0JAMES", "mine")

    assert answer["text"] == "Your accounts (0)"
    assert "You own no accounts." in texts(answer)


def test_ctas_lists_my_open_ctas_soonest_first(
    slack: SlackDriver, standin: SlackStandIn, database: Database, book: Book
) -> None:
    today = _today()
    with database.unit_of_work() as session:
        for rule, due, status, owner in (
            ("grade_drop", today + timedelta(days=5), CtaStatus.OPEN, OWNER),
            ("key_person_missing", today + timedelta(days=1), CtaStatus.IN_PROGRESS, None),
            ("silent_account", today, CtaStatus.DONE, OWNER),
            ("renewal_at_risk", today, CtaStatus.OPEN, ENGLISH),
        ):
            session.add(
                Cta(
                    account_id=book.kaminashi,
                    rule_id=rule,
                    status=status,
                    priority=CtaPriority.MEDIUM,
                    due_on=due,
                    owner_slack_id=owner,
                    config_version="test",
                )
            )

    answer = ask(slack, standin, OWNER, "ctas")

    assert answer["text"] == "あなたのオープンな CTA (2 件)"
    body = texts(answer)
    assert body.index("キーマン (PO / PL) が不在") < body.index("ヘルススコアが急に下がった")
    assert "接点が途絶えている" not in body  # done
    assert "更新が近いのに評価が低い" not in body  # Emily's


def test_ctas_with_none_open(slack: SlackDriver, standin: SlackStandIn, book: Book) -> None:
    answer = ask(slack, standin, ENGLISH, "ctas")

    assert "No open CTAs 🎉" in texts(answer)


def test_help_lists_every_command_in_the_readers_language(slack: SlackDriver, standin: SlackStandIn) -> None:
    japanese = texts(ask(slack, standin, OWNER, "help"))
    english = texts(ask(slack, standin, ENGLISH, "help"))

    for command in ("assess", "status", "mine", "ctas", "help"):
        assert f"`/takibi {command}" in japanese
        assert f"`/takibi {command}" in english
    assert "顧客のヘルスを評価します" in japanese
    assert "Assess an account's health" in english
