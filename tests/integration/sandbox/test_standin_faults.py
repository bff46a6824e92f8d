"""Fault injection: the failures the app's delivery code must survive, through the real WebClient."""

from __future__ import annotations

import time
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.sandbox import SlackStandIn

from .conftest import BOT_TOKEN

CHANNEL = "C0CSSMB"


def test_rate_limit_twice_then_success_is_survived_by_the_retry_handler(standin: SlackStandIn) -> None:
    client = WebClient(
        token=BOT_TOKEN,
        base_url=standin.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    standin.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
    started = time.monotonic()

    answer = client.chat_postMessage(channel=CHANNEL, text="digest")

    calls = standin.calls_to("chat.postMessage")
    assert answer["ok"] is True
    assert [c.status for c in calls] == [429, 429, 200]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}
    assert time.monotonic() - started >= 2.0  # Retry-After honoured twice
    assert len(standin.messages(CHANNEL)) == 1


def test_rate_limited_answer_carries_retry_after(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage")

    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel=CHANNEL, text="x")

    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "2"
    assert standin.messages(CHANNEL) == []


def test_server_errors_are_survived_by_the_server_error_handler(standin: SlackStandIn) -> None:
    quick = FixedValueRetryIntervalCalculator(0.05)
    client = WebClient(
        token=BOT_TOKEN,
        base_url=standin.base_url,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick)],
    )
    standin.fail_next("chat.postMessage", status=503)
    standin.fail_next("chat.postMessage", status=500)

    assert client.chat_postMessage(channel=CHANNEL, text="x")["ok"] is True
    assert [(c.status, c.error) for c in standin.calls_to("chat.postMessage")] == [
        (503, "service_unavailable"),
        (500, "internal_error"),
        (200, None),
    ]


def test_a_server_error_without_retries_reaches_the_caller(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_next("*", status=500)

    with pytest.raises(SlackApiError) as failed:
        client.auth_test()

    assert failed.value.response.status_code == 500
    assert standin.calls[0].injected == "fail_next"


def test_latency_slows_only_the_chosen_methods(client: WebClient, standin: SlackStandIn) -> None:
    standin.set_latency(0.4, methods=["chat.postMessage"])

    started = time.monotonic()
    client.chat_postMessage(channel=CHANNEL, text="slow")
    slow = time.monotonic() - started
    started = time.monotonic()
    client.auth_test()
    fast = time.monotonic() - started

    assert slow >= 0.4
    assert fast < 0.4


def _failure_pattern(standin: SlackStandIn, client: WebClient, seed: int) -> list[int]:
    standin.reset()
    standin.set_failure_rate(0.3, seed=seed, methods=["auth.test"])
    statuses = []
    for _ in range(40):
        try:
            client.auth_test()
            statuses.append(200)
        except SlackApiError as error:
            statuses.append(error.response.status_code)
    return statuses


def test_random_failures_are_reproducible_with_a_seed(client: WebClient, standin: SlackStandIn) -> None:
    first = _failure_pattern(standin, client, seed=7)
    again = _failure_pattern(standin, client, seed=7)
    other = _failure_pattern(standin, client, seed=8)

    assert first == again
    assert first != other
    assert set(first) <= {200, 429, 500, 503}
    assert 0 < sum(s != 200 for s in first) < 40


def test_accept_then_drop_stores_the_message_but_loses_the_answer(standin: SlackStandIn) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=standin.base_url, retry_handlers=[])
    standin.fail_after_accept("chat.postMessage")
    metadata = {"event_type": "takibi_delivery", "event_payload": {"delivery_id": "d-7"}}

    with pytest.raises((URLError, RemoteDisconnected, ConnectionError)):
        client.chat_postMessage(channel=CHANNEL, text="CTA", metadata=metadata)

    (call,) = standin.calls_to("chat.postMessage")
    assert (call.status, call.injected) == (0, "drop")
    history = client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    assert [m["metadata"]["event_payload"]["delivery_id"] for m in history["messages"]] == ["d-7"]


def test_a_lost_answer_retried_by_the_default_client_posts_twice(
    client: WebClient, standin: SlackStandIn
) -> None:
    """Why the app reconciles by metadata: WebClient's default connection retry re-sends the post."""
    standin.fail_after_accept("chat.postMessage")

    client.chat_postMessage(channel=CHANNEL, text="CTA")

    assert [c.status for c in standin.calls_to("chat.postMessage")] == [0, 200]
    assert [m["text"] for m in standin.messages(CHANNEL)] == ["CTA", "CTA"]


def test_per_channel_rate_limit_allows_one_message_per_second(
    client: WebClient, standin: SlackStandIn
) -> None:
    standin.set_rate_limit("chat.postMessage", per_channel_per_second=1)

    client.chat_postMessage(channel=CHANNEL, text="first")
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel=CHANNEL, text="second")
    other_channel = client.chat_postMessage(channel="C0CSMM", text="elsewhere")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert other_channel["ok"] is True
    assert [m["text"] for m in standin.messages(CHANNEL)] == ["first"]


def test_per_channel_rate_limit_reopens_after_a_second(client: WebClient, standin: SlackStandIn) -> None:
    standin.set_rate_limit("chat.postMessage", per_channel_per_second=1)
    client.chat_postMessage(channel=CHANNEL, text="first")

    time.sleep(1.05)

    assert client.chat_postMessage(channel=CHANNEL, text="second")["ok"] is True
