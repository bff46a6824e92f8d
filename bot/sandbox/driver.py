"""``SlackDriver``: sends the app inbound requests exactly as Slack does, signed with the v0 scheme.

    driver = SlackDriver("http://127.0.0.1:8123/slack/events", signing_secret, standin)
    answer = driver.slash_command("assess Acme", user_id="U0SATO")
    assert answer.status == 200

Slash commands and interactions are ``application/x-www-form-urlencoded`` (interactions as one
``payload`` field of JSON); events are ``application/json``. Every request carries
``X-Slack-Request-Timestamp`` and ``X-Slack-Signature: v0=hmac_sha256(secret, "v0:{ts}:{body}")``;
event retries add ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason``. With a stand-in, trigger ids and
response URLs are real ones the stand-in will honour; without one they are realistic placeholders.

Thread-safe: each thread keeps one keep-alive connection (the load benchmark runs 20 client threads).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPSConnection, RemoteDisconnected
from typing import Any, TypedDict, Unpack
from urllib.parse import quote_plus, urlencode, urlsplit

from bot.sandbox import payloads
from bot.sandbox.standin import SlackStandIn
from bot.sandbox.workspace import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_DOMAIN,
    DEFAULT_TEAM_ID,
    JsonDict,
)

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
LEGACY_VERIFICATION_TOKEN = "legacy-verification-token"  # noqa: S105 - a placeholder Slack still sends


def sign(signing_secret: str, timestamp: str | int, body: str | bytes) -> str:
    """Slack's request signature: ``"v0=" + hex(hmac_sha256(secret, "v0:{timestamp}:{body}"))``."""
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode() + b":" + raw
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class DriverResponse:
    """The app's answer. ``headers`` have lower-case names; ``json`` is the decoded body or ``None``;
    ``elapsed`` is seconds from sending to the last byte; ``request_body`` is what was sent."""

    status: int
    headers: dict[str, str]
    body: str
    json: Any | None
    elapsed: float
    request_body: str = ""


class SendOptions(TypedDict, total=False):
    """Overrides for tests of refusals: a stale ``timestamp``, a forged ``signature``, extra headers."""

    timestamp: int | str
    signature: str
    headers: Mapping[str, str]


