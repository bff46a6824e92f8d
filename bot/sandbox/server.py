"""The stand-in's HTTP side: a ``ThreadingHTTPServer`` and the routes it answers.

Routes::

    POST|GET /api/<method>             Web API (form, multipart or JSON; Bearer header or token field)
    POST     /response/<id>            response_url hooks handed to the app in interactions
    POST     /upload/v1/<token>        upload URLs from files.getUploadURLExternal
    GET      /files-pri/<T>-<F>/<name> url_private of uploaded files (Bearer token)
    GET      /_standin/state           the workspace and records, as JSON (for another process)
    GET      /_standin/calls           the call record, as JSON

A Web API call goes: latency → decode → unknown method → injected fault → auth → per-channel rate
limit → the method (under the state lock) → record → answer, or drop the connection unanswered, or
hold the answer until the test releases it (outside the lock, so the stand-in keeps serving).
"""

from __future__ import annotations

import copy
import json
import mimetypes
import secrets
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.sandbox.api import METHODS
from bot.sandbox.api.files import receive_upload
from bot.sandbox.api.responses import post_to_hook
from bot.sandbox.faults import Fault
from bot.sandbox.record import ResponsePost
from bot.sandbox.state import StandInState
from bot.sandbox.validation import ApiError
from bot.sandbox.wire import Reply, decode_api_request, multipart_file, with_warnings
from bot.sandbox.workspace import JsonDict

HOLD_LIMIT_SECONDS = 60.0
"""A held answer is sent after this long even if nobody releases it: no server thread waits forever."""

_SCOPES = (
    "chat:write,chat:write.public,commands,im:write,im:history,channels:history,groups:history,"
    "users:read,users:read.email,usergroups:read,reactions:write,files:write"
)


