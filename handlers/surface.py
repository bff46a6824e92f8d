"""What every Slack surface of takibi shares: work after the ack, "today" on the team's calendar,
opening a modal in time, one retried write, and telling one person something."""

from __future__ import annotations

import enum
import logging
import queue
import random
import secrets
import threading
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any, Protocol, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from handlers import home
from handlers.context import Deps, Translate
from handlers.services.access import AccessPolicy
from handlers.views import Message
from handlers.views.common import notice_modal, view_json
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

    def __call__(
        self, work: Callable[[], None], /, *, describe: str, key: str | None = None, settle: float = 0.0
    ) -> None:
        """Run ``work`` soon; work with a ``key`` still waiting to start is not queued twice, and waits
        ``settle`` seconds first for more changes to share it."""


def today(deps: Deps) -> date:
    """The team's calendar day (what "today" means on a form and for a call date)."""
    return deps.now().astimezone(deps.tz).date()


OPEN_BUDGET_SECONDS = 1.5
"""How long a modal's content may take before "loading…" opens in its place: the trigger id of a click
expires 3 seconds after it, and ``views.open`` itself needs time to reach Slack."""


def open_modal(client: WebClient, trigger_id: str, view: View) -> SlackResponse:
    """``views.open`` with the view as JSON text (``view_json``: blocks replayed from a cache go in as
    the text cached with them)."""
    return client.api_call("views.open", json={"trigger_id": trigger_id, "view": view_json(view)})


def update_modal(client: WebClient, view_id: str, view_hash: str | None, view: View) -> None:
    """``views.update``, unless the user closed the modal or something replaced it since: then nothing
    is waiting for this content, and that is not an error."""
    arguments = {"view_id": view_id, "view": view_json(view)}
    if view_hash is not None:
        arguments["hash"] = view_hash
    try:
        client.api_call("views.update", json=arguments)
    except SlackApiError as error:
        if error.response.get("error") not in ("not_found", "hash_conflict"):
            raise
        logger.info("modal %s is gone (%s)", view_id, error.response.get("error"))


def build_or_error(build: Callable[[], View], t: Translate, *, title_key: str, describe: str) -> View:
    """The modal ``build`` makes, or, if building it failed, a notice naming the error id it was
    logged with (the user has a modal open and waits for its content either way)."""
    try:
        return build()
    except Exception:
        error_id = secrets.token_hex(4)
        logger.exception("%s not built (error %s)", describe, error_id)
        return notice_modal(t, title_key, t("error.unexpected", error_id=error_id))


def replace_modal(
    client: WebClient,
    view_id: str,
    view_hash: str | None,
    t: Translate,
    build: Callable[[], View],
    *,
    title_key: str,
    describe: str,
) -> None:
    """Replace an open modal's content with what ``build`` makes (after the ack: a form refilled for
    the account just picked in it)."""
    update_modal(client, view_id, view_hash, build_or_error(build, t, title_key=title_key, describe=describe))


class _Stage(enum.Enum):
    BUILDING = enum.auto()
    SHOWN = enum.auto()
    LOADING = enum.auto()


class _Opening:
    """One modal on its way: shown whole if its content is ready before ``deadline``, else as
    "loading…" (opened by the deadline watcher) that the content then replaces."""

    def __init__(
        self, client: WebClient, trigger_id: str, t: Translate, title_key: str, deadline: float
    ) -> None:
        self.client, self.trigger_id, self.t, self.title_key = client, trigger_id, t, title_key
        self.deadline = deadline
        self._stage = _Stage.BUILDING
        self._lock = threading.Lock()
        self._loaded = threading.Event()
        self._loading: tuple[str, str] | None = None

    def show(self, view: View) -> None:
        with self._lock:
            first = self._stage is _Stage.BUILDING
            self._stage = _Stage.SHOWN if first else self._stage
        if first:
            open_modal(self.client, self.trigger_id, view)
            return
        self._loaded.wait()
        if self._loading is None:
            return
        view_id, view_hash = self._loading
        update_modal(self.client, view_id, view_hash, view)

    def open_loading_if_late(self) -> None:
        with self._lock:
            if self._stage is not _Stage.BUILDING:
                return
            self._stage = _Stage.LOADING
        try:
            loading = notice_modal(self.t, self.title_key, self.t("modal.loading"))
            opened = open_modal(self.client, self.trigger_id, loading)
            self._loading = (str(opened["view"]["id"]), str(opened["view"]["hash"]))
        except Exception:
            logger.exception("loading modal not opened (error %s)", secrets.token_hex(4))
        finally:
            self._loaded.set()

    @property
    def pending(self) -> bool:
        return self._stage is _Stage.BUILDING


class ModalOpener:
    """Opens a modal whose content needs the database (the assess form, the touchpoint form).

    The listener builds the content right after its ack, on its own thread: opening the modal is what
    must happen within the trigger's 3 seconds, so it does not wait in the after-ack queue behind
    other work. Ready before :data:`OPEN_BUDGET_SECONDS` (the usual case, a few milliseconds), the
    modal opens in one ``views.open``; late (the database slow or away), a watcher thread opens
    "loading…" at the deadline, while the trigger is still valid, and the content replaces it with
    ``views.update`` once ready. Every deadline is the same distance from its opening, so a FIFO
    queue holds them in deadline order.
    """

    def __init__(self, *, budget: float = OPEN_BUDGET_SECONDS) -> None:
        self._budget = budget
        self._due: queue.SimpleQueue[_Opening] = queue.SimpleQueue()
        self._watcher: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def open(
        self,
        client: WebClient,
        trigger_id: str,
        t: Translate,
        build: Callable[[], View],
        *,
        title_key: str,
        describe: str,
    ) -> None:
        """Build the modal and open it; a failed build opens an error naming its id."""
        opening = _Opening(client, trigger_id, t, title_key, time.monotonic() + self._budget)
        self._start_watcher()
        self._due.put(opening)
        opening.show(build_or_error(build, t, title_key=title_key, describe=describe))

    def _start_watcher(self) -> None:
        with self._start_lock:
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="modal-deadlines", daemon=True)
                self._watcher.start()

    def _watch(self) -> None:
        while True:
            opening = self._due.get()
            if not opening.pending:
                continue
            delay = opening.deadline - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            opening.open_loading_if_late()


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


HOME_SETTLE_SECONDS = 1.0


def refresh_home_later(
    later: AfterAck, client: WebClient, user_id: str, *, t: Translate, deps: Deps, access: AccessPolicy
) -> None:
    """Refresh the user's Home tab after their change, once for changes in quick succession (within
    :data:`HOME_SETTLE_SECONDS`: the tab is out of sight while the user is in the modal or the channel)."""
    refresh = partial(home.refresh, client, user_id, t=t, deps=deps, access=access)
    later(refresh, describe="home refresh", key=f"home:{user_id}", settle=HOME_SETTLE_SECONDS)


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