class SlackDriver:
    """Sends signed Slack requests to ``app_url`` (the app's ``/slack/events``)."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        standin: SlackStandIn | None = None,
        *,
        team_id: str | None = None,
        team_domain: str | None = None,
        api_app_id: str | None = None,
        verification_token: str = LEGACY_VERIFICATION_TOKEN,
        now: Callable[[], float] = time.time,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(app_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {app_url!r}")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._secret = signing_secret
        self._standin = standin
        self._now = now
        self._timeout = timeout
        self.origin = payloads.Origin(
            team_id=team_id or (standin.team_id if standin else DEFAULT_TEAM_ID),
            team_domain=team_domain or (standin.team_domain if standin else DEFAULT_TEAM_DOMAIN),
            api_app_id=api_app_id or (standin.app_id if standin else DEFAULT_APP_ID),
            bot_user_id=standin.bot_user_id if standin else DEFAULT_BOT_USER_ID,
            verification_token=verification_token,
        )
        self._local = threading.local()
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # ---- Slack's requests ------------------------------------------------------------------------

    def slash_command(
        self,
        text: str,
        user_id: str,
        channel_id: str = DEFAULT_CHANNEL_ID,
        command: str = "/takibi",
        **options: Unpack[SendOptions],
    ) -> DriverResponse:
        """``POST`` a slash command (form fields per ``payloads.slash_command_fields``)."""
        fields = payloads.slash_command_fields(
            self.origin,
            command=command,
            text=text,
            user_id=user_id,
            user_name=self._user_name(user_id),
            channel_id=channel_id,
            channel_name=self._channel_name(channel_id),
            response_url=self._response_url(user_id=user_id, channel_id=channel_id),
            trigger_id=self._trigger_id(user_id),
        )
        return self.send(urlencode(fields), FORM, **options)

    def block_actions(
        self,
        user_id: str,
        actions: list[JsonDict],
        *,
        container: JsonDict | None = None,
        message: JsonDict | None = None,
        view: JsonDict | None = None,
        channel_id: str | None = None,
        state: JsonDict | None = None,
        **options: Unpack[SendOptions],
    ) -> DriverResponse:
        """A click in a message (give ``message`` and ``channel_id``) or in a modal/Home (give ``view``).

        ``actions`` items look like ``{"type": "button", "action_id": "…", "block_id": "…",
        "value": "…", "text": {...}}``; ``action_ts`` is added. ``state`` is ``state.values``.
        """
        channel: JsonDict | None = None
        response_url: str | None = None
        if view is None and message is None:
            raise ValueError("block_actions needs a message (with channel_id) or a view")
        if message is not None:
            if channel_id is None:
                raise ValueError("a message container needs channel_id")
            message_ts = str(message.get("ts", ""))
            container = container or {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            channel = {"id": channel_id, "name": self._channel_name(channel_id)}
            response_url = self._response_url(user_id=user_id, channel_id=channel_id, message_ts=message_ts)
        elif view is not None:
            container = container or {"type": "view", "view_id": view.get("id")}
        assert container is not None
        payload = payloads.block_actions(
            self.origin,
            user=self._user(user_id),
            actions=actions,
            action_ts=payloads.slack_ts(self._now()),
            trigger_id=self._trigger_id(user_id),
            container=container,
            channel=channel,
            message=message,
            view=view,
            state_values=state,
            response_url=response_url,
        )
        return self._send_interaction(payload, options)

    def view_submission(
        self,
        user_id: str,
        view: JsonDict,
        state_values: JsonDict,
        private_metadata: str | None = None,
        callback_id: str | None = None,
        **options: Unpack[SendOptions],
    ) -> DriverResponse:
        """Submit ``view`` (best: as the stand-in returned it from ``views.open``) with input values.

        With a stand-in, the app's answer is applied (``response_action`` update/push/clear/errors,
        or the view closes) and can be read in ``standin.view_responses``.
        """
        full = self._full_view(view)
        if private_metadata is not None:
            full["private_metadata"] = private_metadata
        if callback_id is not None:
            full["callback_id"] = callback_id
        full = payloads.with_state(full, state_values)
        payload = payloads.view_submission(
            self.origin, user=self._user(user_id), view=full, trigger_id=self._trigger_id(user_id)
        )
        answer = self._send_interaction(payload, options)
        if self._standin is not None and answer.status == 200:
            self._standin.apply_view_response(user_id, str(full["id"]), answer.json)
        return answer

    def view_closed(
        self, user_id: str, view: JsonDict, is_cleared: bool = False, **options: Unpack[SendOptions]
    ) -> DriverResponse:
        """The user closed a modal opened with ``notify_on_close``."""
        full = self._full_view(view)
        payload = payloads.view_closed(
            self.origin, user=self._user(user_id), view=full, is_cleared=is_cleared
        )
        answer = self._send_interaction(payload, options)
        if self._standin is not None:
            self._standin.close_view(user_id, str(full["id"]), cleared=is_cleared)
        return answer

    def block_suggestion(
        self,
        user_id: str,
        action_id: str,
        block_id: str,
        value: str,
        *,
        view: JsonDict | None = None,
        message: JsonDict | None = None,
        channel_id: str | None = None,
        **options: Unpack[SendOptions],
    ) -> DriverResponse:
        """Typing in an external select: the app answers ``{"options": [...]}`` in the HTTP body."""
        channel: JsonDict | None = None
        if view is not None:
            full: JsonDict | None = self._full_view(view)
            assert full is not None
            container: JsonDict = {"type": "view", "view_id": full["id"]}
        else:
            full = None
            if message is None or channel_id is None:
                raise ValueError("block_suggestion needs a view, or a message and channel_id")
            container = {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            channel = {"id": channel_id, "name": self._channel_name(channel_id)}
        payload = payloads.block_suggestion(
            self.origin,
            user=self._user(user_id),
            action_id=action_id,
            block_id=block_id,
            value=value,
            container=container,
            view=full,
            channel=channel,
            message=message,
        )
        return self._send_interaction(payload, options)

    def message_shortcut(
        self,
        user_id: str,
        callback_id: str,
        message: JsonDict,
        channel_id: str,
        **options: Unpack[SendOptions],
    ) -> DriverResponse:
        """A message shortcut (``message_action``) on ``message`` in ``channel_id``."""
        payload = payloads.message_action(
            self.origin,
            user=self._user(user_id),
            callback_id=callback_id,
            message=message,
            channel={"id": channel_id, "name": self._channel_name(channel_id)},
            trigger_id=self._trigger_id(user_id),
            response_url=self._response_url(
                user_id=user_id, channel_id=channel_id, message_ts=str(message.get("ts", ""))
            ),
            action_ts=payloads.slack_ts(self._now()),
        )
        return self._send_interaction(payload, options)

    def event(
        self,
        event: JsonDict,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        **options: Unpack[SendOptions],
    ) -> DriverResponse:
        """Deliver an Events API ``event_callback``. A retry reuses ``event_id`` and sets ``retry_num``
        (1..3) and ``retry_reason`` (``http_timeout``, ``http_error``, ``too_many_requests``, …)."""
        envelope = payloads.event_callback(
            self.origin, event=event, event_id=event_id or self.new_event_id(), event_time=int(self._now())
        )
        headers = dict(options.get("headers") or {})
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        options["headers"] = headers
        return self.send(payloads.to_json(envelope), JSON, **options)

    def url_verification(self, challenge: str, **options: Unpack[SendOptions]) -> DriverResponse:
        return self.send(payloads.to_json(payloads.url_verification(self.origin, challenge)), JSON, **options)

    # ---- event builders --------------------------------------------------------------------------

    def reaction_added(self, user: str, reaction: str, channel: str, ts: str, item_user: str) -> JsonDict:
        """The inner ``reaction_added`` event, for ``event(...)``."""
        return payloads.reaction_added(
            user=user,
            reaction=reaction,
            channel=channel,
            ts=ts,
            item_user=item_user,
            event_ts=payloads.slack_ts(self._now()),
        )

    def app_home_opened(self, user: str, tab: str = "home") -> JsonDict:
        """The inner ``app_home_opened`` event; with a stand-in, the real DM id and published Home view."""
        if self._standin is not None:
            channel = self._standin.dm_channel(user)
            view = self._standin.published_home(user)
        else:
            channel, view = f"D{user.removeprefix('U')}", None
        return payloads.app_home_opened(
            user=user, channel=channel, event_ts=payloads.slack_ts(self._now()), tab=tab, view=view
        )

    def new_event_id(self) -> str:
        """A fresh ``Ev…`` id (keep it to send a retry of the same event)."""
        return f"Ev{next(self._ids):04d}{secrets.token_hex(4).upper()}"

    # ---- transport -------------------------------------------------------------------------------

    def send(self, body: str, content_type: str, **options: Unpack[SendOptions]) -> DriverResponse:
        """Sign and ``POST`` a raw body. Retries once on a stale keep-alive connection (the server closed
        it while idle), as HTTP clients do; a fresh connection's failure is raised."""
        timestamp = str(options.get("timestamp", int(self._now())))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": options.get("signature") or sign(self._secret, timestamp, body),
            "User-Agent": USER_AGENT,
            "Accept": "application/json,*/*",
            **dict(options.get("headers") or {}),
        }
        data = body.encode()
        for attempt in range(2):
            connection, fresh = self._connection()
            started = time.perf_counter()
            try:
                connection.request("POST", self._path, body=data, headers=headers)
                response = connection.getresponse()
                raw = response.read()
            except (RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._discard(connection)
                if fresh or attempt == 1:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if response.will_close:
                self._discard(connection)
            text = raw.decode("utf-8", "replace")
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            return DriverResponse(response.status, answer_headers, text, _json_or_none(text), elapsed, body)
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> tuple[HTTPConnection, bool]:
        connection: HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection, False
        factory = HTTPSConnection if self._scheme == "https" else HTTPConnection
        connection = factory(self._host, self._port, timeout=self._timeout)
        self._local.connection = connection
        with self._lock:
            self._connections.append(connection)
        return connection, True

    def _discard(self, connection: HTTPConnection) -> None:
        connection.close()
        self._local.connection = None
        with self._lock:
            if connection in self._connections:
                self._connections.remove(connection)

    def _send_interaction(self, payload: JsonDict, options: SendOptions) -> DriverResponse:
        """Interactions are a form with one field: ``payload=<url-encoded JSON>``."""
        return self.send("payload=" + quote_plus(payloads.to_json(payload)), FORM, **options)

    # ---- what the stand-in knows (or realistic placeholders without one) --------------------------

    def _user(self, user_id: str) -> JsonDict:
        return payloads.user_ref(self.origin, user_id, self._user_name(user_id))

    def _user_name(self, user_id: str) -> str:
        name = self._standin.user_name(user_id) if self._standin else None
        return name or user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        name = self._standin.channel_name(channel_id) if self._standin else None
        if name is not None:
            return name
        return "directmessage" if channel_id.startswith("D") else channel_id.lower()

    def _trigger_id(self, user_id: str) -> str:
        if self._standin is not None:
            return self._standin.issue_trigger_id(user_id)
        return f"{int(self._now() * 1000)}.{next(self._ids):011d}.{secrets.token_hex(16)}"

    def _response_url(self, *, user_id: str, channel_id: str, message_ts: str | None = None) -> str:
        if self._standin is not None:
            return self._standin.new_response_url(
                user_id=user_id, channel_id=channel_id, message_ts=message_ts
            )
        return (
            f"https://hooks.slack.com/actions/{self.origin.team_id}/{next(self._ids)}/{secrets.token_hex(12)}"
        )

    def _full_view(self, view: JsonDict) -> JsonDict:
        if "id" in view and "hash" in view:
            return dict(view)
        view_id = str(view.get("id") or f"V{next(self._ids):010d}")
        return payloads.complete_view(
            self.origin, view, view_id, f"{int(self._now())}.{secrets.token_hex(4)}"
        )


def _json_or_none(text: str) -> Any | None:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
