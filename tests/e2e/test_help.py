"""``/takibi help`` end to end: a signed request → the real app over HTTP → the answer at the stand-in."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

from bot.sandbox import SlackDriver, SlackStandIn
from tests.e2e.conftest import RunningApp

JAPANESE_USER = "U0SATO"
ENGLISH_USER = "U0EMILY"


def _answers(standin: SlackStandIn, user_id: str) -> list[Any]:
    return [post.payload for post in standin.responses if post.user_id == user_id and post.status == 200]


def _wait_for_answer(standin: SlackStandIn, user_id: str) -> dict[str, Any]:
    assert standin.wait_until(lambda s: bool(_answers(s, user_id)), timeout=5)
    answer = _answers(standin, user_id)[-1]
    assert isinstance(answer, dict)
    return answer


def test_help_answers_in_japanese_for_a_japanese_user(slack: SlackDriver, standin: SlackStandIn) -> None:
    response = slack.slash_command("help", user_id=JAPANESE_USER)
    assert response.status == 200
    answer = _wait_for_answer(standin, JAPANESE_USER)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "takibi の使い方"
    commands = next(b for b in answer["blocks"] if b.get("block_id") == "help_commands")
    assert "`/takibi help`  このヘルプを表示します" in commands["text"]["text"]


def test_help_answers_in_english_for_an_english_user(slack: SlackDriver, standin: SlackStandIn) -> None:
    slack.slash_command("help", user_id=ENGLISH_USER)
    answer = _wait_for_answer(standin, ENGLISH_USER)
    assert answer["text"] == "How to use takibi"


def test_bare_command_shows_help(slack: SlackDriver, standin: SlackStandIn) -> None:
    slack.slash_command("", user_id=JAPANESE_USER)
    assert _wait_for_answer(standin, JAPANESE_USER)["text"] == "takibi の使い方"


def test_unknown_subcommand_names_the_word_and_lists_commands(
    slack: SlackDriver, standin: SlackStandIn
) -> None:
    slack.slash_command("stauts カミナシ", user_id=ENGLISH_USER)
    answer = _wait_for_answer(standin, ENGLISH_USER)
    first = answer["blocks"][0]
    assert first["block_id"] == "help_unknown"
    assert "`stauts`" in first["text"]["text"]


def test_ack_comes_before_the_answer_and_within_three_seconds(
    slack: SlackDriver, standin: SlackStandIn
) -> None:
    standin.set_latency(1.0, methods=["users.info"])
    response = slack.slash_command("help", user_id=JAPANESE_USER)
    assert response.status == 200
    assert response.elapsed < 0.9, "the ack waited for a Slack call"
    _wait_for_answer(standin, JAPANESE_USER)


def test_wrong_signature_is_refused_and_changes_nothing(slack: SlackDriver, standin: SlackStandIn) -> None:
    calls_before = len(standin.calls)
    response = slack.slash_command("help", user_id=JAPANESE_USER, signature="v0=" + "0" * 64)
    assert response.status == 401
    time.sleep(0.3)
    assert standin.responses == []
    assert len(standin.calls) == calls_before


def test_stale_timestamp_is_refused_and_changes_nothing(slack: SlackDriver, standin: SlackStandIn) -> None:
    calls_before = len(standin.calls)
    response = slack.slash_command("help", user_id=JAPANESE_USER, timestamp=int(time.time()) - 6 * 60)
    assert response.status == 401
    time.sleep(0.3)
    assert standin.responses == []
    assert len(standin.calls) == calls_before


def test_health_endpoint_reports_the_database(running_app: RunningApp) -> None:
    health_url = running_app.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(health_url) as answer:  # noqa: S310 - local http only
        assert answer.status == 200
        assert answer.read() == b"ok"


def test_a_command_whose_text_says_payload_is_answered(slack: SlackDriver, standin: SlackStandIn) -> None:
    """Bolt's own body parser reads this form as an empty interaction; takibi's reads the command."""
    response = slack.slash_command("payload", user_id=ENGLISH_USER)
    assert response.status == 200
    answer = _wait_for_answer(standin, ENGLISH_USER)
    assert "`payload`" in answer["blocks"][0]["text"]["text"]


def test_a_body_that_is_not_json_is_refused_not_a_server_error(
    slack: SlackDriver, standin: SlackStandIn
) -> None:
    calls_before = len(standin.calls)
    for body in ("payload=%7B%22type%22%3A", "payload=%5B1%5D"):
        assert slack.send(body, "application/x-www-form-urlencoded").status == 404  # signed, but no listener
        unsigned = slack.send(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
        assert unsigned.status == 401
    time.sleep(0.3)
    assert len(standin.calls) == calls_before
