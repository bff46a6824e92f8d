"""Fixtures for the sandbox tests: a running stand-in, a real WebClient on it, a request-capturing
HTTP server (to look at what the driver sends on the wire), and a tiny real Bolt app served over HTTP."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress.server import TcpWSGIServer, create_server
from waitress.wasyncore import close_all

from bot.sandbox import SlackDriver, SlackStandIn

BOT_TOKEN = "xoxb-takibi-test"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SAMPLES = Path("/work/shared/reference/slack-samples")


def fetch(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> bytes:
    """GET (or POST ``data``) a stand-in URL with plain urllib, for what WebClient does not cover."""
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - local http only
    with urllib.request.urlopen(request) as answer:  # noqa: S310 - local http only
        body: bytes = answer.read()
    return body


def sample(name: str) -> Any:
    """A reference payload from ``/work/shared/reference/slack-samples``."""
    return json.loads((SAMPLES / name).read_text())


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def simple_modal(title: str, text: str = "x", **extra: Any) -> dict[str, Any]:
    """A one-section modal; ``extra`` adds view fields such as ``notify_on_close``."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [section(text)],
        **extra,
    }


class ManualClock:
    """A monotonic clock the test moves by hand (trigger expiry without sleeping three seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=standin.base_url)


@dataclass(frozen=True)
class Captured:
    """One request as it arrived: path, headers (lower-case names), raw body, the client's port."""

    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


class _BurstServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # twenty clients connecting at once must not overflow the listen backlog


class CaptureServer:
    """A real HTTP server that records what it receives and answers ``200 {}``."""

    def __init__(self) -> None:
        self.requests: list[Captured] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer._lock:
                    outer.requests.append(
                        Captured(
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            int(self.client_address[1]),
                        )
                    )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = _BurstServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/slack/events"

    def last(self) -> Captured:
        with self._lock:
            return self.requests[-1]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    server = CaptureServer()
    yield server
    server.close()


@pytest.fixture
def capture_driver(capture: CaptureServer, standin: SlackStandIn) -> Iterator[SlackDriver]:
    with SlackDriver(capture.url, SIGNING_SECRET, standin) as driver:
        yield driver


@pytest.fixture
def bolt_app(standin: SlackStandIn) -> App:
    """A real Bolt app whose Web API client talks to the stand-in (listeners are added per test)."""
    return App(client=WebClient(token=BOT_TOKEN, base_url=standin.base_url), signing_secret=SIGNING_SECRET)


@pytest.fixture
def bolt_url(bolt_app: App) -> Iterator[str]:
    """Serve ``bolt_app`` with waitress on port 0; yields its ``/slack/events`` URL.

    Waitress's loop owns its sockets, so it is stopped from inside the loop (a trigger thunk closes
    every socket and the loop ends) rather than by closing sockets under it from this thread.
    """
    sockets: dict[int, Any] = {}
    server = create_server(SlackRequestHandler(bolt_app), map=sockets, host="127.0.0.1", port=0, threads=8)
    assert isinstance(server, TcpWSGIServer)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/slack/events"
    wake: Any = server.trigger  # a waitress.trigger.trigger (the stubs say int)
    wake.pull_trigger(lambda: close_all(sockets))
    thread.join(timeout=5)
    server.task_dispatcher.shutdown()


@pytest.fixture
def driver(bolt_url: str, standin: SlackStandIn) -> Iterator[SlackDriver]:
    with SlackDriver(bolt_url, SIGNING_SECRET, standin) as sending:
        yield sending
