"""The steward's nudges end to end: the real app (its scheduler's ``nudges`` job, its outbox deliverer)
on a frozen business-day clock, the stand-in receiving the DMs, and signed requests for the button and
``/takibi nudge``. Plus ``takibi nudge --preview`` as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import build
from bot.runner import HttpServer, wsgi_app
from bot.sandbox import SlackDriver, SlackStandIn
from bot.settings import Settings
from handlers.ids import Action
from handlers.metadata import AssessMetadata
from storage.db import Database
from storage.repositories import nudges
from tests.e2e.conftest import (
    CHANNEL,
    COLLEAGUE,
    ENGLISH,
    OWNER,
    Book,
    RunningApp,
    ephemerals_to,
    wait_for_ephemeral,
    wait_for_modal,
)

TAKIBI = Path(sys.executable).parent / "takibi"


class Clock:
    """The app's clock, frozen on a business-day morning and moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # Tuesday 10:00 in Tokyo, after 勤労感謝の日


@pytest.fixture
def nudging_app(app_settings: Settings, database: Database, book: Book, clock: Clock) -> Iterator[RunningApp]:
    """The app on ``clock``, its deliverer running (the scheduler is driven by the test)."""
    takibi = build(app_settings, database=database, now=clock)
    server = HttpServer(wsgi_app(takibi.bolt, takibi.healthy), port=0)
    thread = server.serve_in_background()
    takibi.start_delivery()
    try:
        yield RunningApp(
            takibi=takibi, url=f"{server.url}/slack/events", signing_secret=app_settings.signing_secret()
        )
    finally:
        server.close()
        thread.join(timeout=5)
        takibi.close()


@pytest.fixture
def driver(nudging_app: RunningApp, standin: SlackStandIn) -> SlackDriver:
    return SlackDriver(nudging_app.url, nudging_app.signing_secret, standin=standin)


def run_nudges(app: RunningApp) -> dict[str, Any]:
    outcome = app.takibi.scheduler.run_job_now("nudges")
    assert outcome.report is not None
    return outcome.report


