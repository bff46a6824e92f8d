"""The driver sends what Slack sends: signed, with the right content type and payload fields."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.signature import Clock, SignatureVerifier

from bot.sandbox import SlackDriver, SlackStandIn, sign

from .conftest import SIGNING_SECRET, Captured, CaptureServer, sample, simple_modal

CHANNEL = "C0CSSMB"


def verified(request: Captured, secret: str = SIGNING_SECRET) -> bool:
    return SignatureVerifier(secret).is_valid_request(request.body, request.headers)


def interaction(request: Captured) -> Any:
    (payload,) = parse_qs(request.body.decode())["payload"]
    return json.loads(payload)


def test_sign_matches_slacks_test_vector() -> None:
    vector = sample("signature_test_vector.slash_command.slack-docs.json")

    signature = sign(vector["signing_secret"], vector["x_slack_request_timestamp"], vector["raw_body"])

    assert signature == vector["x_slack_signature"]


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


@given(body=st.text(), timestamp=st.integers(min_value=1_500_000_000, max_value=2_500_000_000))
def test_sign_agrees_with_signature_verifier_for_any_body(body: str, timestamp: int) -> None:
    verifier = SignatureVerifier(SIGNING_SECRET, clock=_FixedClock(timestamp))

    assert verifier.is_valid(body, str(timestamp), sign(SIGNING_SECRET, timestamp, body))


def test_signature_verifies_with_slack_sdk(capture: CaptureServer, capture_driver: SlackDriver) -> None:
    capture_driver.slash_command("status Acme", user_id="U0SATO")

    request = capture.last()
    assert verified(request)
    assert not verified(request, secret="another-secret")
    assert request.headers["x-slack-signature"].startswith("v0=")
    assert abs(int(request.headers["x-slack-request-timestamp"]) - time.time()) < 5


def test_slash_command_is_a_form_with_slacks_fields(
    capture: CaptureServer, capture_driver: SlackDriver
) -> None:
    capture_driver.slash_command("assess アクメ", user_id="U0SATO", channel_id="C0CSMM")

    request = capture.last()
    fields = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert set(fields) <= set(sample("slash_command.field_union.java-sdk-json-logs.json"))
    assert set(fields) >= set(
        sample("signature_test_vector.slash_command.slack-docs.json")["decoded_form_fields"]
    )
    assert fields["text"] == "assess アクメ"
    assert (fields["command"], fields["user_name"], fields["channel_name"]) == ("/takibi", "sato", "cs-mm")
    assert fields["is_enterprise_install"] == "false"


def test_slash_command_carries_a_trigger_and_response_url_the_standin_honours(
    capture: CaptureServer, capture_driver: SlackDriver, standin: SlackStandIn, client: WebClient
) -> None:
    capture_driver.slash_command("new", user_id="U0SATO")
    fields = dict(parse_qsl(capture.last().body.decode()))

    assert client.views_open(trigger_id=fields["trigger_id"], view=simple_modal("T"))["ok"]
    assert fields["response_url"].startswith(standin.origin + "/response/")


def test_block_actions_in_a_message(
    capture: CaptureServer, capture_driver: SlackDriver, standin: SlackStandIn, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="CTA")["ts"]
    button = {"type": "button", "action_id": "cta_done", "block_id": "cta", "value": "42"}

    capture_driver.block_actions("U0SATO", [button], message=standin.message(CHANNEL, ts), channel_id=CHANNEL)

    payload = interaction(capture.last())
    assert set(payload) <= set(sample("block_actions.field_union.java-sdk-json-logs.json"))
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": CHANNEL,
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": CHANNEL, "name": "cs-smb"}
    assert payload["user"] == {"id": "U0SATO", "username": "sato", "name": "sato", "team_id": "T0TAKIBI"}
    assert payload["actions"][0]["value"] == "42"
    assert payload["actions"][0]["action_ts"]
    assert payload["response_url"].startswith(standin.origin)


def test_block_actions_in_a_modal_carries_the_view_state(
    capture: CaptureServer, capture_driver: SlackDriver
) -> None:
    view = {"id": "V0001", "hash": "1.a", "type": "modal", "blocks": []}
    values = {"po": {"name": {"type": "plain_text_input", "value": "山田"}}}

    capture_driver.block_actions("U0SATO", [{"type": "button", "action_id": "a"}], view=view, state=values)

    payload = interaction(capture.last())
    assert payload["container"] == {"type": "view", "view_id": "V0001"}
    assert payload["view"]["state"] == {"values": values}
    assert "response_url" not in payload


def test_view_submission_carries_state_values(capture: CaptureServer, capture_driver: SlackDriver) -> None:
    values = {"po": {"name": {"type": "plain_text_input", "value": "山田"}}}

    capture_driver.view_submission(
        "U0SATO",
        {"type": "modal", "blocks": []},
        values,
        private_metadata='{"account": 7}',
        callback_id="assess",
    )

    payload = interaction(capture.last())
    union = sample("view_submission.field_union.java-sdk-json-logs.json")
    bolt = sample("view_submission.plain_text_input.bolt-python-test.json")
    assert set(payload) <= set(union) | set(bolt)
    assert set(payload["view"]) <= set(union["view"]) | {"blocks"}
    assert payload["view"]["state"] == {"values": values}
    assert (payload["view"]["callback_id"], payload["view"]["private_metadata"]) == (
        "assess",
        '{"account": 7}',
    )


def test_block_suggestion_in_a_modal(capture: CaptureServer, capture_driver: SlackDriver) -> None:
    capture_driver.block_suggestion(
        "U0SATO", "account", "account_block", "アク", view={"id": "V1", "hash": "h"}
    )

    payload = interaction(capture.last())
    reference = sample("block_suggestion.external_select_in_modal.bolt-python-test.json")
    assert set(reference) <= set(payload)
    assert (payload["action_id"], payload["value"]) == ("account", "アク")


def test_message_shortcut(capture: CaptureServer, capture_driver: SlackDriver, standin: SlackStandIn) -> None:
    ts = standin.post_as_user(CHANNEL, "U0EMILY", "The PO is leaving")

    capture_driver.message_shortcut("U0SATO", "log_touchpoint", standin.message(CHANNEL, ts) or {}, CHANNEL)

    payload = interaction(capture.last())
    reference = sample("message_action.message_shortcut.slack-docs-via-java-sdk-test.json")
    assert set(reference) <= set(payload)
    assert (payload["type"], payload["message_ts"], payload["callback_id"]) == (
        "message_action",
        ts,
        "log_touchpoint",
    )


def test_view_closed_tells_the_app_and_closes_the_modal(
    capture: CaptureServer, capture_driver: SlackDriver, standin: SlackStandIn, client: WebClient
) -> None:
    modal = simple_modal("T", notify_on_close=True)
    opened = client.views_open(trigger_id=standin.issue_trigger_id("U0SATO"), view=modal)["view"]

    capture_driver.view_closed("U0SATO", opened)

    payload = interaction(capture.last())
    assert (payload["type"], payload["is_cleared"], payload["view"]["id"]) == (
        "view_closed",
        False,
        opened["id"],
    )
    assert standin.open_views("U0SATO") == []


def test_event_is_json_in_an_event_callback_envelope(
    capture: CaptureServer, capture_driver: SlackDriver
) -> None:
    event = capture_driver.reaction_added("U0SATO", "white_check_mark", CHANNEL, "1.000100", "U0TAKIBIBOT")

    capture_driver.event(event, event_id="Ev0001")

    request = capture.last()
    envelope = json.loads(request.body)
    union = sample("event_callback.reaction_added.field_union.java-sdk-json-logs.json")
    assert request.headers["content-type"] == "application/json"
    assert verified(request)
    assert set(envelope) <= set(union)
    assert set(envelope["event"]) == set(union["event"])
    assert (envelope["type"], envelope["event_id"], envelope["team_id"]) == (
        "event_callback",
        "Ev0001",
        "T0TAKIBI",
    )
    assert envelope["authorizations"][0]["user_id"] == "U0TAKIBIBOT"
    assert "x-slack-retry-num" not in request.headers


def test_event_retry_sends_retry_headers(capture: CaptureServer, capture_driver: SlackDriver) -> None:
    event_id = capture_driver.new_event_id()
    event = capture_driver.app_home_opened("U0SATO")

    capture_driver.event(event, event_id=event_id, retry_num=2, retry_reason="http_timeout")

    request = capture.last()
    assert (request.headers["x-slack-retry-num"], request.headers["x-slack-retry-reason"]) == (
        "2",
        "http_timeout",
    )
    assert json.loads(request.body)["event_id"] == event_id


def test_app_home_opened_uses_the_dm_and_the_published_home(
    capture_driver: SlackDriver, standin: SlackStandIn, client: WebClient
) -> None:
    home = client.views_publish(
        user_id="U0SATO",
        view={"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]},
    )["view"]

    event = capture_driver.app_home_opened("U0SATO")

    union = sample("event_callback.app_home_opened.field_union.java-sdk-json-logs.json")["event"]
    assert set(event) == set(union)
    assert event["channel"] == standin.dm_channel("U0SATO")
    assert event["view"] == home


def test_app_home_opened_before_any_publish_has_no_view(capture_driver: SlackDriver) -> None:
    assert "view" not in capture_driver.app_home_opened("U0EMILY")


def test_url_verification(capture: CaptureServer, capture_driver: SlackDriver) -> None:
    capture_driver.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")

    assert json.loads(capture.last().body)["type"] == "url_verification"


def test_timestamp_and_signature_can_be_overridden(
    capture: CaptureServer, capture_driver: SlackDriver
) -> None:
    capture_driver.slash_command("x", user_id="U0SATO", timestamp=int(time.time()) - 600)
    stale = capture.last()
    capture_driver.slash_command("x", user_id="U0SATO", signature="v0=forged")
    forged = capture.last()

    assert stale.headers["x-slack-signature"] == sign(
        SIGNING_SECRET, stale.headers["x-slack-request-timestamp"], stale.body
    )
    assert not verified(stale)  # five minutes old: refused by SignatureVerifier
    assert forged.headers["x-slack-signature"] == "v0=forged"


def test_driver_works_without_a_standin(capture: CaptureServer) -> None:
    with SlackDriver(capture.url, SIGNING_SECRET) as driver:
        answer = driver.slash_command("x", user_id="U0SATO")

    fields = dict(parse_qsl(capture.last().body.decode()))
    assert answer.status == 200
    assert fields["response_url"].startswith("https://hooks.slack.com/")
    assert fields["team_id"] == "T0TAKIBI"


def test_response_reports_status_headers_json_and_elapsed(capture_driver: SlackDriver) -> None:
    answer = capture_driver.url_verification("c")

    assert (answer.status, answer.json, answer.body) == (200, {}, "{}")
    assert answer.headers["content-type"] == "application/json"
    assert 0 < answer.elapsed < 5
    assert json.loads(answer.request_body)["challenge"] == "c"


@pytest.mark.timeout(60)
def test_twenty_threads_share_the_driver_with_one_connection_each(
    capture: CaptureServer, capture_driver: SlackDriver
) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        for _ in range(10):
            status = capture_driver.url_verification("c").status
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=client) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 200
    assert len({r.client_port for r in capture.requests}) == 20  # keep-alive: one connection per thread
    assert all(verified(r) for r in capture.requests)