class StandInServer(ThreadingHTTPServer):
    """One thread per connection; daemon threads so a stuck keep-alive client never blocks exit."""

    daemon_threads = True
    request_queue_size = 128  # the default listen backlog of 5 resets bursts of concurrent clients

    def __init__(self, address: tuple[str, int], state: StandInState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, routes it, writes the answer (or closes the connection without one)."""

    protocol_version = "HTTP/1.1"  # keep-alive, like Slack's edge
    disable_nagle_algorithm = True  # headers and body leave at once; no 40 ms delayed-ACK stalls
    timeout = 60

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        assert isinstance(self.server, StandInServer)
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = route(self.server.state, self.command, self.path, headers, body)
        if reply.drop:
            self.close_connection = True  # accepted, then the answer is lost in transit
            return
        if reply.hold is not None:
            reply.hold.wait(HOLD_LIMIT_SECONDS)  # accepted; the answer waits (the client may die meanwhile)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            if reply.hold is None:
                raise
            self.close_connection = True  # the held client is gone: nobody to answer

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the call record is the log."""


def route(state: StandInState, verb: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
    """Dispatch by path; ``headers`` have lower-case names."""
    path, _, query = raw_path.partition("?")
    if path.startswith("/api/"):
        return _api(state, path.removeprefix("/api/"), query, headers, body)
    if verb == "POST" and path.startswith("/response/"):
        return _response_url(state, path.removeprefix("/response/"), body)
    if verb == "POST" and path.startswith("/upload/v1/"):
        return _upload(state, path.removeprefix("/upload/v1/"), headers, body)
    if verb == "GET" and path.startswith("/files-pri/"):
        return _download(state, path.removeprefix("/files-pri/"), headers)
    if verb == "GET" and path == "/_standin/state":
        return Reply.json(200, state.snapshot())
    if verb == "GET" and path == "/_standin/calls":
        with state.lock:
            return Reply.json(200, [c.to_json() for c in state.calls])
    return Reply.text(404, "Not Found")


def _api(state: StandInState, method: str, query: str, headers: Mapping[str, str], body: bytes) -> Reply:
    delay = state.faults.latency(method)
    if delay > 0:
        time.sleep(delay)
    try:
        request = decode_api_request(
            headers.get("content-type", ""), headers.get("authorization", ""), body, query
        )
    except ApiError as error:
        return _answer(state, method, {}, None, error.body())
    params, token = request.params, request.token
    if method not in METHODS:
        return _answer(
            state, method, params, token, {"ok": False, "error": "unknown_method", "req_method": method}
        )
    fault = state.faults.injected_failure(method)
    if fault is not None:
        return _fault(state, method, params, token, fault)
    if token is None:
        return _answer(state, method, params, token, {"ok": False, "error": "not_authed"})
    if not state.accepts(token):
        return _answer(state, method, params, token, {"ok": False, "error": "invalid_auth"})
    channel = params.get("channel")
    fault = state.faults.rate_limited(method, channel if isinstance(channel, str) else None)
    if fault is not None:
        return _fault(state, method, params, token, fault)
    with state.changed:
        recorded_params = copy.deepcopy(params)
        try:
            answer = METHODS[method](state.context(params))
        except ApiError as error:
            answer = error.body()
        answer = with_warnings(answer, request.warnings)
        drop = state.faults.take_drop(method)
        hold = None if drop else state.faults.take_hold(method)
        injected = "drop" if drop else "hold" if hold is not None else None
        reply = _answer(state, method, recorded_params, token, answer, injected=injected, drop=drop)
        reply.hold = hold
        return reply


def _fault(state: StandInState, method: str, params: JsonDict, token: str | None, fault: Fault) -> Reply:
    """An injected failure: nothing happens in the workspace; 429s carry ``Retry-After``."""
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    body = {"ok": False, "error": fault.error}
    return _answer(
        state, method, params, token, body, status=fault.status, injected=fault.kind, headers=headers
    )


def _answer(
    state: StandInState,
    method: str,
    params: JsonDict,
    token: str | None,
    answer: JsonDict,
    *,
    status: int = 200,
    injected: str | None = None,
    headers: dict[str, str] | None = None,
    drop: bool = False,
) -> Reply:
    """Record the call (status 0 when dropped) and build the HTTP answer with Slack's headers."""
    state.record_call(method, params, token, answer, status=0 if drop else status, injected=injected)
    reply = Reply.json(status, answer, {"X-Slack-Req-Id": secrets.token_hex(16), "X-OAuth-Scopes": _SCOPES})
    reply.headers.update(headers or {})
    reply.drop = drop
    return reply


def _response_url(state: StandInState, hook_id: str, body: bytes) -> Reply:
    """``POST /response/<id>`` (JSON body); faults and latency apply under the name ``response_url``."""
    delay = state.faults.latency("response_url")
    if delay > 0:
        time.sleep(delay)
    try:
        payload: Any = json.loads(body.decode() or "null")
    except ValueError:
        payload = None
    with state.changed:
        hook = state.ws.hooks.get(hook_id)
        fault = state.faults.injected_failure("response_url")
        if fault is not None:
            status, answer = fault.status, {"ok": False, "error": fault.error}
        elif hook is None:
            status, answer = 404, {"ok": False, "error": "expired_url"}
        else:
            status, answer = post_to_hook(state.context({}), hook, payload)
        state.responses.append(
            ResponsePost(
                hook_id,
                payload,
                status,
                answer,
                hook.user_id if hook else None,
                hook.channel_id if hook else None,
                hook.message_ts if hook else None,
                state.wall(),
            )
        )
        state.changed.notify_all()
    retry = {"Retry-After": str(fault.retry_after)} if fault is not None and fault.retry_after else {}
    return Reply.json(status, answer, retry)


def _upload(state: StandInState, upload_token: str, headers: Mapping[str, str], body: bytes) -> Reply:
    """Bytes for ``files.getUploadURLExternal``; Slack answers ``200 OK - <length>`` as plain text."""
    content_type = headers.get("content-type", "")
    data = multipart_file(content_type, body) if content_type.startswith("multipart/") else body
    with state.changed:
        stored = receive_upload(state.ws, upload_token, data)
        state.changed.notify_all()
    if stored is None:
        return Reply.text(404, "Not Found")
    return Reply.text(200, f"OK - {len(data)}")


def _download(state: StandInState, rest: str, headers: Mapping[str, str]) -> Reply:
    authorization = headers.get("authorization", "")
    token = authorization[7:] if authorization.lower().startswith("bearer ") else ""
    if not state.accepts(token):
        return Reply.text(403, "Forbidden")
    file_id = rest.split("/", 1)[0].rsplit("-", 1)[-1]
    with state.lock:
        stored = state.ws.files.get(file_id)
        if stored is None or stored.data is None:
            return Reply.text(404, "Not Found")
        mimetype = mimetypes.guess_type(stored.filename)[0] or "application/octet-stream"
        return Reply(200, stored.data, content_type=mimetype)
