"""What changed in Slack since the last look, conversation by conversation: the terminal transcript.

The demo looks after every job and every scene. New messages are shown with their time and author,
replies indented under ``↳``, a message the app edited (an alert someone took) again with ``✎``, and
ephemerals ("only visible to you") in the conversation they were shown in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from bot.i18n import Translator
from bot.sandbox import SlackStandIn
from bot.sandbox.transcript import Line, render_line, threaded

JsonDict = dict[str, Any]


def _fingerprint(message: Mapping[str, Any]) -> str:
    return json.dumps(
        [message.get("text"), message.get("blocks"), message.get("files")], sort_keys=True, default=str
    )


@dataclass(frozen=True, slots=True)
class Conversation:
    """A channel or a DM as the transcript names it."""

    id: str
    label: str
    is_dm: bool
    messages: list[JsonDict]


def conversations(state: JsonDict, t: Translator) -> list[Conversation]:
    """Every channel the app is in and every DM it holds, channels first, with their messages
    (``state`` is the stand-in's ``state()``)."""
    names = {user["id"]: user.get("real_name") or user["name"] for user in state["users"]}
    found: list[Conversation] = []
    for channel in state["channels"]:
        if channel.get("is_im"):
            person = names.get(str(channel.get("user")), str(channel.get("user")))
            found.append(Conversation(channel["id"], t("demo.dm", user=person), True, channel["messages"]))
        elif channel.get("is_member"):
            found.append(Conversation(channel["id"], f"#{channel['name']}", False, channel["messages"]))
    return sorted(found, key=lambda c: (c.is_dm, c.label))


def user_names(state: JsonDict) -> dict[str, str]:
    """Member id → the name people see; channel id → its name (for ``<#C…>`` links)."""
    names = {user["id"]: user.get("real_name") or user["name"] for user in state["users"]}
    names.update({c["id"]: c["name"] for c in state["channels"] if not c.get("is_im")})
    return names


@dataclass
class Feed:
    """Remembers what the person was shown; ``news()`` renders only what is new or edited."""

    standin: SlackStandIn
    t: Translator
    tz: tzinfo
    _seen: dict[tuple[str, str], str] = field(default_factory=dict)
    _ephemerals: int = 0

    def news(self) -> list[str]:
        state = self.standin.state()
        names = user_names(state)
        ephemerals = state["ephemerals"]
        fresh_ephemerals, self._ephemerals = ephemerals[self._ephemerals :], len(ephemerals)
        lines: list[str] = []
        for conversation in conversations(state, self.t):
            body: list[str] = []
            for line in threaded(conversation.messages):
                key = (conversation.id, str(line.message["ts"]))
                print_ = _fingerprint(line.message)
                before = self._seen.get(key)
                if before == print_:
                    continue
                self._seen[key] = print_
                note = "" if before is None else self.t("demo.edited")
                body.extend(render_line(line, names, self.tz, note=note))
            for shown in fresh_ephemerals:
                if shown["channel"] == conversation.id:
                    note = self.t("demo.only_you", user=names.get(shown["user"], shown["user"]))
                    message = {**shown["message"], "ts": shown.get("ts") or "0", "bot_id": "B"}
                    body.extend(render_line(Line(message, reply=False), names, self.tz, note=note))
            if body:
                lines.append(f"  ┌ {conversation.label}")
                lines.extend(f"  │ {text}" for text in body)
                lines.append("  └")
        return lines
