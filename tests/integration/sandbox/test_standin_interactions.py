"""response_url hooks and trigger ids: the parts of Slack an interaction hands to the app."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.sandbox import SlackStandIn

from .conftest import BOT_TOKEN, ManualClock

CHANNEL = "C0CSSMB"
MODAL = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "アセスメント"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
}


def test_an_ephemeral_response_is_recorded_for_the_user(standin: SlackStandIn) -> None:
    url = standin.new_response_url(user_id="U0SATO", channel_id=CHANNEL)

    answer = WebhookClient(url).send(text="受け付けました", response_type="ephemeral")

    assert (answer.status_code, answer.body) == (200, '{"ok": true}')
    (post,) = standin.responses
    assert post.payload == {"text": "受け付けました", "response_type": "ephemeral"}
    (ephemeral,) = standin.ephemerals(CHANNEL, "U0SATO")
    assert (ephemeral["source"], ephemeral["message"]["text"]) == ("response_url", "受け付けました")


def test_an_in_channel_response_posts_a_message(standin: SlackStandIn) -> None:
    url = standin.new_response_url(user_id="U0SATO", channel_id=CHANNEL)

    WebhookClient(url).send(text="全員へ", response_type="in_channel")

    assert [m["text"] for m in standin.messages(CHANNEL)] == ["全員へ"]
    assert standin.ephemerals() == []


def test_replace_original_edits_the_message_the_interaction_came_from(
    client: WebClient, standin: SlackStandIn
) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="CTA: 未対応")["ts"]
    url = standin.new_response_url(user_id="U0SATO", channel_id=CHANNEL, message_ts=ts)

    WebhookClient(url).send(text="CTA: 対応済み", replace_original=True)

    (message,) = standin.messages(CHANNEL)
    assert (message["ts"], message["text"]) == (ts, "CTA: 対応済み")


def test_delete_original_removes_the_message(client: WebClient, standin: SlackStandIn) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="消す")["ts"]
    url = standin.new_response_url(user_id="U0SATO", channel_id=CHANNEL, message_ts=ts)

    WebhookClient(url).send_dict({"delete_original": True})

    assert standin.messages(CHANNEL) == []


def test_an_invalid_response_is_refused_and_recorded(standin: SlackStandIn) -> None:
    url = standin.new_response_url(user_id="U0SATO", channel_id=CHANNEL)
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}

    too_many = WebhookClient(url).send(text="x", blocks=[section] * 51)
    empty = WebhookClient(url).send_dict({"response_type": "ephemeral"})

    assert too_many.status_code == 400
    assert [p.response["error"] for p in standin.responses] == ["invalid_blocks", "no_text"]
    assert empty.status_code == 400
    assert standin.ephemerals() == []


def test_a_response_url_takes_five_posts(standin: SlackStandIn) -> None:
    url = standin.new_response_url(user_id="U0SATO", channel_id=CHANNEL)

    statuses = [WebhookClient(url).send(text=str(i)).status_code for i in range(6)]

    assert statuses == [200, 200, 200, 200, 200, 404]
    assert standin.responses[-1].response == {"ok": False, "error": "used_url"}


def test_an_unknown_response_url_is_404(standin: SlackStandIn) -> None:
    answer = WebhookClient(standin.origin + "/response/nope").send(text="x")

    assert answer.status_code == 404


def test_response_url_faults_can_be_injected(standin: SlackStandIn) -> None:
    url = standin.new_response_url(user_id="U0SATO", channel_id=CHANNEL)
    standin.fail_next("response_url", status=503)

    assert WebhookClient(url).send(text="x").status_code == 503
    assert WebhookClient(url).send(text="x").status_code == 200


def test_a_fresh_trigger_opens_a_modal(client: WebClient, standin: SlackStandIn) -> None:
    assert client.views_open(trigger_id=standin.issue_trigger_id("U0SATO"), view=MODAL)["ok"]


def test_a_trigger_older_than_three_seconds_is_expired() -> None:
    clock = ManualClock()
    with SlackStandIn(clock=clock) as standin:
        client = WebClient(token=BOT_TOKEN, base_url=standin.base_url)
        trigger = standin.issue_trigger_id("U0SATO")
        clock.advance(3.01)

        with pytest.raises(SlackApiError) as refused:
            client.views_open(trigger_id=trigger, view=MODAL)

    assert refused.value.response["error"] == "expired_trigger_id"


def test_a_trigger_within_three_seconds_still_works() -> None:
    clock = ManualClock()
    with SlackStandIn(clock=clock) as standin:
        client = WebClient(token=BOT_TOKEN, base_url=standin.base_url)
        trigger = standin.issue_trigger_id("U0SATO")
        clock.advance(2.9)

        assert client.views_open(trigger_id=trigger, view=MODAL)["ok"]


def test_an_unissued_trigger_is_invalid(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id="123.456.made-up", view=MODAL)

    assert refused.value.response["error"] == "invalid_trigger_id"


def test_a_trigger_is_good_for_one_view(client: WebClient, standin: SlackStandIn) -> None:
    trigger = standin.issue_trigger_id("U0SATO")
    client.views_open(trigger_id=trigger, view=MODAL)

    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id=trigger, view=MODAL)

    assert refused.value.response["error"] == "exchanged_trigger_id"


def test_a_modal_opens_for_the_user_the_trigger_was_issued_to(
    client: WebClient, standin: SlackStandIn
) -> None:
    view = client.views_open(trigger_id=standin.issue_trigger_id("U0EMILY"), view=MODAL)["view"]

    assert standin.open_views("U0EMILY") == [view]
    assert standin.open_views("U0SATO") == []
