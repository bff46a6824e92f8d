"""Serving the Bolt app: HTTP (``/slack/events`` under waitress) or Socket Mode.

HTTP mode uses waitress, a production WSGI server with a thread pool, because Bolt's built-in server is
a single-threaded development server; Slack's 3-second ack rule needs concurrent requests answered.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from waitress.server import create_server
from waitress.wasyncore import close_all

from bot.form_body import FastSlackRequestHandler

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 24


def wsgi_app(bolt: App, healthy: Callable[[], bool]) -> WSGIApplication:
    """``POST /slack/events`` → Bolt (which checks every signature); ``GET /healthz`` → 200/503."""
    slack = FastSlackRequestHandler(bolt, path=EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            ok = healthy()
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok" if ok else b"unhealthy"]
        return slack(environ, start_response)

    return application


class HttpServer:
    """A waitress server bound at construction (port 0 picks a free port), served by ``serve()``."""

    def __init__(self, application: WSGIApplication, host: str = "127.0.0.1", port: int = 3000) -> None:
        self._sockets: dict[int, Any] = {}
        self._closed = False
        self._close_lock = threading.Lock()
        self._server: Any = create_server(
            application,
            map=self._sockets,
            host=host,
            port=port,
            threads=HTTP_THREADS,
            ident="takibi",
            clear_untrusted_proxy_headers=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self.port}"

    def serve(self) -> None:
        logger.info("takibi listening on %s%s", self.url, EVENTS_PATH)
        self._server.run()

    def serve_in_background(self) -> threading.Thread:
        """Serve from a daemon thread (tests, the demo, benchmarks); ``close()`` stops it."""
        thread = threading.Thread(target=self._server.run, name="takibi-http", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Stop from inside waitress's loop: it owns its sockets, so they are closed by a thunk it runs.

        Safe to call twice (a signal handler and a ``finally`` may both get here)."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._server.trigger.pull_trigger(lambda: close_all(self._sockets))
        except OSError:
            # The loop already closed its wake-up pipe (it saw the pipe hang up): nothing runs thunks any
            # more, so the sockets are closed from here.
            close_all(self._sockets, ignore_all=True)
        self._server.task_dispatcher.shutdown(timeout=5)


def freeze_startup_heap() -> None:
    """Take what startup built out of the garbage collector's full passes; call it once, before serving.

    A running takibi holds about 200,000 objects built at startup (its configuration, SQLAlchemy's
    mappers, Bolt, slack_sdk, pydantic's schemas) that live as long as the process. CPython's full
    collection traverses all of them with the GIL held: about 100 ms under load, every few seconds of a
    burst, and every request in flight waits that long (it was most of the ack's p99). ``gc.freeze``
    leaves them out of every later collection; what is built afterwards is collected as before. The
    startup garbage is collected first, so none of it is kept for good.
    """
    gc.collect()
    gc.freeze()


def run_socket_mode(bolt: App, app_token: str) -> None:
    """Socket Mode: no public URL needed; Slack pushes requests over a WebSocket."""
    handler = SocketModeHandler(bolt, app_token=app_token, web_client=bolt.client)
    handler.start()  # type: ignore[no-untyped-call]
