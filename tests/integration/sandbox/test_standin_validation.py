"""The stand-in refuses payloads the way Slack does, and a refused call changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SlackStandIn

CHANNEL = "C0CSSMB"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}


def refusal(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as refused:
        call(**kwargs)
    data = refused.value.response.data
    assert isinstance(data, dict)
    return data


def modal(title: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks or [SECTION]}


def test_fifty_blocks_are_accepted(client: WebClient) -> None:
    assert client.chat_postMessage(channel=CHANNEL, text="x", blocks=[SECTION] * 50)["ok"]


def test_fifty_one_blocks_are_invalid_blocks(client: WebClient, standin: SlackStandIn) -> None:
    body = refusal(client.chat_postMessage, channel=CHANNEL, text="x", blocks=[SECTION] * 51)

    assert body["error"] == "invalid_blocks"
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 51 items [json-pointer:/blocks]"
    ]
    assert standin.messages(CHANNEL) == []


def test_an_over_long_section_is_invalid_blocks_with_a_pointer(client: WebClient) -> None:
    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "火" * 3001}}

    body = refusal(client.chat_postMessage, channel=CHANNEL, text="x", blocks=[SECTION, long_section])

    assert body["error"] == "invalid_blocks"
    (message,) = body["response_metadata"]["messages"]
    assert "3000" in message
    assert message.endswith("[json-pointer:/blocks/1]")


def test_an_unknown_block_type_is_invalid_blocks(client: WebClient) -> None:
    body = refusal(client.chat_postMessage, channel=CHANNEL, text="x", blocks=[{"type": "hologram"}])

    assert body["error"] == "invalid_blocks"


def test_an_unknown_element_type_is_invalid_blocks(client: WebClient) -> None:
    actions = {"type": "actions", "elements": [{"type": "teleporter", "action_id": "a"}]}

    assert (
        refusal(client.chat_postMessage, channel=CHANNEL, text="x", blocks=[actions])["error"]
        == "invalid_blocks"
    )


def test_duplicate_block_ids_are_invalid_blocks(client: WebClient) -> None:
    twice = [{**SECTION, "block_id": "same"}, {**SECTION, "block_id": "same"}]

    assert (
        refusal(client.chat_postMessage, channel=CHANNEL, text="x", blocks=twice)["error"] == "invalid_blocks"
    )


def test_blocks_that_are_not_an_array_are_invalid_blocks_format(client: WebClient) -> None:
    body = refusal(
        client.api_call, api_method="chat.postMessage", json={"channel": CHANNEL, "blocks": {"a": 1}}
    )

    assert body["error"] == "invalid_blocks_format"


def test_no_text_and_no_blocks_is_no_text(client: WebClient, standin: SlackStandIn) -> None:
    body = refusal(client.api_call, api_method="chat.postMessage", json={"channel": CHANNEL, "text": ""})

    assert body["error"] == "no_text"
    assert standin.messages(CHANNEL) == []


def test_text_over_forty_thousand_chars_is_msg_too_long(client: WebClient) -> None:
    assert client.chat_postMessage(channel=CHANNEL, text="a" * 40_000)["ok"]
    assert refusal(client.chat_postMessage, channel=CHANNEL, text="a" * 40_001)["error"] == "msg_too_long"


def test_unknown_channel_is_channel_not_found(client: WebClient) -> None:
    body = refusal(client.chat_postMessage, channel="C0NOWHERE", text="x")

    assert body == {"ok": False, "error": "channel_not_found"}


def test_private_channel_without_the_bot_is_not_in_channel(client: WebClient, standin: SlackStandIn) -> None:
    secret = standin.add_channel("cs-secret", is_private=True, bot_is_member=False)

    assert refusal(client.chat_postMessage, channel=secret, text="x")["error"] == "not_in_channel"


def test_bad_metadata_is_invalid_metadata_format(client: WebClient) -> None:
    body = refusal(client.chat_postMessage, channel=CHANNEL, text="x", metadata={"event_type": "x"})

    assert body["error"] == "invalid_metadata_format"


def test_modal_title_over_24_chars_is_invalid_blocks(client: WebClient, standin: SlackStandIn) -> None:
    trigger = standin.issue_trigger_id("U0SATO")

    body = refusal(client.views_open, trigger_id=trigger, view=modal("x" * 25))

    assert body["error"] == "invalid_blocks"
    assert "24" in body["response_metadata"]["messages"][0]
    assert standin.open_views("U0SATO") == []


def test_a_refused_view_does_not_use_up_the_trigger(client: WebClient, standin: SlackStandIn) -> None:
    trigger = standin.issue_trigger_id("U0SATO")
    refusal(client.views_open, trigger_id=trigger, view=modal("x" * 25))

    assert client.views_open(trigger_id=trigger, view=modal("アセスメント"))["ok"]


def test_modal_without_title_is_invalid_arguments(client: WebClient, standin: SlackStandIn) -> None:
    body = refusal(
        client.views_open,
        trigger_id=standin.issue_trigger_id("U0SATO"),
        view={"type": "modal", "blocks": [SECTION]},
    )

    assert body == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": ["missing required field: title"]},
    }


def test_modal_with_inputs_needs_submit(client: WebClient, standin: SlackStandIn) -> None:
    field = {
        "type": "input",
        "label": {"type": "plain_text", "text": "PO"},
        "element": {"type": "plain_text_input", "action_id": "po"},
    }

    body = refusal(client.views_open, trigger_id=standin.issue_trigger_id("U0SATO"), view=modal("T", [field]))

    assert body["response_metadata"]["messages"] == ["missing required field: submit"]


def test_home_with_101_blocks_is_invalid_blocks(client: WebClient) -> None:
    body = refusal(client.views_publish, user_id="U0SATO", view={"type": "home", "blocks": [SECTION] * 101})

    assert body["error"] == "invalid_blocks"


def test_home_with_100_blocks_is_accepted(client: WebClient) -> None:
    assert client.views_publish(user_id="U0SATO", view={"type": "home", "blocks": [SECTION] * 100})["ok"]


def test_publish_for_an_unknown_user_is_user_not_found(client: WebClient) -> None:
    body = refusal(client.views_publish, user_id="U0NOBODY", view={"type": "home", "blocks": [SECTION]})

    assert body["error"] == "user_not_found"


def test_views_update_of_an_unknown_view_is_not_found(client: WebClient) -> None:
    assert refusal(client.views_update, view_id="V0NOPE", view=modal("T"))["error"] == "not_found"


def test_a_block_that_passed_once_passes_again_and_its_invalid_twin_still_fails(client: WebClient) -> None:
    """The stand-in remembers blocks that passed (by their JSON), never ones that failed."""
    header = {"type": "header", "block_id": "h", "text": {"type": "plain_text", "text": "燃" * 150}}
    too_long = {**header, "text": {"type": "plain_text", "text": "燃" * 151}}
    for _ in range(2):
        assert client.chat_postMessage(channel=CHANNEL, text="x", blocks=[header])["ok"]
    for _ in range(2):
        body = refusal(client.chat_postMessage, channel=CHANNEL, text="x", blocks=[too_long])
        assert body["error"] == "invalid_blocks"
        assert body["response_metadata"]["messages"][0].endswith("[json-pointer:/blocks/0]")
    body = refusal(client.views_publish, user_id="U0SATO", view={"type": "home", "blocks": [header, header]})
    assert "duplicate block_id" in body["response_metadata"]["messages"][0]
