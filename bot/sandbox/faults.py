"""Fault injection for the stand-in: the failures the app must survive, on demand and reproducibly.

Slack fails in a handful of ways that matter to a sender: 429 with ``Retry-After`` (per method tier, and
about one message per second per channel for ``chat.postMessage``), 5xx, slow answers, and the worst one
— accepting a message and losing the answer (dropped, or held while the test kills the client). Each is a
plan entry consulted per call.
"""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ANY_METHOD = "*"


@dataclass(frozen=True)
class Fault:
    """An injected failure answer: ``kind`` names the plan entry that produced it (for the record)."""

    kind: str
    status: int
    retry_after: int | None = None

    @property
    def error(self) -> str:
        """The ``error`` Slack puts in the body: ``ratelimited`` for 429, else a server error."""
        if self.status == 429:
            return "ratelimited"
        return "service_unavailable" if self.status == 503 else "internal_error"


@dataclass
class _Queued:
    status: int
    retry_after: int | None
    times: int


class FaultPlan:
    """What to break next. Thread-safe; ``clock`` is monotonic seconds (rate-limit windows)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Forget every fault; answers still held are released, so no server thread waits on."""
        with self._lock:
            for gate in getattr(self, "_gates", ()):
                gate.set()
            self._gates: list[threading.Event] = []
            self._holds: dict[str, int] = {}
            self._queued: dict[str, deque[_Queued]] = {}
            self._drops: dict[str, int] = {}
            self._rate = 0.0
            self._rng = random.Random(0)
            self._rate_methods: frozenset[str] | None = None
            self._rate_statuses: tuple[int, ...] = (500, 503, 429)
            self._latency = 0.0
            self._latency_methods: frozenset[str] | None = None
            self._limits: dict[str, float] = {}
            self._accepted: dict[tuple[str, str], deque[float]] = {}

    def fail_next(self, method: str, status: int, retry_after: int | None, times: int) -> None:
        if not 400 <= status < 600:
            raise ValueError(f"not an HTTP error status: {status}")
        with self._lock:
            self._queued.setdefault(method, deque()).append(_Queued(status, retry_after, times))

    def hold_after_accept(self, method: str, times: int) -> None:
        with self._lock:
            self._holds[method] = self._holds.get(method, 0) + times

    def take_hold(self, method: str) -> threading.Event | None:
        """A gate to wait on before answering this accepted call, if a hold is planned for it."""
        with self._lock:
            for key in (method, ANY_METHOD):
                if self._holds.get(key, 0) > 0:
                    self._holds[key] -= 1
                    gate = threading.Event()
                    self._gates.append(gate)
                    return gate
        return None

    def release_held(self) -> int:
        """Let every held answer go (to whoever still listens). Returns how many were waiting."""
        with self._lock:
            gates, self._gates = self._gates, []
        waiting = sum(not gate.is_set() for gate in gates)
        for gate in gates:
            gate.set()
        return waiting

    def fail_after_accept(self, method: str, times: int) -> None:
        with self._lock:
            self._drops[method] = self._drops.get(method, 0) + times

    def set_failure_rate(
        self, rate: float, seed: int, methods: Iterable[str] | None, statuses: Iterable[int]
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        with self._lock:
            self._rate = rate
            self._rng = random.Random(seed)
            self._rate_methods = None if methods is None else frozenset(methods)
            self._rate_statuses = tuple(statuses)

    def set_latency(self, seconds: float, methods: Iterable[str] | None) -> None:
        with self._lock:
            self._latency = seconds
            self._latency_methods = None if methods is None else frozenset(methods)

    def set_rate_limit(self, method: str, per_channel_per_second: float | None) -> None:
        with self._lock:
            if per_channel_per_second is None:
                self._limits.pop(method, None)
            else:
                self._limits[method] = per_channel_per_second

    def latency(self, method: str) -> float:
        with self._lock:
            if self._latency_methods is None or method in self._latency_methods:
                return self._latency
            return 0.0

    def injected_failure(self, method: str) -> Fault | None:
        """A queued ``fail_next`` for this method (or ``"*"``) first, then the random failure rate."""
        with self._lock:
            for key in (method, ANY_METHOD):
                queue = self._queued.get(key)
                if queue:
                    head = queue[0]
                    head.times -= 1
                    if head.times <= 0:
                        queue.popleft()
                    retry_after = head.retry_after
                    if head.status == 429 and retry_after is None:
                        retry_after = 2
                    return Fault("fail_next", head.status, retry_after)
            in_scope = self._rate_methods is None or method in self._rate_methods
            if self._rate > 0 and in_scope and self._rng.random() < self._rate:
                status = self._rng.choice(self._rate_statuses)
                return Fault("failure_rate", status, 1 if status == 429 else None)
        return None

    def rate_limited(self, method: str, channel: str | None) -> Fault | None:
        """Slack's per-channel message limit: a sliding one-second window of accepted calls."""
        with self._lock:
            limit = self._limits.get(method)
            if limit is None or channel is None:
                return None
            now = self._clock()
            window = self._accepted.setdefault((method, channel), deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= limit:
                wait = max(1, math.ceil(window[0] + 1.0 - now))
                return Fault("rate_limit", 429, wait)
            window.append(now)
        return None

    def take_drop(self, method: str) -> bool:
        """Whether to accept this call and then close the connection without answering."""
        with self._lock:
            for key in (method, ANY_METHOD):
                if self._drops.get(key, 0) > 0:
                    self._drops[key] -= 1
                    return True
        return False
