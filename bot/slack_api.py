"""The one place that builds Slack Web API clients.

Every outbound call goes through a ``WebClient`` made here, so retries behave the same everywhere:
HTTP 429 waits for ``Retry-After``, 5xx and connection errors back off and try again. Calls that must
survive a crash go through the outbox on top of this; this layer only smooths transient failures.
"""

from __future__ import annotations

import logging
from typing import cast

from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import RandomJitter

DEFAULT_TIMEOUT_SECONDS = 10


class _EffectiveLevel(logging.LoggerAdapter[logging.Logger]):
    """The client's logger, reporting the level that applies to it as its ``level``.

    slack_sdk decides whether to render each request (body included) for a debug line by reading
    ``logger.level``: the logger's own setting, which is NOTSET (0) unless set on that very logger, so
    every call rendered a 20 KB modal into a string nobody logs. The level configured anywhere up the
    hierarchy is what should decide.
    """

    @property
    def level(self) -> int:
        return self.logger.getEffectiveLevel()


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
        logger=cast(logging.Logger, _EffectiveLevel(logging.getLogger("slack_sdk.web"))),
        retry_handlers=retry_handlers(max_retries) if retries else [],
    )
