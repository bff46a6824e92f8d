"""What every Slack surface of takibi shares: work after the ack, "today" on the team's calendar, the
"loading…" modal, one retried write, and telling one person something."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any, Protocol, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from handlers import home
from handlers.context import Deps, Translate
from handlers.services.access import AccessPolicy
from handlers.views import Message
from handlers.views.common import notice_modal
from storage.db import Database

logger = logging.getLogger(__name__)

Stored = TypeVar("Stored")


class AfterAck(Protocol):
    """Runs work after the ack, off Bolt's listener threads (``bot.middleware.AfterAckPool``).

    Bolt runs a listener, ack included, on a small thread pool; if listeners stored and re-scored
    there, a burst of submissions would keep the pool busy and the next request's ack would wait in
    its queue. So a listener acks, does what must happen within the trigger's 3 seconds (open the
    modal), and hands the rest to this.
    """

    def __call__(self, work: Callable[[], None], /, *, describe: str, key: str | None = None) -> None:
        """Run ``work`` soon; work with a ``key`` still waiting to start is not queued twice."""


def today(deps: Deps) -> date:
    """The team's calendar day (what "today" means on a form and for a call date)."""
    return deps.now().astimezone(deps.tz).date()


def open_loading(
    client: WebClient, trigger_id: str, t: Translate, title_key: str = "assess.title"
) -> tuple[str, str]:
    """Open the modal at once with "loading…" (the trigger expires in 3 seconds); (view id, hash)."""
    opened = client.views_open(trigger_id=trigger_id, view=notice_modal(t, title_key, t("modal.loading")))
    view = opened["view"]
    return str(view["id"]), str(view["hash"])


WRITE_ATTEMPTS = 3
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
"""PostgreSQL serialization failure and deadlock: the transaction was rolled back and may run again."""


def in_one_write(database: Database, work: Callable[[Session], Stored]) -> Stored:
    """Run ``work`` in one writing unit of work (it all commits or none of it does). A write that
    lost a race (SQLite's lock wait ran out, a PostgreSQL serialization failure or deadlock) is run
    again from the start, up to ``WRITE_ATTEMPTS`` times, after a short random pause."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with database.unit_of_work(immediate=True) as session:
                return work(session)
        except OperationalError as error:
            if attempt == WRITE_ATTEMPTS or not _lost_a_race(error):
                raise
            logger.info("write lost a race (attempt %d): %s", attempt, type(error.orig).__name__)
            time.sleep(random.uniform(0.05, 0.2) * attempt)
    raise AssertionError("unreachable")


def _lost_a_race(error: OperationalError) -> bool:
    if getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(error.orig)


def refresh_home_later(
    later: AfterAck, client: WebClient, user_id: str, *, t: Translate, deps: Deps, access: AccessPolicy
) -> None:
    """Refresh the user's Home tab after their change, once for changes in quick succession."""
    refresh = partial(home.refresh, client, user_id, t=t, deps=deps, access=access)
    later(refresh, describe="home refresh", key=f"home:{user_id}")


def tell(
    client: WebClient,
    user_id: str,
    channel_id: str | None,
    *,
    message: Message | None = None,
    text: str | None = None,
) -> None:
    """Say something to one person: ephemeral in ``channel_id`` (where they typed the command), or by
    DM when there is no channel or the ephemeral cannot go there (a channel the app is not in)."""
    payload: dict[str, Any] = message.to_payload() if message is not None else {"text": text or ""}
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, **payload)
            return
        except SlackApiError as error:
            logger.info(
                "ephemeral to %s in %s refused (%s); sending a DM",
                user_id,
                channel_id,
                error.response.get("error"),
            )
    client.chat_postMessage(channel=user_id, **payload)
