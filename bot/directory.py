"""Who a Slack user is, as far as takibi needs to know: their language, cached.

Looked up with ``users.info`` (``include_locale``) after ack, never before: the lookup can take a round
trip to Slack, and the ack must not wait for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import Locale

logger = logging.getLogger(__name__)

LOCALE_TTL_SECONDS = 3600.0


class UserDirectory:
    def __init__(
        self,
        client: WebClient,
        default_locale: Locale,
        *,
        ttl: float = LOCALE_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._default = default_locale
        self._ttl = ttl
        self._monotonic = monotonic
        self._locales: dict[str, tuple[Locale, float]] = {}
        self._lock = threading.Lock()

    @property
    def default_locale(self) -> Locale:
        return self._default

    def locale_of(self, user_id: str | None) -> Locale:
        """The user's Slack language if we speak it, else the configured default; a failed lookup
        falls back to the default without caching, so the next request tries again."""
        if not user_id:
            return self._default
        now = self._monotonic()
        with self._lock:
            cached = self._locales.get(user_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            response = self._client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, SlackClientError, OSError) as exc:
            logger.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
            return self._default
        user = response.get("user") or {}
        locale = Locale.from_slack(user.get("locale"), self._default)
        with self._lock:
            self._locales[user_id] = (locale, now + self._ttl)
        return locale
