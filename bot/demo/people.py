"""The CS team acting in Slack, through signed requests exactly as Slack sends them.

Each action is what a person does in the Slack client: a slash command, a click on an alert's button, a
reaction, a modal filled in and submitted. The modal is the one the stand-in recorded from the app's
``views.open`` / ``views.update``, so the submission carries the app's own block ids and options.
Which alert to act on is read from the channel, as a person would: the alerts with buttons, the CTA
id in their button values, the owner in their ``<@U…>`` mention.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.demo.forms import submission
from bot.demo.world import DemoWorld
from bot.sandbox import SlackStandIn
from handlers.ids import CtaBlock, CtaButton

JsonDict = dict[str, Any]
MODAL_TIMEOUT = 10.0
_MENTION = re.compile(r"<@(U[A-Z0-9]+)>")


@dataclass(frozen=True, slots=True)
class Alert:
    """A CTA alert as a person sees it in a channel."""

    cta_id: str
    channel: str
    ts: str
    account: str
    owner: str | None
    message: JsonDict

    def button(self, action: CtaButton) -> JsonDict | None:
        for block in self.message.get("blocks") or ():
            for element in block.get("elements") or ():
                if element.get("action_id") == action:
                    return {**element, "block_id": block.get("block_id", CtaBlock.ACTIONS)}
        return None


def _header(message: Mapping[str, Any]) -> str:
    for block in message.get("blocks") or ():
        if block.get("type") == "header":
            return str(block["text"]["text"])
    return str(message.get("text", ""))


def _owner(message: Mapping[str, Any]) -> str | None:
    for block in message.get("blocks") or ():
        if block.get("block_id") == CtaBlock.FIELDS:
            found = _MENTION.search(str(block.get("fields")))
            if found:
                return found.group(1)
    return None


def open_alerts(standin: SlackStandIn, channels: Sequence[str]) -> list[Alert]:
    """Alerts still showing their buttons, oldest first."""
    alerts: list[Alert] = []
    for channel in channels:
        for message in standin.messages(channel):
            if message.get("thread_ts") not in (None, message["ts"]):
                continue
            take = next(
                (
                    element
                    for block in message.get("blocks") or ()
                    for element in block.get("elements") or ()
                    if element.get("action_id") == CtaButton.TAKE
                ),
                None,
            )
            if take is not None:
                alerts.append(
                    Alert(
                        cta_id=str(take.get("value")),
                        channel=channel,
                        ts=str(message["ts"]),
                        account=_header(message),
                        owner=_owner(message),
                        message=message,
                    )
                )
    return sorted(alerts, key=lambda alert: float(alert.ts))


@dataclass
class Person:
    """One member of the CS team, acting through the driver."""

    world: DemoWorld
    user_id: str

    @property
    def name(self) -> str:
        return self.world.user_name(self.user_id)

    def command(self, text: str, channel: str) -> JsonDict | None:
        """``/takibi <text>`` in ``channel``; the answer shown to them (an ephemeral), if one came."""
        standin = self.world.standin
        before = len(standin.ephemerals(user_id=self.user_id))
        self.world.slack.slash_command(text, user_id=self.user_id, channel_id=channel)
        self.world.settle()
        shown = standin.ephemerals(user_id=self.user_id)
        return shown[-1]["message"] if len(shown) > before else None

    def open_modal(self, start: Callable[[], object], callback_id: str) -> JsonDict | None:
        """Do ``start`` (a command, a click) and wait for the modal ``callback_id`` to be on top."""
        standin = self.world.standin

        def ready(s: SlackStandIn) -> bool:
            # The app may first open a "loading" modal and update it: ready once it has its inputs.
            views = s.open_views(self.user_id)
            return (
                bool(views)
                and views[-1].get("callback_id") == callback_id
                and any(block.get("type") == "input" for block in views[-1].get("blocks") or ())
            )

        start()
        if not standin.wait_until(ready, timeout=MODAL_TIMEOUT):
            return None
        self.world.settle()
        views = standin.open_views(self.user_id)
        return views[-1] if views and ready(standin) else None

    def submit(self, view: JsonDict, changes: Mapping[str, str | Sequence[str] | None]) -> bool:
        """Submit ``view`` with ``changes``; ``True`` when the app accepted it (the modal closed)."""
        answer = self.world.slack.view_submission(self.user_id, view, submission(view, changes))
        accepted = answer.status == 200 and not (isinstance(answer.json, dict) and answer.json.get("errors"))
        self.world.settle()
        return accepted

    def click(self, alert: Alert, action: CtaButton) -> bool:
        button = alert.button(action)
        if button is None:
            return False
        self.world.slack.block_actions(
            self.user_id, [button], message=alert.message, channel_id=alert.channel
        )
        return True

    def react(self, alert: Alert, reaction: str) -> None:
        slack = self.world.slack
        event = slack.reaction_added(
            self.user_id, reaction, alert.channel, alert.ts, self.world.standin.bot_user_id
        )
        slack.event(event)
        self.world.settle()
