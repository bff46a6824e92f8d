"""Per-request resources for listeners, as Bolt context keys (Bolt passes them by parameter name):
the reader's translator (``t``), the handlers' deps (``deps``), the access policy (``access``), the
CTA engine run after a change (``ctas``), the pool that runs work after an ack (``later``) and the form
inbox acked forms are put in (``forms``) and the opener of modals built after the ack (``modals``)."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from time import monotonic
from typing import Any

from slack_bolt import App, BoltContext

from bot.calendar import calendar_around
from bot.directory import Memberships, UserDirectory
from bot.i18n import Locale, Translator
from bot.services import translator_for
from handlers.assess import ASSESS_FORM, AssessForm
from handlers.inbox import FormInbox
from handlers.metadata import locale_hint
from handlers.services.access import AccessPolicy
from handlers.services.assess import CtaHooks, QuietNotifier
from handlers.services.ctas import CtaEngine
from handlers.surface import ModalOpener
from scoring.calendar import BusinessCalendar

logger = logging.getLogger(__name__)

_LOCALES = frozenset(locale.value for locale in Locale)
AFTER_ACK_WORKERS = 2
"""Enough to overlap Slack round trips; more would only add threads competing for the one GIL with the
threads answering acks (and SQLite takes one writer at a time anyway)."""


class AfterAckPool:
    """Runs listeners' work after their ack on its own threads (``handlers.assess.AfterAck``).

    Bolt runs each listener, ack included, on a thread pool of a few workers; work kept there (storing,
    re-scoring, calling Slack) would delay the acks of the requests queued behind it. Here it waits in
    its own queue instead, and Bolt's workers are free for the next ack. A failure is logged with an id
    (the work itself tells the user what it can).
    """

    def __init__(self, workers: int = AFTER_ACK_WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="takibi-after-ack")
        self._waiting: set[str] = set()
        self._settling: dict[str, tuple[threading.Timer, Callable[[], None], str]] = {}
        self._closed = False
        self._lock = threading.Lock()

    def __call__(
        self, work: Callable[[], None], /, *, describe: str, key: str | None = None, settle: float = 0.0
    ) -> None:
        """Queue ``work``. With a ``key``, work already waiting under that key (not yet started) makes
        this a no-op: it will run soon anyway and see everything done until then (a Home refresh
        after each of ten quick changes runs once or twice, not ten times). ``settle`` (seconds, keyed
        work only) holds the work back that long first, so that changes in quick succession share it."""
        if key is not None:
            with self._lock:
                if key in self._waiting:
                    return
                self._waiting.add(key)
                if settle > 0 and not self._closed:
                    timer = threading.Timer(settle, self._settled, args=(key,))
                    timer.daemon = True
                    self._settling[key] = (timer, work, describe)
                    timer.start()
                    return
        self._pool.submit(self._run, work, describe, key)

    def _settled(self, key: str) -> None:
        with self._lock:
            settling = self._settling.pop(key, None)
            if settling is not None:  # else shutdown queued it already
                _, work, describe = settling
                self._pool.submit(self._run, work, describe, key)

    def _run(self, work: Callable[[], None], describe: str, key: str | None) -> None:
        if key is not None:
            with self._lock:
                self._waiting.discard(key)
        try:
            work()
        except Exception:
            logger.exception("work after ack failed: %s (error %s)", describe, secrets.token_hex(4))

    def shutdown(self) -> None:
        """Run what is queued, settling work included (now), then stop."""
        with self._lock:
            self._closed = True
            settling, self._settling = self._settling, {}
            for key, (timer, work, describe) in settling.items():
                timer.cancel()
                self._pool.submit(self._run, work, describe, key)
        self._pool.shutdown(wait=True, cancel_futures=False)


QUIET_SECONDS = 0.05
"""How long after the last ack this process counts as busy: under a stream of requests there are gaps
between one ack and the next request, and background work started in one holds the GIL into the next."""


class InFlight:
    """How many requests are between this middleware and their ack, and when the last one was acked, so
    background work in this process (the form worker thread) can give way to a stream of requests."""

    def __init__(self, quiet_seconds: float = QUIET_SECONDS) -> None:
        self._count = 0
        self._last_done = -quiet_seconds
        self._quiet_seconds = quiet_seconds
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self._count += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._count -= 1
            self._last_done = monotonic()

    def busy(self) -> bool:
        return self._count > 0 or monotonic() - self._last_done < self._quiet_seconds


@dataclass(frozen=True)
class RequestResources:
    """What the middleware built that the composition root must also reach: the after-ack pool (to shut
    down), the form inbox (to drain it elsewhere under ``takibi run``) and the requests in flight."""

    after_ack: AfterAckPool
    forms: FormInbox
    in_flight: InFlight


def install(
    app: App, directory: UserDirectory, deps: Any, *, engine: CtaEngine | None = None
) -> RequestResources:
    """Attach the resources middleware.

    ``engine``: the composition root's CTA engine; without one, an engine like it is built here (the
    team's business calendar, so due dates skip weekends and holidays). CTA alerts are announced by the
    notifier that ``handlers.cta.attach`` puts in place of the quiet one.
    """
    settings = deps.config.access
    access = AccessPolicy(settings, Memberships(app.client, ttl=float(settings.cache_seconds)))
    ctas = CtaHooks(engine or _engine(deps), QuietNotifier())
    later = AfterAckPool()
    modals = ModalOpener()
    in_flight = InFlight()
    forms = FormInbox(deps, later)
    forms.register(
        ASSESS_FORM,
        AssessForm(
            client=app.client,
            deps=deps,
            access=access,
            ctas=ctas,
            later=later,
            translator=translator_for(Translator(Locale.JA)),
        ),
    )

    @app.middleware
    def attach_request_resources(
        context: BoltContext, body: dict[str, Any], next: Callable[[], None]
    ) -> None:
        user_id = context.user_id
        # A modal of ours carries its reader's language, so answering its submission (errors go out
        # with the ack) needs no Slack call; anything else resolves the language lazily, after ack.
        hint = locale_hint(body)
        if hint is not None and hint in _LOCALES:
            context["t"] = Translator(Locale(hint))
        else:
            context["t"] = Translator(lambda: directory.locale_of(user_id))
        context["deps"] = deps
        context["access"] = access
        context["ctas"] = ctas
        context["later"] = later
        context["modals"] = modals
        context["forms"] = forms
        with in_flight:
            next()

    return RequestResources(later, forms, in_flight)


def _engine(deps: Any) -> CtaEngine:
    config, tz = deps.config, deps.tz

    def calendar_for(day: date) -> BusinessCalendar:
        return calendar_around(config.schedule, datetime.combine(day, time(12), tzinfo=tz), tz)

    return CtaEngine.from_config(config, calendar_for=calendar_for, health=deps.scoring)
