"""The deliverer: sends what the outbox holds to Slack, exactly once for messages, paced per channel.

A handler commits its change and the Slack call it implies in one unit of work
(``storage.repositories.outbox.enqueue``), then calls :meth:`Deliverer.notify`. The deliverer claims
due rows (committed as ``sending`` *before* any Slack call), sends them from a small thread pool, and
records the outcome:

* success → ``sent`` with Slack's answer (``result``: channel, ts, …);
* 429 → back to ``pending`` at ``now + Retry-After``, that channel held in the database (every
  deliverer waits) and in memory; the attempt is not counted and no worker sleeps on it;
* 5xx, timeout, dropped connection → the outcome is *unknown* for a post (Slack may have stored it):
  the row stays ``sending`` with its lease ending at the backoff time, and whoever claims it next
  reconciles first (reads the channel back and looks for the row's metadata marker) — also after this
  process died; for idempotent methods it simply goes back to ``pending``;
* a permanent Slack error (``channel_not_found``, ``invalid_blocks``, ``not_in_channel``,
  ``invalid_auth``, …) or ``max_attempts`` used up → ``dead``: kept, counted, logged, never dropped.

Pacing: Slack takes about one message per second per channel. Rows of one channel go one at a time,
each at least ``per_channel_interval`` after the previous call to that channel *answered* (so arrivals
are spaced even when a request travels slower than the next one); channels run concurrently.

The WebClient must not retry by itself (:func:`build_delivery_client`): a connection-error retry
re-sends a post whose answer was lost, which is exactly the duplicate this module exists to prevent.

Wiring (the composition root builds one; handlers only enqueue and notify)::

    deliverer = Deliverer(database, build_delivery_client(settings.bot_token(), settings.slack_api_url))
    delivery = DeliveryThread(deliverer)
    delivery.start()                      # on startup, after migrations
    ...
    with database.unit_of_work() as session:             # in a handler or job
        cta = ...                                         # the change
        outbox.enqueue(session, method="chat.postMessage", payload=alert, dedupe_key=f"cta:{cta.id}:alert")
    deliverer.notify()                                    # after the commit
    ...
    delivery.stop()                       # on shutdown: unsent claims go back, calls in flight finish
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import utc_now
from bot.outbox_errors import Failure, classify
from bot.outbox_methods import DEFAULT_METHODS, OutboxMethod, ParentResultError, prepare
from bot.outbox_pump import Delivered, DeliveryReport, Outcome, Pump
from bot.slack_api import DEFAULT_TIMEOUT_SECONDS, build_web_client
from storage.db import Database
from storage.repositories import outbox
from storage.repositories.outbox import Claim

logger = logging.getLogger(__name__)


def build_delivery_client(token: str, base_url: str) -> WebClient:
    """The deliverer's client: the app's one builder, with its own retries off."""
    return build_web_client(token, base_url, retries=False)


ClientSource = WebClient | Callable[[], WebClient]


class Deliverer:
    """Delivers outbox rows; one per process, shared by ``run`` (the app) or ``deliver_due`` (tests, CLI).

    ``client``: a WebClient without retries, or a factory called once per worker thread.
    ``now``: the clock for database timestamps (pacing uses the monotonic clock).
    ``instance_id``: names this deliverer in logs (default: host, pid and a random suffix).
    ``max_attempts``: failed sends (429s excluded) before a row is dead.
    ``per_channel_interval``: seconds between calls to one channel. ``workers``: concurrent calls.
    ``lease_seconds``: how long a claim holds before another deliverer may take the row over to
    reconcile it; keep it well above the client timeout plus the pacing of ``channel_batch`` rows.
    ``channel_batch``: rows of one channel claimed at a time (default from the lease and the interval).
    ``backoff_base`` / ``backoff_cap``: seconds for exponential backoff with jitter after failures.
    ``reconcile_delay``: least wait before reading back a call of unknown outcome, so a request Slack
    was still working on when we gave up (a timeout) has landed before we look (default: the client
    timeout).
    ``poll_interval``: how often ``run`` looks for rows enqueued by another process without a notify.
    """

    def __init__(
        self,
        database: Database,
        client: ClientSource,
        *,
        now: Callable[[], datetime] = utc_now,
        instance_id: str | None = None,
        max_attempts: int = 8,
        per_channel_interval: float = 1.0,
        workers: int = 8,
        lease_seconds: float = 60.0,
        channel_batch: int | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        reconcile_delay: float = DEFAULT_TIMEOUT_SECONDS,
        poll_interval: float = 2.0,
        methods: Mapping[str, OutboxMethod] | None = None,
        seed: int | None = None,
    ) -> None:
        if max_attempts < 1 or workers < 1:
            raise ValueError("max_attempts and workers must be at least 1")
        self.database = database
        self.now = now
        self.instance_id = instance_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.max_attempts = max_attempts
        self.per_channel_interval = per_channel_interval
        self.workers = workers
        self.lease_seconds = lease_seconds
        self.channel_batch = channel_batch if channel_batch is not None else self._default_batch()
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.reconcile_delay = reconcile_delay
        self.poll_interval = poll_interval
        self._methods: dict[str, OutboxMethod] = dict(DEFAULT_METHODS if methods is None else methods)
        self._client_source = client
        self._local = threading.local()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._slots: dict[str, float] = {}
        self._wake = threading.Event()
        self._notified = threading.Event()

    def _default_batch(self) -> int | None:
        if self.per_channel_interval <= 0:
            return None
        return max(1, min(50, int(self.lease_seconds / (4 * self.per_channel_interval))))

    # ---- public API ------------------------------------------------------------------------------

    def register(self, method: str, spec: OutboxMethod) -> None:
        """Teach the deliverer another Web API method (e.g. a files upload v2 for the digest chart)."""
        self._methods[method] = spec

    def notify(self) -> None:
        """Something was enqueued: wake ``run`` now instead of at its next poll. Safe from any thread."""
        self._notified.set()
        self._wake.set()

    def deliver_due(self, max_items: int = 100) -> DeliveryReport:
        """One pass: claim up to ``max_items`` due rows (``channel_batch`` per channel) and deliver them.

        Returns when every claimed row has an outcome; rows that became due meanwhile (a reply whose
        parent was just sent, a retry) wait for the next pass.
        """
        done = threading.Event()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="outbox") as pool:
            pump = Pump(self, pool, done)
            pump.add(self._claim(max_items, exclude=()))
            while not pump.idle():
                done.clear()
                next_slot = pump.dispatch()
                if not pump.idle():
                    done.wait(next_slot if next_slot is not None else self.poll_interval)
        return pump.tally.report()

    def run(self, stop: threading.Event, wake: threading.Event | None = None) -> DeliveryReport:
        """Deliver until ``stop`` is set: claim, send, sleep until the next due row, a free pacing slot,
        a finished call, or a wake-up (:meth:`notify`, or ``wake`` set by the caller).

        To stop promptly set ``stop`` then ``wake`` (or call :meth:`notify`). On the way out, rows claimed
        but not sent go back to ``pending``; calls in flight finish and are recorded.
        """
        if wake is not None:
            self._wake = wake
        wake = self._wake
        logger.info("outbox deliverer %s running", self.instance_id)
        claim_every = max(0.05, min(0.5, self.per_channel_interval / 2 or 0.5))
        last_claim = -float("inf")
        with ThreadPoolExecutor(self.workers, thread_name_prefix="outbox") as pool:
            pump = Pump(self, pool, wake)
            try:
                while not stop.is_set():
                    wake.clear()
                    timeout = self.poll_interval
                    since = time.monotonic() - last_claim
                    if self._notified.is_set() or since >= claim_every:
                        self._notified.clear()
                        last_claim = time.monotonic()
                        timeout = self._refill(pump, claim_every)
                    else:
                        timeout = claim_every - since
                    next_slot = pump.dispatch()
                    if next_slot is not None:
                        timeout = min(timeout, next_slot)
                    if not stop.is_set():
                        wake.wait(max(timeout, 0.0))
            finally:
                pump.release_queued()
        report = pump.tally.report()
        logger.info("outbox deliverer %s stopped: %s", self.instance_id, report)
        return report

    # ---- claiming --------------------------------------------------------------------------------

    def _refill(self, pump: Pump, claim_every: float) -> float:
        """Claim more for channels not in hand; returns how long the loop may sleep. A database error
        is logged and waited out: the loop must outlive a restart of the database."""
        try:
            room = self._run_batch() - pump.queued()
            if room > 0:
                pump.add(self._claim(room, exclude=pump.channels_in_hand()))
            return self._idle_wait() if pump.idle() else claim_every
        except Exception:
            logger.exception("outbox: claiming failed; trying again in %.0f s", self.poll_interval)
            return self.poll_interval

    def _run_batch(self) -> int:
        return max(self.workers * 4, 100)

    def _claim(self, limit: int, *, exclude: Iterable[str]) -> list[Claim]:
        with self.database.unit_of_work(immediate=True) as session:
            return outbox.claim_due(
                session,
                now=self.now(),
                limit=limit,
                lease_seconds=self.lease_seconds,
                instance_id=self.instance_id,
                per_channel=self.channel_batch,
                exclude_channels=set(exclude),
            )

    def _idle_wait(self) -> float:
        """Seconds until the next row is due; a short pause when rows are due but not claimable now."""
        with self.database.unit_of_work() as session:
            due = outbox.next_due_at(session)
        if due is None:
            return self.poll_interval
        seconds = (due - self.now()).total_seconds()
        return min(self.poll_interval, max(seconds, 0.2))

    # ---- pacing ----------------------------------------------------------------------------------

    def slot_opens_in(self, channel: str) -> float:
        with self._lock:
            return self._slots.get(channel, 0.0) - time.monotonic()

    def _hold(self, channel: str | None, seconds: float) -> None:
        if channel is None:
            return
        with self._lock:
            until = time.monotonic() + seconds
            self._slots[channel] = max(self._slots.get(channel, 0.0), until)

    # ---- one row ---------------------------------------------------------------------------------

    def _client(self) -> WebClient:
        if isinstance(self._client_source, WebClient):
            return self._client_source
        client: WebClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._client_source()
            self._local.client = client
        return client

    def deliver_one(self, claim: Claim) -> Delivered:
        """Send one claimed row and record its outcome."""
        if self.now() + timedelta(seconds=self.lease_seconds / 3) > claim.lease_until:
            # Waited in memory too long (a slow channel): another deliverer may take the row over when
            # the lease ends, so hand it back rather than race it.
            released = self.release([claim], retry_at=self.now(), reason="released: lease nearly over")
            return Delivered(Outcome.RELEASED if released else Outcome.LOST_LEASE)
        method = self._methods.get(claim.method)
        if method is None:
            return Delivered(self._dead(claim, f"unsupported_method: {claim.method}"))
        try:
            delivery = prepare(claim, method)
        except ParentResultError as error:
            return Delivered(self._dead(claim, f"parent_result: {error}"))
        client = self._client()
        if claim.reconcile and method.find is not None:
            try:
                found = method.find(client, delivery)
            except Exception as error:  # every failure is sorted and recorded
                failure = classify(error)
                if failure.kind == "permanent":
                    # The read-back itself is refused (scope, membership): resending could duplicate
                    # and retrying cannot help, so stop here and let an operator look.
                    refused = f"outcome unknown, read-back refused: {failure.error}"
                    return Delivered(self._dead(claim, refused))
                return self._failed(claim, failure, unknown=True)
            if found is not None:
                return Delivered(self._sent(claim, found, reconciled=True))
            if claim.attempts > self.max_attempts:
                return Delivered(self._dead(claim, f"not delivered after {self.max_attempts} attempts"))
        try:
            result = method.send(client, delivery)
        except Exception as error:  # every failure is sorted and recorded
            failure = classify(error)
            if failure.kind == "permanent":
                expected = isinstance(error, SlackApiError)
                return Delivered(self._dead(claim, failure.error, exc_info=None if expected else error))
            unknown = method.find is not None and failure.kind == "unknown"
            return self._failed(claim, failure, unknown=unknown)
        finally:
            self._hold(claim.channel_id, self.per_channel_interval)
        return Delivered(self._sent(claim, result, reconciled=False))

    def _sent(self, claim: Claim, result: dict[str, Any], *, reconciled: bool) -> Outcome:
        with self.database.unit_of_work(immediate=True) as session:
            held = outbox.mark_sent(session, claim, result=result, now=self.now())
        if not held:
            return self._lost(claim)
        if reconciled:
            logger.info(
                "outbox row %s (%s) had reached Slack: reconciled, not resent", claim.id, claim.method
            )
            return Outcome.RECONCILED
        return Outcome.SENT

    def _dead(self, claim: Claim, error: str, *, exc_info: BaseException | None = None) -> Outcome:
        with self.database.unit_of_work(immediate=True) as session:
            held = outbox.mark_dead(session, claim, error=error)
        if not held:
            return self._lost(claim)
        logger.error(
            "outbox row %s (%s, %s) is dead after %s attempt(s): %s",
            claim.id,
            claim.method,
            claim.dedupe_key,
            claim.attempts,
            error,
            exc_info=exc_info,
        )
        return Outcome.DEAD

    def _lost(self, claim: Claim) -> Outcome:
        logger.warning("outbox row %s: lease lost to another deliverer; outcome not recorded", claim.id)
        return Outcome.LOST_LEASE

    def _failed(self, claim: Claim, failure: Failure, *, unknown: bool) -> Delivered:
        """Record a failed attempt that may succeed later; ``unknown``: the call may have gone through,
        so the row stays leased and is reconciled before anything is sent again."""
        now = self.now()
        if failure.kind == "rate_limited":
            retry_at = now + timedelta(seconds=failure.retry_after)
            self._hold(claim.channel_id, failure.retry_after)
            with self.database.unit_of_work(immediate=True) as session:
                held = outbox.mark_retry(
                    session,
                    claim,
                    error=failure.error,
                    retry_at=retry_at,
                    count_attempt=False,
                    unknown_outcome=unknown,
                )
                if claim.channel_id is not None:
                    outbox.hold_channel(session, claim.channel_id, retry_at)
            if not held:
                return Delivered(self._lost(claim))
            logger.warning(
                "outbox row %s (%s): rate limited on %s, retry in %.0f s",
                claim.id,
                claim.method,
                claim.channel_id,
                failure.retry_after,
            )
            return Delivered(Outcome.RATE_LIMITED, held_until=retry_at)
        if not unknown and claim.attempts >= self.max_attempts:
            return Delivered(self._dead(claim, failure.error))
        if unknown and claim.attempts >= 2 * self.max_attempts:
            # Slack kept failing even the read-back: say so instead of guessing either way.
            return Delivered(
                self._dead(claim, f"outcome unknown after {claim.attempts} attempts: {failure.error}")
            )
        delay = self._backoff(claim.attempts)
        retry_at = now + timedelta(seconds=max(delay, self.reconcile_delay) if unknown else delay)
        with self.database.unit_of_work(immediate=True) as session:
            held = outbox.mark_retry(
                session, claim, error=failure.error, retry_at=retry_at, unknown_outcome=unknown
            )
        if not held:
            return Delivered(self._lost(claim))
        logger.warning(
            "outbox row %s (%s) attempt %s failed: %s; %s at %s",
            claim.id,
            claim.method,
            claim.attempts,
            failure.error,
            "reconcile" if unknown else "retry",
            retry_at.isoformat(timespec="milliseconds"),
        )
        return Delivered(Outcome.UNKNOWN if unknown else Outcome.RETRY)

    def _backoff(self, attempts: int) -> float:
        """Exponential with "equal jitter": half fixed, half random, so retries of a burst spread out."""
        delay: float = min(self.backoff_cap, self.backoff_base * 2.0 ** max(0, attempts - 1))
        return delay / 2 + self._rng.random() * delay / 2

    def release(self, claims: Iterable[Claim], *, retry_at: datetime, reason: str) -> int:
        """Hand claimed, unsent rows back for ``retry_at`` (attempt not counted). A row claimed to be
        reconciled stays one: its earlier call may still have gone through."""
        released = 0
        with self.database.unit_of_work(immediate=True) as session:
            for claim in claims:
                released += outbox.mark_retry(
                    session,
                    claim,
                    error=reason,
                    retry_at=retry_at,
                    count_attempt=False,
                    unknown_outcome=claim.reconcile,
                )
        return released


class DeliveryThread:
    """Runs a deliverer beside the app: :meth:`start` at startup, :meth:`stop` at shutdown."""

    def __init__(self, deliverer: Deliverer) -> None:
        self.deliverer = deliverer
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._report: DeliveryReport | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="outbox-deliverer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        self._report = self.deliverer.run(self._stop)

    def stop(self, timeout: float = 15.0) -> DeliveryReport | None:
        """Stop claiming, hand back unsent claims, wait for calls in flight (up to ``timeout``)."""
        self._stop.set()
        self.deliverer.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        return self._report


__all__ = [
    "DEFAULT_METHODS",
    "Deliverer",
    "DeliveryReport",
    "DeliveryThread",
    "OutboxMethod",
    "Outcome",
    "build_delivery_client",
    "classify",
]
