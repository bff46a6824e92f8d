"""``SlackStandIn``: a local stand-in of the Slack Web API over real HTTP.

No machine here reaches Slack, so tests and the demo point ``slack_sdk.WebClient(base_url=...)`` at this
server. It answers the methods takibi uses with Slack-shaped bodies, refuses bad payloads the way Slack
does, keeps a small workspace (users, channels, usergroups, messages with threads, views, files), records
every call, and can be told to fail (429, 5xx, latency, lost answers) to exercise the app's delivery.

    with SlackStandIn() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        client.chat_postMessage(channel="C0CSSMB", text="焚き火")
        assert slack.messages("C0CSSMB")[-1]["text"] == "焚き火"
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from bot.sandbox.api.files import file_object
from bot.sandbox.api.views import pop_view, push_stored, replace_stored
from bot.sandbox.record import RecordedCall, ResponsePost, ViewResponse
from bot.sandbox.server import StandInServer
from bot.sandbox.state import StandInState
from bot.sandbox.validation import ApiError, validate_view
from bot.sandbox.workspace import Channel, JsonDict, ResponseHook, Trigger, User, Usergroup


class SlackStandIn:
    """The stand-in. Use as a context manager, or ``start()`` / ``stop()``; binds 127.0.0.1:0 by default.

    ``tokens``: accepted bot tokens (default: any token starting with ``xoxb-``). ``seed``: start with
    the default CS workspace (see ``workspace.seed_default``). ``trigger_ttl``: seconds a trigger id
    stays valid (Slack: 3). ``clock`` (monotonic) drives trigger expiry and rate-limit windows;
    ``wall_clock`` drives message timestamps.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: Iterable[str] | None = None,
        seed: bool = True,
        trigger_ttl: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._address = (host, port)
        self._state = StandInState(
            tokens=tokens, seed=seed, trigger_ttl=trigger_ttl, clock=clock, wall_clock=wall_clock
        )
        self._trigger_seq = itertools.count(1)
        self._server: StandInServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        if self._server is None:
            self._server = StandInServer(self._address, self._state)
            self._state.origin = f"http://{self._address[0]}:{self.port}"
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"slack-standin:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._state.faults.release_held()
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return self._state.origin

    @property
    def base_url(self) -> str:
        """What ``slack_sdk.WebClient(base_url=...)`` takes: ``http://127.0.0.1:PORT/api/``."""
        return f"{self.origin}/api/"

    # ---- workspace -------------------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return self._state.ws.team_id

    @property
    def team_domain(self) -> str:
        return self._state.ws.team_domain

    @property
    def app_id(self) -> str:
        return self._state.ws.app_id

    @property
    def bot_user_id(self) -> str:
        return self._state.ws.bot_user_id

    def add_user(
        self,
        name: str,
        *,
        user_id: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
        locale: str = "en-US",
        tz: str = "America/Los_Angeles",
        is_admin: bool = False,
        channels: Iterable[str] | None = None,
    ) -> str:
        """Add a member who joins ``channels`` (default: every public channel). Returns the user id."""
        with self._state.changed:
            ws = self._state.ws
            user = User(
                user_id or ws.new_id("U"),
                name,
                real_name or name,
                email or f"{name}@takibi.example",
                locale,
                tz,
                is_admin,
            )
            ws.users[user.id] = user
            public = [c.id for c in ws.channels.values() if not (c.is_private or c.is_im)]
            for channel_id in public if channels is None else channels:
                ws.channels[channel_id].members.append(user.id)
            return user.id

    def add_channel(
        self,
        name: str,
        *,
        channel_id: str | None = None,
        is_private: bool = False,
        members: Iterable[str] | None = None,
        bot_is_member: bool = True,
    ) -> str:
        """Add a channel (``C…`` public, ``G…`` private); members default to every human user."""
        with self._state.changed:
            ws = self._state.ws
            humans = [u.id for u in ws.users.values() if not u.is_bot]
            ids = list(members) if members is not None else humans
            if bot_is_member:
                ids.append(ws.bot_user_id)
            new_id = channel_id or ws.new_id("G" if is_private else "C")
            ws.channels[new_id] = Channel(new_id, name, is_private, members=ids)
            return new_id

    def add_usergroup(
        self, handle: str, users: Iterable[str], *, name: str | None = None, usergroup_id: str | None = None
    ) -> str:
        """Add a user group such as ``@cs-enterprise``. Returns its ``S…`` id."""
        with self._state.changed:
            ws = self._state.ws
            group = Usergroup(usergroup_id or ws.new_id("S"), handle, name or handle, list(users))
            ws.usergroups[group.id] = group
            return group.id

    def post_as_user(self, channel_id: str, user_id: str, text: str, *, thread_ts: str | None = None) -> str:
        """Seed a message written by a person (to react to, reply under, shortcut on). Returns its ts.

        Shape: ``{"client_msg_id": "…", "type": "message", "text": "…", "user": "U…", "ts": "…",
        "team": "T…"}`` (+ ``thread_ts``/``parent_user_id`` for a reply).
        """
        with self._state.changed:
            ws = self._state.ws
            channel = ws.channels[channel_id]
            ts = self._state.ts.next()
            message: JsonDict = {
                "client_msg_id": str(uuid.uuid4()),
                "type": "message",
                "text": text,
                "user": user_id,
                "ts": ts,
                "team": ws.team_id,
            }
            if thread_ts:
                parent = channel.messages.get(thread_ts)
                message.update(thread_ts=thread_ts, parent_user_id=parent["user"] if parent else user_id)
            channel.messages[ts] = message
            self._state.changed.notify_all()
            return ts

    def dm_channel(self, user_id: str) -> str:
        """The app's DM with ``user_id`` (opened if needed), as ``app_home_opened`` reports it."""
        with self._state.changed:
            return self._state.ws.open_im(user_id)[0].id

    def user_name(self, user_id: str) -> str | None:
        with self._state.lock:
            user = self._state.ws.users.get(user_id)
            return user.name if user is not None else None

    def channel_name(self, channel_id: str) -> str | None:
        """As slash commands report it: the name, ``directmessage`` for a DM, ``None`` if unknown."""
        with self._state.lock:
            channel = self._state.ws.channels.get(channel_id)
            if channel is None:
                return None
            return "directmessage" if channel.is_im else channel.name

    def issue_trigger_id(self, user_id: str) -> str:
        """A trigger id as Slack puts in an interaction (``"1732345678123.00000000001.4f6c…"``)."""
        with self._state.changed:
            trigger_id = (
                f"{int(self._state.wall() * 1000)}.{next(self._trigger_seq):011d}.{secrets.token_hex(16)}"
            )
            self._state.ws.triggers[trigger_id] = Trigger(trigger_id, user_id, self._state.clock())
            return trigger_id

    def triggers(self) -> list[Trigger]:
        """Every trigger id issued so far, oldest first, with when (``clock``) it was issued and used."""
        with self._state.changed:
            return [copy.copy(trigger) for trigger in self._state.ws.triggers.values()]

    def new_response_url(
        self, *, user_id: str | None = None, channel_id: str | None = None, message_ts: str | None = None
    ) -> str:
        """A ``response_url`` on the stand-in; ``message_ts`` lets ``replace_original`` edit that message."""
        with self._state.changed:
            hook = ResponseHook(secrets.token_hex(12), user_id, channel_id, message_ts)
            self._state.ws.hooks[hook.id] = hook
        return f"{self.origin}/response/{hook.id}"

    # ---- fault injection -------------------------------------------------------------------------

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = None, times: int = 1
    ) -> None:
        """Fail the next ``times`` calls to ``method`` (``"*"``: any method; ``"response_url"``: hooks).

        429 answers ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After`` (default 2 s); 500/503
        answer ``internal_error`` / ``service_unavailable`` (``Retry-After`` only when given). A failed
        call changes nothing in the workspace but is recorded in ``calls``.
        """
        self._state.faults.fail_next(method, status, retry_after, times)

    def fail_after_accept(self, method: str, times: int = 1) -> None:
        """Process the next ``times`` calls normally (the message IS stored), then close the connection
        without answering: Slack accepted it, the app never learns so."""
        self._state.faults.fail_after_accept(method, times)

    def hold_after_accept(self, method: str, times: int = 1) -> None:
        """Process the next ``times`` calls normally (the message IS stored and recorded with
        ``injected="hold"``), then hold the HTTP answer until :meth:`release_held` (or 60 s).

        For crash tests: wait until the held call shows in ``calls``, kill the client, then release.
        """
        self._state.faults.hold_after_accept(method, times)

    def release_held(self) -> int:
        """Send every held answer now; returns how many were still waiting."""
        return self._state.faults.release_held()

    def set_failure_rate(
        self,
        rate: float,
        seed: int = 0,
        methods: Iterable[str] | None = None,
        statuses: Iterable[int] = (500, 503, 429),
    ) -> None:
        """Fail a share ``rate`` of calls at random; the same seed and call order fail the same calls."""
        self._state.faults.set_failure_rate(rate, seed, methods, statuses)

    def set_latency(self, seconds: float, methods: Iterable[str] | None = None) -> None:
        """Delay every answer (or those of ``methods``) by ``seconds``."""
        self._state.faults.set_latency(seconds, methods)

    def set_rate_limit(self, method: str, per_channel_per_second: float | None = 1) -> None:
        """Slack's special limit: about one ``chat.postMessage`` per second per channel; ``None`` lifts it."""
        self._state.faults.set_rate_limit(method, per_channel_per_second)

    def clear_faults(self) -> None:
        self._state.faults.clear()

    # ---- records ---------------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """Every Web API call, in arrival order (injected failures and dropped answers included)."""
        with self._state.lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._state.lock:
            return [c for c in self._state.calls if c.method == method]

    def messages(self, channel_id: str, *, include_metadata: bool = True) -> list[JsonDict]:
        """Every message in the channel, oldest first, thread replies included, edits applied."""
        return self._state.messages(channel_id, include_metadata=include_metadata)

    def message(self, channel_id: str, ts: str) -> JsonDict | None:
        return next((m for m in self.messages(channel_id) if m["ts"] == ts), None)

    def thread(self, channel_id: str, thread_ts: str) -> list[JsonDict]:
        """The parent and its replies, oldest first."""
        return [m for m in self.messages(channel_id) if thread_ts in (m["ts"], m.get("thread_ts"))]

    def ephemerals(self, channel_id: str | None = None, user_id: str | None = None) -> list[JsonDict]:
        """Ephemerals as ``{"channel", "user", "ts", "message", "source"}``; ``source`` is
        ``"chat.postEphemeral"`` or ``"response_url"``."""
        return self._state.ephemerals(channel_id, user_id)

    @property
    def responses(self) -> list[ResponsePost]:
        """Every POST to a ``response_url``, valid or refused."""
        with self._state.lock:
            return list(self._state.responses)

    @property
    def view_responses(self) -> list[ViewResponse]:
        """How each ``view_submission`` answer reported by the driver was applied."""
        with self._state.lock:
            return list(self._state.view_responses)

    def published_home(self, user_id: str) -> JsonDict | None:
        with self._state.lock:
            view_id = self._state.ws.homes.get(user_id)
            return copy.deepcopy(self._state.ws.views[view_id].view) if view_id else None

    def view(self, view_id: str) -> JsonDict | None:
        with self._state.lock:
            stored = self._state.ws.views.get(view_id)
            return copy.deepcopy(stored.view) if stored is not None else None

    def open_views(self, user_id: str) -> list[JsonDict]:
        """The user's modal stack, bottom first."""
        with self._state.lock:
            ws = self._state.ws
            return [copy.deepcopy(ws.views[v].view) for v in ws.modal_stacks.get(user_id, [])]

    def file_bytes(self, file_id: str) -> bytes | None:
        with self._state.lock:
            stored = self._state.ws.files.get(file_id)
            return stored.data if stored is not None else None

    def file_object(self, file_id: str) -> JsonDict | None:
        """The ``file`` object as ``files.completeUploadExternal`` answers it."""
        with self._state.lock:
            stored = self._state.ws.files.get(file_id)
            return file_object(self._state.context({}), stored) if stored is not None else None

    def state(self) -> JsonDict:
        """The workspace and records as JSON (also served at ``GET /_standin/state``)."""
        return self._state.snapshot()

    def wait_until(self, predicate: Callable[[SlackStandIn], bool], timeout: float = 5.0) -> bool:
        """Block until ``predicate(self)`` holds (re-checked on every recorded change) or ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._state.changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._state.changed.wait(min(remaining, 0.1))
            return True

    def reset(self) -> None:
        """Back to the seeded workspace with empty records and no faults; the server keeps running."""
        self._state.reset()

    # ---- interactions the driver reports back ----------------------------------------------------

    def apply_view_response(self, user_id: str, view_id: str, body: Any) -> JsonDict:
        """Apply the app's answer to a ``view_submission`` as Slack would::

        {"response_action": "update" | "push", "view": {...}}  → replace / push (validated)
        {"response_action": "errors", "errors": {...}}          → the modal stays as it is
        {"response_action": "clear"}                            → every modal closes
        empty body                                              → the submitted view closes
        """
        with self._state.changed:
            ws, wall = self._state.ws, self._state.wall()
            action = body.get("response_action") if isinstance(body, dict) else None
            result: JsonDict = {"ok": True}
            try:
                if isinstance(body, dict) and action in ("update", "push"):
                    view = validate_view(body.get("view"))
                    stored = ws.views.get(view_id)
                    if action == "push":
                        result = push_stored(ws, user_id, view, wall)
                    elif stored is None or not stored.open:
                        raise ApiError("not_found")
                    else:
                        result = replace_stored(ws, stored, view, wall)
                elif action == "clear":
                    for open_id in list(ws.modal_stacks.get(user_id, [])):
                        pop_view(ws, user_id, open_id)
                elif action != "errors":
                    pop_view(ws, user_id, view_id)
            except ApiError as error:
                result = error.body()
            self._state.view_responses.append(ViewResponse(user_id, view_id, copy.deepcopy(body), result))
            self._state.changed.notify_all()
            return result

    def close_view(self, user_id: str, view_id: str, *, cleared: bool = False) -> None:
        """The user closed ``view_id`` (with ``cleared``: the whole stack)."""
        with self._state.changed:
            ws = self._state.ws
            for open_id in list(ws.modal_stacks.get(user_id, [])) if cleared else [view_id]:
                pop_view(ws, user_id, open_id)
            self._state.changed.notify_all()
