"""``ModalOpener`` against the Slack stand-in: one ``views.open`` when the content is ready in time,
"loading…" before the trigger expires when it is late, and an error with its id when the build fails."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.i18n import Locale, Translator
from bot.sandbox import SlackStandIn
from bot.slack_api import build_web_client
from handlers.surface import ModalOpener

USER = "U0OPENER"
LOADING_JA = Translator(Locale.JA)("modal.loading")


def content(text: str) -> View:
    return View(
        type="modal",
        callback_id="content",
        title=PlainTextObject(text="takibi"),
        blocks=[SectionBlock(block_id="body", text=PlainTextObject(text=text))],
    )


def slow(text: str, seconds: float) -> Callable[[], View]:
    def build() -> View:
        time.sleep(seconds)
        return content(text)

    return build


def body_text(view: dict[str, Any]) -> str:
    return str(view["blocks"][0]["text"]["text"])


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        running.add_user("opener", user_id=USER, locale="ja-JP")
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return build_web_client("xoxb-opener", standin.base_url)


def open_with(
    opener: ModalOpener,
    client: WebClient,
    standin: SlackStandIn,
    build: Callable[[], View],
    *,
    user: str = USER,
    locale: Locale = Locale.JA,
) -> threading.Thread:
    """Open as a listener does after its ack, on a thread of its own."""
    trigger_id = standin.issue_trigger_id(user)
    listener = threading.Thread(
        target=opener.open,
        args=(client, trigger_id, Translator(locale), build),
        kwargs={"title_key": "assess.title", "describe": "test"},
    )
    listener.start()
    return listener


def shown(standin: SlackStandIn, text: str) -> bool:
    views = standin.open_views(USER)
    return bool(views) and body_text(views[-1]) == text


def test_content_ready_in_time_opens_in_one_call(standin: SlackStandIn, client: WebClient) -> None:
    opener = ModalOpener(budget=1.5)
    open_with(opener, client, standin, lambda: content("ready"))
    assert standin.wait_until(lambda s: shown(s, "ready"))
    time.sleep(1.7)  # past the deadline: the watcher must not open "loading…" over it
    assert [call.params["view"]["callback_id"] for call in standin.calls_to("views.open")] == ["content"]
    assert standin.calls_to("views.update") == []
    assert shown(standin, "ready")


def test_late_content_replaces_loading_opened_before_the_deadline(
    standin: SlackStandIn, client: WebClient
) -> None:
    opener = ModalOpener(budget=0.1)
    open_with(opener, client, standin, slow("late", 0.6))
    assert standin.wait_until(
        lambda s: body_text(s.open_views(USER)[-1]) == LOADING_JA if s.open_views(USER) else False
    )
    assert standin.wait_until(lambda s: shown(s, "late"))
    opens, updates = standin.calls_to("views.open"), standin.calls_to("views.update")
    assert len(opens) == 1
    assert body_text(opens[0].params["view"]) == LOADING_JA
    assert len(updates) == 1
    assert updates[0].status == 200
    assert updates[0].params["hash"] == opens[0].response["view"]["hash"]


def test_late_content_for_a_closed_modal_is_dropped_quietly(
    standin: SlackStandIn, client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    opener = ModalOpener(budget=0.05)
    release = threading.Event()

    def build() -> View:
        release.wait(5)
        return content("too late")

    listener = open_with(opener, client, standin, build)
    assert standin.wait_until(lambda s: bool(s.open_views(USER)))
    standin.close_view(USER, standin.open_views(USER)[-1]["id"])
    with caplog.at_level(logging.INFO):
        release.set()
        listener.join(5)
    assert standin.calls_to("views.update")[0].response["error"] == "not_found"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "is gone (not_found)" in caplog.text


def test_failed_build_shows_an_error_with_its_id(
    standin: SlackStandIn, client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> View:
        raise RuntimeError("the database went away")

    opener = ModalOpener()
    with caplog.at_level(logging.ERROR):
        open_with(opener, client, standin, broken)
        assert standin.wait_until(lambda s: bool(s.open_views(USER)))
    text = body_text(standin.open_views(USER)[-1])
    error_id = text.split("`")[1]
    assert text == Translator(Locale.JA)("error.unexpected", error_id=error_id)
    assert f"test not built (error {error_id})" in caplog.text
    assert "the database went away" not in text


def test_many_openings_each_end_with_their_own_content(standin: SlackStandIn) -> None:
    """Fast and late builds interleaved: the watcher keeps every deadline (FIFO), nothing mixes up."""
    opener = ModalOpener(budget=0.3)
    users = [standin.add_user(f"many{n}", user_id=f"U0MANY{n:02d}", locale="ja-JP") for n in range(12)]
    client = build_web_client("xoxb-opener", standin.base_url)
    listeners = [
        open_with(opener, client, standin, slow(f"for {user}", 0.8 if n % 3 == 0 else 0.0), user=user)
        for n, user in enumerate(users)
    ]
    for listener in listeners:
        listener.join(10)

    def all_shown(s: SlackStandIn) -> bool:
        return all(s.open_views(u) and body_text(s.open_views(u)[-1]) == f"for {u}" for u in users)

    assert standin.wait_until(all_shown, timeout=10)
    opens, updates = standin.calls_to("views.open"), standin.calls_to("views.update")
    assert len(opens) == len(users)
    # The four slow builds went through "loading…" and were updated once each; the others opened whole.
    loading = {
        call.response["view"]["id"]
        for call in opens
        if body_text(call.params["view"]) != "" and call.params["view"].get("callback_id") != "content"
    }
    assert len(updates) == len(loading) == 4
    assert {call.params["view_id"] for call in updates} == loading
