"""In-memory scheduling of claimed outbox rows: one call per channel at a time, paced, over a pool.

Kept apart from :mod:`bot.outbox` (what a delivery *does*) because this is only about *when*: which
claimed row may start now, given the channels busy, their pacing slots and the free workers.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Protocol

from storage.repositories.outbox import Claim

logger = logging.getLogger("bot.outbox")


class Outcome(Enum):
    SENT = "sent"
    RECONCILED = "reconciled"
    RATE_LIMITED = "rate_limited"
    RETRY = "retry"
    UNKNOWN = "unknown"
    DEAD = "dead"
    LOST_LEASE = "lost_lease"
    RELEASED = "released"
    ERROR = "error"


@dataclass(frozen=True)
class Delivered:
    """One row's outcome; after a 429, ``held_until`` is when its channel may be called again."""

    outcome: Outcome
    held_until: datetime | None = None


@dataclass(frozen=True)
class DeliveryReport:
    """What one pass (or one ``run``) did. ``reconciled`` rows count in ``sent`` too."""

    claimed: int = 0
    sent: int = 0
    reconciled: int = 0
    rate_limited: int = 0
    retried: int = 0
    unknown: int = 0
    dead: int = 0
    released: int = 0
    """Claimed rows handed back unsent: their channel was rate limited, their lease was nearly over,
    or the deliverer stopped."""
    lost_lease: int = 0
    """Outcomes not recorded because another deliverer had taken the row over (lease expired)."""
    errors: int = 0
    """Outcomes not recorded because the database failed; the lease expires and the row is reconciled."""

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


class Tally:
    """Thread-safe counters behind a :class:`DeliveryReport`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, name: str, count: int = 1) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + count

    def report(self) -> DeliveryReport:
        with self._lock:
            return DeliveryReport(**self._counts)


class Owner(Protocol):
    """What the pump needs from the deliverer."""

    workers: int

    def now(self) -> datetime: ...

    def slot_opens_in(self, channel: str) -> float: ...

    def deliver_one(self, claim: Claim) -> Delivered: ...

    def release(self, claims: Iterable[Claim], *, retry_at: datetime, reason: str) -> int: ...


_COUNTER = {
    Outcome.SENT: "sent",
    Outcome.RECONCILED: "reconciled",
    Outcome.RATE_LIMITED: "rate_limited",
    Outcome.RETRY: "retried",
    Outcome.UNKNOWN: "unknown",
    Outcome.DEAD: "dead",
    Outcome.LOST_LEASE: "lost_lease",
    Outcome.RELEASED: "released",
    Outcome.ERROR: "errors",
}


class Pump:
    """Claimed rows in hand, queued per channel and fed to the pool as pacing slots open.

    One call per channel at a time keeps a channel's rows in order and lets the pacing see each
    answer; rows without a channel (``views.publish``) go whenever a worker is free.
    """

    def __init__(self, deliverer: Owner, pool: ThreadPoolExecutor, wake: threading.Event) -> None:
        self._deliverer = deliverer
        self._pool = pool
        self._wake = wake
        self._lock = threading.Lock()
        self._queues: dict[str | None, deque[Claim]] = {}
        self._busy: set[str] = set()
        self._in_flight = 0
        self.tally = Tally()

    def add(self, claims: Iterable[Claim]) -> None:
        with self._lock:
            for claim in claims:
                self._queues.setdefault(claim.channel_id, deque()).append(claim)
                self.tally.add("claimed")

    def queued(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    def idle(self) -> bool:
        with self._lock:
            return self._in_flight == 0 and not any(self._queues.values())

    def channels_in_hand(self) -> set[str]:
        with self._lock:
            return {c for c, q in self._queues.items() if c is not None and q} | self._busy

    def dispatch(self) -> float | None:
        """Start every row whose channel is free and whose slot is open; seconds to the next slot."""
        next_slot: float | None = None
        with self._lock:
            for channel, queue in list(self._queues.items()):
                while queue and self._in_flight < self._deliverer.workers:
                    if channel is not None:
                        if channel in self._busy:
                            break
                        wait = self._deliverer.slot_opens_in(channel)
                        if wait > 0:
                            next_slot = wait if next_slot is None else min(next_slot, wait)
                            break
                        self._busy.add(channel)
                    claim = queue.popleft()
                    self._in_flight += 1
                    self._pool.submit(self._deliver, claim)
                    if channel is not None:
                        break
                if not queue:
                    del self._queues[channel]
        return next_slot

    def _deliver(self, claim: Claim) -> None:
        done = Delivered(Outcome.ERROR)
        try:
            done = self._deliverer.deliver_one(claim)
        except Exception:
            # The database failed while recording: the row stays leased and is reconciled later.
            logger.exception("outbox row %s: outcome not recorded", claim.id)
        finally:
            released: list[Claim] = []
            with self._lock:
                self._in_flight -= 1
                if claim.channel_id is not None:
                    self._busy.discard(claim.channel_id)
                    if done.held_until is not None:
                        released = list(self._queues.pop(claim.channel_id, ()))
            self.tally.add(_COUNTER[done.outcome])
            if done.outcome is Outcome.RECONCILED:
                self.tally.add("sent")
            if released and done.held_until is not None:
                self._release(released, done.held_until, "held: channel rate limited")
            self._wake.set()

    def _release(self, claims: list[Claim], retry_at: datetime, reason: str) -> None:
        try:
            self.tally.add("released", self._deliverer.release(claims, retry_at=retry_at, reason=reason))
        except Exception:
            logger.exception(
                "outbox: could not release %s claimed rows (their lease will expire)", len(claims)
            )

    def release_queued(self) -> None:
        """Stopping: rows not started go back to ``pending`` now rather than when their lease expires."""
        with self._lock:
            claims = [c for q in self._queues.values() for c in q]
            self._queues.clear()
        if claims:
            self._release(claims, self._deliverer.now(), "released: deliverer stopped")
