"""Sorting a failed Slack Web API call by what it says about the call: wait, retry, reconcile, give up.

The line that matters is *unknown*: a timeout, a dropped connection or a 5xx may come after Slack
stored a message, so for a post it means "look before sending again", never "send again".
"""

from __future__ import annotations

import http.client
import urllib.error
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.errors import SlackApiError

from bot.logs import redact

TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
"""Slack ``error`` values that are worth another try; any other error is permanent for that payload.
Slack documents ``fatal_error`` as "some aspect of the operation may have succeeded", so these count
as an unknown outcome for a post."""

MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class Failure:
    """A failed call, sorted: ``kind`` is ``rate_limited``, ``transient`` (nothing happened),
    ``unknown`` (may have happened) or ``permanent``."""

    kind: Literal["rate_limited", "transient", "unknown", "permanent"]
    error: str
    retry_after: float = 0.0


def classify(error: BaseException) -> Failure:
    """Sort a failed Web API call by what it tells about the call (see :class:`Failure`)."""
    if isinstance(error, SlackApiError):
        response = error.response
        status = response.status_code
        code = response.get("error") if isinstance(response.data, dict) else None
        text = f"{status} {code or 'http_error'}"[:MAX_ERROR_CHARS]
        if status == 429 or code == "ratelimited":
            return Failure("rate_limited", text, _retry_after(response.headers))
        if status >= 500 or code in TRANSIENT_ERRORS:
            return Failure("unknown", text)
        return Failure("permanent", text)
    text = redact(f"{type(error).__name__}: {error}")[:MAX_ERROR_CHARS]
    refused = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(refused, ConnectionRefusedError):
        return Failure("transient", text)  # nothing was sent: the connection never opened
    if isinstance(error, OSError | http.client.HTTPException):
        return Failure("unknown", text)  # timeout, reset, dropped: the request may have arrived
    return Failure("permanent", text)


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(1.0, float(raw))
            except (TypeError, ValueError):
                break
    return 1.0
