"""Who a Slack user is, as far as takibi needs to know: their language and their teams, cached.

The language is looked up with ``users.info`` (``include_locale``) after ack, never before: the lookup
can take a round trip to Slack, and the ack must not wait for it. Memberships of user groups
(``usergroups.users.list``) and channels (``conversations.members``) decide who may use takibi; they are
remembered for a few minutes (``access.cache_seconds``), so a busy team costs Slack one call per group
per few minutes, and a change in Slack shows within that time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

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


MEMBERSHIP_TTL_SECONDS = 300.0
_PAGE_SIZE = 200


class Memberships:
    """Members of Slack user groups and channels, remembered for ``ttl`` seconds.

    A failed lookup keeps serving the last members it knew (stale is better than locking the team
    out while Slack hiccups); with nothing known it answers "nobody" without remembering, so access
    fails closed and the next request asks again. Implements ``handlers.services.access.Memberships``.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = MEMBERSHIP_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._monotonic = monotonic
        self._known: dict[str, tuple[frozenset[str], float]] = {}
        self._lock = threading.Lock()
        self._fetching: dict[str, threading.Lock] = {}

    def usergroup_members(self, usergroup: str) -> frozenset[str]:
        """Members of a user group given by its ``S…`` id or its handle (``cs-team`` / ``@cs-team``)."""
        return self._members(f"usergroup:{usergroup}", lambda: self._fetch_usergroup(usergroup))

    def channel_members(self, channel_id: str) -> frozenset[str]:
        return self._members(f"channel:{channel_id}", lambda: frozenset(self._channel_pages(channel_id)))

    def forget(self) -> None:
        """Drop everything remembered (after the configuration changes)."""
        with self._lock:
            self._known.clear()

    def _members(self, key: str, fetch: Callable[[], frozenset[str]]) -> frozenset[str]:
        known = self._fresh(key)
        if known is not None:
            return known
        with self._lock:
            fetching = self._fetching.setdefault(key, threading.Lock())
        with fetching:  # one lookup per key at a time; the others wait and reuse its answer
            known = self._fresh(key)
            if known is not None:
                return known
            try:
                members = fetch()
            except (SlackApiError, SlackClientError, OSError, LookupError) as exc:
                logger.warning("membership lookup failed for %s: %s", key, type(exc).__name__)
                with self._lock:
                    stale = self._known.get(key)
                return stale[0] if stale is not None else frozenset()
            with self._lock:
                self._known[key] = (members, self._monotonic() + self._ttl)
            return members

    def _fresh(self, key: str) -> frozenset[str] | None:
        with self._lock:
            known = self._known.get(key)
        if known is not None and known[1] > self._monotonic():
            return known[0]
        return None

    def _fetch_usergroup(self, usergroup: str) -> frozenset[str]:
        usergroup_id = usergroup if usergroup.startswith("S") else self._usergroup_id(usergroup)
        response = self._client.usergroups_users_list(usergroup=usergroup_id)
        users: list[str] = response.get("users") or []
        return frozenset(users)

    def _usergroup_id(self, handle: str) -> str:
        wanted = handle.removeprefix("@")
        groups: list[dict[str, Any]] = self._client.usergroups_list().get("usergroups") or []
        for group in groups:
            if group.get("handle") == wanted:
                return str(group["id"])
        raise LookupError(f"no user group with the handle {wanted}")

    def _channel_pages(self, channel_id: str) -> Iterator[str]:
        cursor: str | None = None
        while True:
            response = self._client.conversations_members(channel=channel_id, limit=_PAGE_SIZE, cursor=cursor)
            yield from response.get("members") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return
