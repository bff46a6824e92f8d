"""The stand-in's ``hold_after_accept`` hook, which the crash test relies on."""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from bot.sandbox import SlackStandIn


def test_a_held_answer_comes_after_release_and_the_message_is_stored_before(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.hold_after_accept("chat.postMessage")
    answers: list[SlackResponse] = []
    caller = threading.Thread(
        target=lambda: answers.append(client.chat_postMessage(channel="C0CSSMB", text="x"))
    )
    caller.start()

    held = standin.wait_until(lambda s: bool(s.messages("C0CSSMB")), timeout=5)
    time.sleep(0.2)
    waiting_while_held = caller.is_alive()
    released = standin.release_held()
    caller.join(timeout=5)

    assert held
    assert waiting_while_held
    assert released == 1
    assert answers[0]["ts"] == standin.messages("C0CSSMB")[0]["ts"]
    assert [c.injected for c in standin.calls_to("chat.postMessage")] == ["hold"]


def test_only_the_planned_number_of_calls_is_held(standin: SlackStandIn, client: WebClient) -> None:
    standin.hold_after_accept("chat.postMessage", times=1)
    caller = threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C0CSSMB", "text": "held"})
    caller.start()
    standin.wait_until(lambda s: bool(s.messages("C0CSSMB")), timeout=5)

    second = client.chat_postMessage(channel="C0CSSMB", text="not held")
    standin.reset()  # clearing faults lets the held answer go as well
    caller.join(timeout=5)

    assert second["ok"] is True
    assert not caller.is_alive()
