"""The HTTP connector against a real local server (``http.server`` on port 0): pages, a 503 that is
retried, a bearer token that goes only where it belongs, and a server that is down."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from handlers.services.usage_pull import PullReport, pull_usage
from storage.db import Database
from tests.integration.connectors.conftest import TODAY, config_with, external_id, stored, values

TOKEN_ENV = "TAKIBI_TEST_USAGE_TOKEN"
TOKEN = "s3cret-token"


@dataclass
class UsageApi:
    """A stand-in usage endpoint: canned answers per path, 503s to hand out first, and a request log."""

    answers: dict[str, Any] = field(default_factory=dict)
    unavailable: dict[str, int] = field(default_factory=dict)
    token: str | None = None
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    url: str = ""

    def serve(self) -> Iterator[UsageApi]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                authorization = self.headers.get("Authorization")
                api.requests.append((self.path, authorization))
                if api.token is not None and authorization != f"Bearer {api.token}":
                    self._send(401, b'{"error": "unauthorized"}')
                elif api.unavailable.get(self.path, 0) > 0:
                    api.unavailable[self.path] -= 1
                    self._send(503, b"busy", {"Retry-After": "0"})
                elif self.path in api.answers:
                    answer = api.answers[self.path]
                    self._send(200, answer if isinstance(answer, bytes) else json.dumps(answer).encode())
                else:
                    self._send(404, b"{}")

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@pytest.fixture
def api() -> Iterator[UsageApi]:
    yield from UsageApi(token=TOKEN).serve()


@pytest.fixture
def other_api() -> Iterator[UsageApi]:
    yield from UsageApi().serve()


def row(account: int, offset: int, metric: str, value: object) -> dict[str, object]:
    return {
        "account_external_id": external_id(account),
        "date": (TODAY - timedelta(days=offset)).isoformat(),
        "metric": metric,
        "value": value,
    }


def three_pages(api: UsageApi) -> None:
    """Page 1 links to page 2 absolutely, page 2 to page 3 relatively; page 2 is busy once."""
    api.answers["/usage"] = {
        "rows": [row(1, d, "login_rate", 0.1 * d) for d in range(4)],
        "next": f"{api.url}/usage?page=2",
    }
    api.answers["/usage?page=2"] = {
        "rows": [row(2, d, "login_rate", 0.2) for d in range(4)],
        "next": "/usage?page=3",
    }
    api.answers["/usage?page=3"] = {
        "rows": [
            row(3, 0, "key_feature_use", "0.75"),
            row(4, 0, "login_rate", True),
            row(99, 0, "login_rate", 1),
        ],
        "next": None,
    }
    api.unavailable["/usage?page=2"] = 1


def http_connector(url: str, **settings: Any) -> dict[str, Any]:
    return {
        "id": "product_api",
        "kind": "http",
        "url": url,
        "token_env": TOKEN_ENV,
        "retries": 2,
        "retry_wait_seconds": 0.01,
        "timeout_seconds": 5,
    } | settings


def pull(database: Database, *connectors: dict[str, Any], token: str | None = TOKEN) -> PullReport:
    environ = {} if token is None else {TOKEN_ENV: token}
    return pull_usage(database, config_with(*connectors), today=TODAY, environ=environ)


def test_pages_are_followed_and_a_503_is_retried(
    database: Database, account_ids: dict[str, int], api: UsageApi
) -> None:
    three_pages(api)

    report = pull(database, http_connector(f"{api.url}/usage"))

    (connector,) = report.connectors
    assert connector.ok
    assert (connector.rows_read, connector.good, connector.bad) == (11, 9, 2)
    assert [(b.number, b.reason.value) for b in connector.first_bad] == [
        (10, "not_a_number"),
        (11, "unknown_account"),
    ]
    assert [path for path, _ in api.requests] == ["/usage", "/usage?page=2", "/usage?page=2", "/usage?page=3"]
    assert {authorization for _, authorization in api.requests} == {f"Bearer {TOKEN}"}
    stored_values = values(database)
    assert len(stored_values) == 9
    assert stored_values[("CUST-003", "key_feature_use", TODAY)] == 0.75
    assert connector.location == f"{api.url}/usage"


def test_pulling_the_endpoint_again_changes_nothing(
    database: Database, account_ids: dict[str, int], api: UsageApi
) -> None:
    three_pages(api)
    pull(database, http_connector(f"{api.url}/usage"))
    before = stored(database)

    again = pull(database, http_connector(f"{api.url}/usage"))

    assert (again.changed, again.unchanged) == (0, 9)
    assert stored(database) == before


def test_a_plain_list_is_one_page(database: Database, account_ids: dict[str, int], api: UsageApi) -> None:
    api.answers["/rows.json"] = [row(1, 0, "login_rate", 0.5), row(2, 1, "login_rate", 0.25)]

    report = pull(database, http_connector(f"{api.url}/rows.json"))

    assert report.changed == 2


def test_a_server_busy_beyond_the_retries_fails_and_keeps_no_page(
    database: Database, account_ids: dict[str, int], api: UsageApi
) -> None:
    three_pages(api)
    api.unavailable["/usage?page=2"] = 10

    report = pull(database, http_connector(f"{api.url}/usage"))

    failure = report.connectors[0].failure
    assert failure is not None
    assert (failure.key, failure.params["status"]) == ("pull.error.http_status", 503)
    assert [path for path, _ in api.requests].count("/usage?page=2") == 3  # the first try and 2 retries
    assert stored(database) == []  # page 1 was fine, but a half-read source writes nothing


def test_a_wrong_token_is_not_retried(database: Database, account_ids: dict[str, int], api: UsageApi) -> None:
    three_pages(api)

    report = pull(database, http_connector(f"{api.url}/usage"), token="wrong")

    failure = report.connectors[0].failure
    assert failure is not None
    assert (failure.key, failure.params["status"]) == ("pull.error.http_status", 401)
    assert len(api.requests) == 1
    assert "wrong" not in str(report.to_dict())


def test_an_unset_token_variable_fails_before_asking(
    database: Database, account_ids: dict[str, int], api: UsageApi
) -> None:
    report = pull(database, http_connector(f"{api.url}/usage"), token=None)

    failure = report.connectors[0].failure
    assert failure is not None
    assert (failure.key, dict(failure.params)) == ("pull.error.env_missing", {"name": TOKEN_ENV})
    assert api.requests == []


def test_the_token_is_not_sent_to_another_origin(
    database: Database, account_ids: dict[str, int], api: UsageApi, other_api: UsageApi
) -> None:
    api.answers["/usage"] = {"rows": [row(1, 0, "login_rate", 0.5)], "next": f"{other_api.url}/more"}
    other_api.answers["/more"] = {"rows": [row(2, 0, "login_rate", 0.5)]}

    report = pull(database, http_connector(f"{api.url}/usage"))

    assert report.changed == 2
    assert other_api.requests == [("/more", None)]


def test_a_server_that_is_down_fails_cleanly(database: Database, account_ids: dict[str, int]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more: connections are refused.

    report = pull(database, http_connector(f"http://127.0.0.1:{port}/usage?key=abc", retries=1))

    connector = report.connectors[0]
    assert connector.failure is not None
    assert connector.failure.key == "pull.error.http_unreachable"
    assert connector.failure.params["url"] == f"http://127.0.0.1:{port}/usage"
    assert "refused" in str(connector.failure.params["reason"]).lower()


def test_an_answer_that_is_not_json_fails_cleanly(
    database: Database, account_ids: dict[str, int], api: UsageApi
) -> None:
    api.answers["/usage"] = b"<html>maintenance</html>"

    report = pull(database, http_connector(f"{api.url}/usage"))

    failure = report.connectors[0].failure
    assert failure is not None
    assert failure.key == "pull.error.http_json"


def test_pages_that_lead_back_fail_instead_of_looping(
    database: Database, account_ids: dict[str, int], api: UsageApi
) -> None:
    api.answers["/a"] = {"rows": [], "next": "/b"}
    api.answers["/b"] = {"rows": [], "next": "/a"}

    report = pull(database, http_connector(f"{api.url}/a"))

    failure = report.connectors[0].failure
    assert failure is not None
    assert failure.key == "pull.error.http_loop"