def dms(standin: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return standin.messages(standin.dm_channel(user))


def wait_for_dm(standin: SlackStandIn, user: str, count: int = 1) -> dict[str, Any]:
    assert standin.wait_until(lambda s: len(dms(s, user)) >= count, timeout=10), dms(standin, user)
    return dms(standin, user)[count - 1]


def test_each_csm_gets_a_dm_with_an_assess_button_per_account(
    nudging_app: RunningApp, standin: SlackStandIn, book: Book
) -> None:
    report = run_nudges(nudging_app)

    assert report["counts"]["nudges"] == 3
    message = wait_for_dm(standin, OWNER)
    assert message["text"] == "🔥 今日のお願い (1 件)"  # the churned account is not asked about
    (item,) = [b for b in message["blocks"] if b.get("accessory")]
    assert item["accessory"]["action_id"] == Action.OPEN_ASSESS
    assert item["accessory"]["value"] == str(book.kaminashi)
    assert "株式会社カミナシ" in item["text"]["text"]
    assert wait_for_dm(standin, COLLEAGUE)["text"] == "🔥 今日のお願い (1 件)"
    assert wait_for_dm(standin, ENGLISH)["text"] == "🔥 Today's asks (1)"  # her Slack language
    assert standin.wait_until(lambda s: bool(s.messages(CHANNEL)), timeout=10)
    assert "焚き火の点呼" in standin.messages(CHANNEL)[-1]["text"]


def test_the_dm_button_opens_the_assess_modal_for_that_account(
    nudging_app: RunningApp, standin: SlackStandIn, driver: SlackDriver, book: Book
) -> None:
    run_nudges(nudging_app)
    message = wait_for_dm(standin, OWNER)
    (item,) = [b for b in message["blocks"] if b.get("accessory")]
    button = {**item["accessory"], "block_id": item["block_id"]}

    answer = driver.block_actions(OWNER, [button], message=message, channel_id=standin.dm_channel(OWNER))

    assert answer.status == 200
    modal = wait_for_modal(standin, OWNER, "assess")
    assert AssessMetadata.decode(modal["private_metadata"]).account_id == book.kaminashi
    assert "株式会社カミナシ" in str(modal["blocks"])


def test_nudge_off_1w_pauses_and_the_next_run_sends_that_csm_nothing(
    nudging_app: RunningApp, standin: SlackStandIn, driver: SlackDriver, database: Database, clock: Clock
) -> None:
    run_nudges(nudging_app)
    wait_for_dm(standin, OWNER)
    wait_for_dm(standin, COLLEAGUE)

    driver.slash_command("nudge off 1w", user_id=OWNER, channel_id=CHANNEL)
    answer = wait_for_ephemeral(standin, OWNER)
    assert answer["text"].startswith("🔕 2026/11/30 まで声掛けを止めました。12/01 からまた届きます。")

    clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Tokyo
    report = run_nudges(nudging_app)
    assert report["counts"]["paused"] == 1
    wait_for_dm(standin, COLLEAGUE, count=2)
    assert len(dms(standin, OWNER)) == 1
    with database.unit_of_work() as session:
        assert [r.day.day for r in nudges.history(session, OWNER)] == [24]


def test_nudge_on_resumes_and_status_answers_in_the_readers_language(
    nudging_app: RunningApp, standin: SlackStandIn, driver: SlackDriver
) -> None:
    driver.slash_command("nudge off until 2026-12-01", user_id=ENGLISH, channel_id=CHANNEL)
    paused = wait_for_ephemeral(standin, ENGLISH)
    assert paused["text"].startswith("🔕 Reminders paused through Dec 01, 2026")

    driver.slash_command("nudge on", user_id=ENGLISH, channel_id=CHANNEL)
    assert wait_for_ephemeral(standin, ENGLISH, 2)["text"].startswith("🔔 Reminders resumed")

    driver.slash_command("nudge later", user_id=ENGLISH, channel_id=CHANNEL)
    assert wait_for_ephemeral(standin, ENGLISH, 3)["text"].startswith("Usage: `/takibi nudge`")


def test_a_non_member_is_refused_politely_and_nothing_is_stored(
    nudging_app: RunningApp, standin: SlackStandIn, driver: SlackDriver, guest: str, database: Database
) -> None:
    driver.slash_command("nudge off 1w", user_id=guest, channel_id=CHANNEL)

    assert standin.wait_until(lambda s: bool(ephemerals_to(s, guest)), timeout=10)
    assert "CS チームのメンバー" in ephemerals_to(standin, guest)[0]["text"]
    with database.unit_of_work() as session:
        assert nudges.preferences(session) == {}


def test_preview_prints_the_days_nudges_and_sends_nothing(
    database: Database, book: Book, tmp_path: Path
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TAKIBI_"))}
    result = subprocess.run(
        [str(TAKIBI), "nudge", "--preview", "--date", "2026-11-24"],
        cwd=tmp_path,
        env={**clean, "TAKIBI_DATABASE_URL": database.url},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "2026/11/24 に送る声掛け (プレビュー: 何も送らず、何も記録しません)" in result.stdout
    assert f"── DM → {OWNER} (ja)" in result.stdout
    assert "株式会社カミナシ" in result.stdout
    assert "── チャンネル C0CSSMB (点呼)" in result.stdout
    with database.unit_of_work() as session:
        assert nudges.history(session, OWNER) == []


def test_the_dm_button_in_the_hands_of_a_non_member_opens_only_a_polite_refusal(
    nudging_app: RunningApp, standin: SlackStandIn, driver: SlackDriver, guest: str
) -> None:
    run_nudges(nudging_app)
    message = wait_for_dm(standin, OWNER)
    (item,) = [b for b in message["blocks"] if b.get("accessory")]
    button = {**item["accessory"], "block_id": item["block_id"]}

    driver.block_actions(guest, [button], message=message, channel_id=standin.dm_channel(OWNER))

    def refused(s: SlackStandIn) -> bool:
        views = s.open_views(guest)
        return bool(views) and "CS チームのメンバー" in str(views[-1]["blocks"])

    assert standin.wait_until(refused, timeout=10), standin.open_views(guest)
    assert standin.open_views(guest)[-1]["callback_id"] != "assess"
