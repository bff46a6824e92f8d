"""The ``http`` connector: an endpoint answering JSON rows, one page at a time.

A page is either a list of row objects, or ``{"rows": [...], "next": "<url>"}``; ``next`` may be
relative, and ``null`` or absent ends the pull. Each row object holds the four fields under the
``columns`` names. Row numbers count across pages (the 3rd row of page 2 after a page of 100 is 103).
One page at a time is held in memory, so the server's page size bounds it.

Server errors (5xx) and connection failures are retried with a doubling wait (or the server's
``Retry-After``); a 4xx is final (a wrong token does not get better by asking again). The bearer token
comes from the environment variable named in ``token_env`` and is only ever sent to the configured
origin: not along a redirect, and not to a ``next`` page on another host.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator, Mapping
from urllib.error import HTTPError, URLError
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from scoring.config_connectors import HttpConnectorSettings
from storage.connectors.base import ConnectorError, SourceRow

MAX_WAIT_SECONDS = 60.0
"""The longest a retry waits, whatever ``Retry-After`` asks for."""


class HttpConnector:
    kind = "http"

    def __init__(self, settings: HttpConnectorSettings, *, environ: Mapping[str, str]) -> None:
        self.settings = settings
        self._environ = environ

    @property
    def id(self) -> str:
        return self.settings.id

    @property
    def location(self) -> str:
        return safe_url(self.settings.url)

    def rows(self) -> Iterator[SourceRow]:
        token = self._token()
        origin = _origin(self.settings.url)
        account, day, metric, value = self.settings.columns.names()
        url: str | None = self.settings.url
        seen: set[str] = set()
        number = 0
        while url is not None:
            if len(seen) >= self.settings.max_pages:
                raise ConnectorError("pull.error.http_pages", url=safe_url(url), max=self.settings.max_pages)
            seen.add(url)
            items, next_url = _page(self._fetch(url, token if _origin(url) == origin else None), url)
            for item in items:
                number += 1
                yield SourceRow(number, item.get(account), item.get(day), item.get(metric), item.get(value))
            if next_url is not None and next_url in seen:
                raise ConnectorError("pull.error.http_loop", url=safe_url(next_url))
            url = next_url

    def _token(self) -> str | None:
        name = self.settings.token_env
        if name is None:
            return None
        token = self._environ.get(name, "").strip()
        if not token:
            raise ConnectorError("pull.error.env_missing", name=name)
        return token

    def _fetch(self, url: str, token: str | None) -> bytes:
        """The body of a 2xx answer, retrying server errors and failed connections."""
        attempt = 0
        while True:
            request = Request(url, headers={"Accept": "application/json", "User-Agent": "takibi"})  # noqa: S310
            if token is not None:
                # Unredirected: urllib copies ordinary headers to wherever a redirect points.
                request.add_unredirected_header("Authorization", f"Bearer {token}")
            try:
                with urlopen(request, timeout=self.settings.timeout_seconds) as response:  # noqa: S310
                    body: bytes = response.read()
                    return body
            except HTTPError as exc:
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                exc.close()
                if exc.code < 500 or attempt >= self.settings.retries:
                    raise ConnectorError(
                        "pull.error.http_status", url=safe_url(url), status=exc.code
                    ) from None
                wait = _seconds(retry_after)
            except (URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                if attempt >= self.settings.retries:
                    reason = exc.reason if isinstance(exc, URLError) else exc
                    raise ConnectorError(
                        "pull.error.http_unreachable",
                        url=safe_url(url),
                        reason=str(reason) or type(exc).__name__,
                    ) from None
                wait = None
            if wait is None:
                wait = self.settings.retry_wait_seconds * 2**attempt
            attempt += 1
            time.sleep(min(wait, MAX_WAIT_SECONDS))


def _page(body: bytes, url: str) -> tuple[list[Mapping[str, object]], str | None]:
    """The rows of one page and the absolute URL of the next one."""
    try:
        data = json.loads(body)
    except ValueError:
        raise ConnectorError("pull.error.http_json", url=safe_url(url)) from None
    next_url: object = None
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        items, next_url = data["rows"], data.get("next")
    elif isinstance(data, list):
        items = data
    else:
        raise ConnectorError("pull.error.http_shape", url=safe_url(url))
    if not all(isinstance(item, dict) for item in items):
        raise ConnectorError("pull.error.http_shape", url=safe_url(url))
    if next_url is None or next_url == "":
        return items, None
    if not isinstance(next_url, str):
        raise ConnectorError("pull.error.http_shape", url=safe_url(url))
    absolute = urljoin(url, next_url)
    if urlsplit(absolute).scheme not in ("http", "https"):
        raise ConnectorError("pull.error.http_shape", url=safe_url(url))
    return items, absolute


def _seconds(retry_after: str | None) -> float | None:
    """``Retry-After`` in seconds (the date form is rare for 503s and is ignored)."""
    try:
        return max(0.0, float(retry_after)) if retry_after else None
    except ValueError:
        return None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def safe_url(url: str) -> str:
    """A URL fit for a report: no user name or password, no query (it may carry a key), no fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:  # not a number: leave it out, urlopen says what is wrong
        port = None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
