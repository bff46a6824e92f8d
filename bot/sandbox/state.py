"""The stand-in's shared core: workspace, records, faults and clocks behind one lock.

``SlackStandIn`` (the facade tests use) and the HTTP server both work on this object; keeping it apart
lets each of them read as one concern.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Iterable

from bot.sandbox.api import ApiContext
from bot.sandbox.api.chat import render, thread_index
from bot.sandbox.faults import FaultPlan
from bot.sandbox.record import RecordedCall, ResponsePost, ViewResponse
from bot.sandbox.workspace import JsonDict, TsClock, Workspace, seed_default


class StandInState:
    """Everything mutable. Take ``lock`` (or ``changed``) around any read or write of the workspace."""

    def __init__(
        self,
        *,
        tokens: Iterable[str] | None,
        seed: bool,
        trigger_ttl: float,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> None:
        self.tokens = None if tokens is None else frozenset(tokens)
        self.seed = seed
        self.trigger_ttl = trigger_ttl
        self.clock = clock
        self.wall = wall_clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.ts = TsClock(wall_clock)
        self.faults = FaultPlan(clock)
        self.origin = ""
        """``http://127.0.0.1:PORT`` once the server is bound."""
        self.reset()

    def reset(self) -> None:
        with self.changed:
            self.ws = Workspace()
            if self.seed:
                seed_default(self.ws)
            self.calls: list[RecordedCall] = []
            self.responses: list[ResponsePost] = []
            self.view_responses: list[ViewResponse] = []
            self._call_seq = itertools.count(1)
            self.faults.clear()
            self.changed.notify_all()

    def accepts(self, token: str) -> bool:
        """Configured tokens, or by default any bot token (``xoxb-…``)."""
        if self.tokens is not None:
            return token in self.tokens
        return token.startswith("xoxb-")

    def context(self, params: JsonDict) -> ApiContext:
        return ApiContext(self.ws, params, self.wall(), self.clock(), self.ts, self.origin, self.trigger_ttl)

    def record_call(
        self,
        method: str,
        params: JsonDict,
        token: str | None,
        answer: JsonDict,
        *,
        status: int,
        injected: str | None,
    ) -> RecordedCall:
        with self.changed:
            call = RecordedCall(
                next(self._call_seq), method, params, status, answer, token, self.wall(), injected
            )
            self.calls.append(call)
            self.changed.notify_all()
            return call

    def messages(self, channel_id: str, *, include_metadata: bool = True) -> list[JsonDict]:
        """Every message in the channel, oldest first, thread replies included, edits applied."""
        with self.lock:
            channel = self.ws.channels.get(channel_id)
            if channel is None:
                return []
            index = thread_index(channel)
            return [
                render(m, index.get(m["ts"], []), include_metadata=include_metadata)
                for m in channel.messages.values()
            ]

    def ephemerals(self, channel_id: str | None, user_id: str | None) -> list[JsonDict]:
        with self.lock:
            return [
                copy.deepcopy(e)
                for e in self.ws.ephemerals
                if (channel_id is None or e["channel"] == channel_id)
                and (user_id is None or e["user"] == user_id)
            ]

    def snapshot(self) -> JsonDict:
        """The workspace and records as JSON (``GET /_standin/state``)."""
        with self.lock:
            ws = self.ws
            now = self.wall()
            return {
                "team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.team_domain},
                "bot": {"user_id": ws.bot_user_id, "bot_id": ws.bot_id, "app_id": ws.app_id},
                "users": [u.to_api(ws.team_id, include_locale=True, now=now) for u in ws.users.values()],
                "channels": [
                    {**c.to_api(ws.bot_user_id), "members": list(c.members), "messages": self.messages(c.id)}
                    for c in ws.channels.values()
                ],
                "usergroups": [g.to_api(ws.team_id, include_users=True) for g in ws.usergroups.values()],
                "ephemerals": self.ephemerals(None, None),
                "views": [
                    {**copy.deepcopy(s.view), "user": s.user_id, "open": s.open} for s in ws.views.values()
                ],
                "homes": dict(ws.homes),
                "files": [
                    {"id": f.id, "name": f.filename, "size": len(f.data or b""), "completed": f.completed}
                    for f in ws.files.values()
                ],
                "responses": [r.to_json() for r in self.responses],
                "view_responses": [v.to_json() for v in self.view_responses],
                "calls": len(self.calls),
            }
