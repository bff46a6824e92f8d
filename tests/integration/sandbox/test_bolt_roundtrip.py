"""Driver → a real Bolt app over HTTP → the stand-in: the loop the e2e tests and the demo rely on."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient

from bot.sandbox import SlackDriver, SlackStandIn

from .conftest import simple_modal

CHANNEL = "C0CSSMB"
MODAL = {
    "type": "modal",
    "callback_id": "assess",
    "title": {"type": "plain_text", "text": "アセスメント"},
    "submit": {"type": "plain_text", "text": "保存"},
    "blocks": [
        {
            "type": "input",
            "block_id": "po",
            "label": {"type": "plain_text", "text": "PO"},
            "element": {"type": "plain_text_input", "action_id": "name"},
        }
    ],
}


def test_slash_command_is_acked_and_answered_through_the_response_url(
    bolt_app: App, driver: SlackDriver, standin: SlackStandIn
) -> None:
    @bolt_app.command("/takibi")
    def handle(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack()
        respond(text=f"受け付けました: {command['text']}", response_type="ephemeral")

    answer = driver.slash_command("status Acme", user_id="U0SATO", channel_id=CHANNEL)

    assert answer.status == 200
    assert answer.elapsed < 3  # Slack gives up after three seconds
    assert standin.wait_until(lambda s: len(s.responses) == 1)
    (post,) = standin.responses
    assert (post.status, post.user_id, post.channel_id) == (200, "U0SATO", CHANNEL)
    (ephemeral,) = standin.ephemerals(CHANNEL, "U0SATO")
    assert ephemeral["message"]["text"] == "受け付けました: status Acme"


def test_forged_or_stale_signatures_are_refused_by_bolt(bolt_app: App, driver: SlackDriver) -> None:
    seen: list[str] = []

    @bolt_app.command("/takibi")
    def handle(ack: Ack, command: dict[str, Any]) -> None:
        seen.append(command["text"])
        ack()

    forged = driver.slash_command("x", user_id="U0SATO", signature="v0=" + "0" * 64)
    stale = driver.slash_command("x", user_id="U0SATO", timestamp=int(time.time()) - 600)

    assert (forged.status, stale.status) == (401, 401)
    assert seen == []


def test_url_verification_echoes_the_challenge(driver: SlackDriver) -> None:
    answer = driver.url_verification("3eZbrw1aBm2rZgRN")

    assert (answer.status, answer.json) == (200, {"challenge": "3eZbrw1aBm2rZgRN"})


def test_modal_opened_from_a_command_and_submitted(
    bolt_app: App, driver: SlackDriver, standin: SlackStandIn
) -> None:
    @bolt_app.command("/takibi")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @bolt_app.view("assess")
    def submit(ack: Ack, view: dict[str, Any]) -> None:
        name = view["state"]["values"]["po"]["name"]["value"]
        if not name:
            ack(response_action="errors", errors={"po": "PO を入力してください"})
            return
        ack(response_action="update", view=simple_modal("保存しました", f"PO: {name}"))

    driver.slash_command("assess Acme", user_id="U0SATO")
    assert standin.wait_until(lambda s: len(s.open_views("U0SATO")) == 1)
    (opened,) = standin.open_views("U0SATO")

    empty = driver.view_submission(
        "U0SATO", opened, {"po": {"name": {"type": "plain_text_input", "value": ""}}}
    )
    filled = driver.view_submission(
        "U0SATO", opened, {"po": {"name": {"type": "plain_text_input", "value": "山田"}}}
    )

    assert empty.json == {"response_action": "errors", "errors": {"po": "PO を入力してください"}}
    assert filled.json is not None
    assert filled.json["response_action"] == "update"
    (current,) = standin.open_views("U0SATO")
    assert current["id"] == opened["id"]
    assert current["title"]["text"] == "保存しました"
    assert [r.result["ok"] for r in standin.view_responses] == [True, True]


def test_button_click_replaces_the_original_message(
    bolt_app: App, driver: SlackDriver, standin: SlackStandIn, client: WebClient
) -> None:
    @bolt_app.action("cta_done")
    def done(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="CTA: 完了", replace_original=True)

    ts = client.chat_postMessage(channel=CHANNEL, text="CTA: PO 不在")["ts"]
    button = {"type": "button", "action_id": "cta_done", "block_id": "cta", "value": "42"}

    answer = driver.block_actions(
        "U0SATO", [button], message=standin.message(CHANNEL, ts), channel_id=CHANNEL
    )

    assert answer.status == 200
    assert standin.wait_until(lambda s: (s.message(CHANNEL, ts) or {}).get("text") == "CTA: 完了")


def test_reaction_event_and_its_retry_reach_the_app(
    bolt_app: App, driver: SlackDriver, standin: SlackStandIn
) -> None:
    retries: list[str] = []

    @bolt_app.event("reaction_added")
    def on_reaction(event: dict[str, Any], request: BoltRequest, client: WebClient) -> None:
        retries.extend(request.headers.get("x-slack-retry-num", ["none"]))
        item = event["item"]
        client.chat_postMessage(channel=item["channel"], thread_ts=item["ts"], text="記録しました")

    ts = standin.post_as_user(CHANNEL, "U0SATO", "定例を実施")
    event = driver.reaction_added("U0SATO", "white_check_mark", CHANNEL, ts, "U0SATO")
    event_id = driver.new_event_id()

    first = driver.event(event, event_id=event_id)
    retry = driver.event(event, event_id=event_id, retry_num=1, retry_reason="http_timeout")

    assert (first.status, retry.status) == (200, 200)
    assert standin.wait_until(lambda s: len(s.thread(CHANNEL, ts)) == 3)
    assert sorted(retries) == ["1", "none"]


def test_app_home_opened_publishes_the_home(
    bolt_app: App, driver: SlackDriver, standin: SlackStandIn
) -> None:
    @bolt_app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "焚き火"}}],
            },
        )

    driver.event(driver.app_home_opened("U0SATO"))

    assert standin.wait_until(lambda s: s.published_home("U0SATO") is not None)
