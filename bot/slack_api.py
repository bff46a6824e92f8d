"""The one place that builds Slack Web API clients.

Every outbound call goes through a ``WebClient`` made here, so retries behave the same everywhere:
HTTP 429 waits for ``Retry-After``, 5xx and connection errors back off and try again. Calls that must
survive a crash go through the outbox on top of this; this layer only smooths transient failures.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import RandomJitter

DEFAULT_TIMEOUT_SECONDS = 10


def retry_handlers(max_retries: int = 3) -> list[RetryHandler]:
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5, jitter=RandomJitter())
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=backoff),
        ConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=backoff),
    ]


def build_web_client(token: str, base_url: str, *, max_retries: int = 3, retries: bool = True) -> WebClient:
    """A client that retries on its own (default), or, with ``retries=False``, one that never does.

    The outbox deliverer needs the latter: a connection-error retry re-sends a post whose answer was
    lost, which duplicates the message; the deliverer reconciles and reschedules in the database instead.
    """
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=DEFAULT_TIMEOUT_SECONDS,
        logger=logging.getLogger("slack_sdk.web"),
        retry_handlers=retry_handlers(max_retries) if retries else [],
    )
