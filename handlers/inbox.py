"""The form inbox: a form is on disk from its ack on, and stored by whoever drains the inbox.

Storing an assessment re-scores the account and re-evaluates its CTAs: tens of milliseconds of Python.
Done on the threads that answer Slack, it would hold the GIL while other requests wait for their ack.
So a listener validates, acks, and *puts* the form here (``storage.repositories.form_inbox``); a drain
stores it. Under ``takibi run`` the drain is a worker process of its own on PostgreSQL
(``bot.form_worker``) and a :class:`FormWorker` thread that gives way to acks on SQLite; elsewhere
(tests, the demo) the app drains it on its after-ack threads, at once.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from handlers.context import Deps
from handlers.forms import InvalidFormError
from handlers.surface import AfterAck, in_one_write
from storage.enums import FormOutcome
from storage.repositories import form_inbox
from storage.repositories.form_inbox import FormClaim, NewForm

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
"""Longer than any store takes; a worker that died holds its form this long before another takes it."""
MAX_ATTEMPTS = 3
WRITE_BATCH = 200
"""Forms written in one transaction at most."""
GIVE_WAY_STEP_SECONDS = 0.005
WRITE_PATIENCE_SECONDS = 120.0
"""How long the writer keeps trying to write acked forms (a database restarting, a long lock) before it
tells their authors they were not saved."""
RETRY_BACKOFF_SECONDS = (5.0, 30.0)
"""Waits before the 2nd and 3rd attempts (the database was away, a deadlock, a bug hit once)."""


class FormKind(Protocol):
    """How one kind of form (``"assess"``) is stored and answered."""

    def store(self, session: Session, claim: FormClaim) -> Callable[[], None]:
        """Store the form in ``session`` (committed together with the inbox row); return what to tell the
        user once it is committed. Raises ``InvalidFormError`` for a form no longer storable."""

    def refused(self, claim: FormClaim, refusal: InvalidFormError) -> None:
        """Tell the user why the acked form was not stored after all."""

    def failed(self, claim: FormClaim, error_id: str) -> None:
        """Tell the user the form could not be stored (every attempt failed), naming the error id."""


class _LeaseLostError(Exception):
    """Another worker took the form over (this one was too slow); it stores it, not us."""


@dataclass(frozen=True, slots=True)
class _Put:
    kind: str
    user_slack_id: str
    payload: dict[str, Any]
    not_written: Callable[[str], None]


class FormInbox:
    """Puts acked forms in the inbox and stores them (:meth:`drain`).

    A listener's :meth:`put` hands the form to one writer thread, which writes whatever has arrived in
    one transaction (on SQLite a write waits for the lock, which a store may hold for tens of
    milliseconds: the listener threads Bolt acks on must not wait with it).

    Once forms are written, :attr:`wake` is called: by default it queues a drain on the app's after-ack
    threads (tests, the demo); ``takibi run`` points it at a :class:`FormWorker` thread (SQLite) or
    leaves the inbox to a worker process that polls it (PostgreSQL).
    """

    def __init__(self, deps: Deps, later: AfterAck) -> None:
        self._deps = deps
        self._later = later
        self._kinds: dict[str, FormKind] = {}
        self._puts: queue.SimpleQueue[_Put | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self.wake: Callable[[], None] = self._drain_later

    def register(self, kind: str, handler: FormKind) -> None:
        self._kinds[kind] = handler

    def put(
        self, kind: str, user_slack_id: str, payload: dict[str, Any], *, not_written: Callable[[str], None]
    ) -> None:
        """Write an acked form to the inbox within milliseconds, off the caller's thread. If it cannot
        be written, ``not_written(error_id)`` is called (to tell the user) and the error is logged."""
        if kind not in self._kinds:
            raise KeyError(f"no form kind {kind!r}")
        with self._writer_lock:
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_puts, name="form-inbox-writer", daemon=True
                )
                self._writer.start()
        self._puts.put(_Put(kind, user_slack_id, payload, not_written))

    def _write_puts(self) -> None:
        while True:
            first = self._puts.get()
            batch = [first]
            while len(batch) < WRITE_BATCH and not self._puts.empty():
                batch.append(self._puts.get())
            puts = [put for put in batch if put is not None]
            if puts:
                self._write(puts)
            if None in batch:
                return

    def _write(self, puts: list[_Put]) -> None:
        forms = [NewForm(put.kind, put.user_slack_id, put.payload) for put in puts]
        started = time.monotonic()
        while True:
            try:
                with self._deps.database.single_statement() as connection:
                    form_inbox.put_many(connection, forms, now=self._deps.now())
                break
            except Exception:
                error_id = secrets.token_hex(4)
                waited = time.monotonic() - started
                logger.exception(
                    "%d acked forms not written to the inbox yet, %.0f s after the first try (error %s)",
                    len(puts),
                    waited,
                    error_id,
                )
                if waited < WRITE_PATIENCE_SECONDS:
                    # The forms exist only here until written: wait for the database rather than drop them.
                    time.sleep(min(5.0, 0.5 + waited / 4))
                    continue
                for put in puts:
                    try:
                        put.not_written(error_id)
                    except Exception:
                        logger.exception("could not tell %s their form was lost", put.user_slack_id)
                return
        self.wake()

    def flush(self) -> None:
        """Write every form put so far and stop the writer (at shutdown; a later put starts another)."""
        with self._writer_lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            self._puts.put(None)
            writer.join()

    def drain(self, limit: int | None = None) -> int:
        """Store claimable forms until none is left (or ``limit``); how many were taken."""
        taken = 0
        while limit is None or taken < limit:
            if not self.process_one():
                break
            taken += 1
        return taken

    def _drain_later(self) -> None:
        self._later(self._drain_all, describe="form inbox", key="form-inbox")

    def _drain_all(self) -> None:
        self.drain()

    def process_one(self) -> bool:
        """Claim one form and store it; ``False`` when nothing was claimable."""
        database, now = self._deps.database, self._deps.now
        claim = in_one_write(
            database, lambda session: form_inbox.claim_next(session, now=now(), lease_seconds=LEASE_SECONDS)
        )
        if claim is None:
            return False
        kind = self._kinds.get(claim.kind)
        if kind is None:
            self._finish(claim, FormOutcome.FAILED, f"no form kind {claim.kind!r} in this version")
            return True
        try:
            confirm = in_one_write(database, lambda session: self._store(session, kind, claim))
        except _LeaseLostError:
            logger.info("form %d was taken over by another worker", claim.id)
            return True
        except InvalidFormError as refusal:
            if self._finish(claim, FormOutcome.REFUSED, ", ".join(e.key for e in refusal.errors.values())):
                kind.refused(claim, refusal)
            return True
        except Exception as error:
            self._failed(kind, claim, error)
            return True
        try:
            confirm()
        except Exception:
            # Stored and committed: only the confirmation is missing; the data is safe.
            logger.exception(
                "form %d stored, confirmation not sent (error %s)", claim.id, secrets.token_hex(4)
            )
        return True

    def _store(self, session: Session, kind: FormKind, claim: FormClaim) -> Callable[[], None]:
        if not form_inbox.finish(session, claim, outcome=FormOutcome.STORED, now=self._deps.now()):
            raise _LeaseLostError
        return kind.store(session, claim)

    def _finish(self, claim: FormClaim, outcome: FormOutcome, error: str) -> bool:
        return in_one_write(
            self._deps.database,
            lambda session: form_inbox.finish(
                session, claim, outcome=outcome, now=self._deps.now(), error=error[:2000]
            ),
        )

    def _failed(self, kind: FormKind, claim: FormClaim, error: Exception) -> None:
        error_id = secrets.token_hex(4)
        logger.exception(
            "form %d (%s) not stored, attempt %d of %d (error %s)",
            claim.id,
            claim.kind,
            claim.attempts,
            MAX_ATTEMPTS,
            error_id,
            exc_info=error,
        )
        described = f"{type(error).__name__} (error {error_id})"
        if claim.attempts < MAX_ATTEMPTS:
            wait = RETRY_BACKOFF_SECONDS[min(claim.attempts, len(RETRY_BACKOFF_SECONDS)) - 1]
            at = self._deps.now() + timedelta(seconds=wait)
            in_one_write(
                self._deps.database,
                lambda session: form_inbox.retry_at(session, claim, at=at, error=described),
            )
            return
        if self._finish(claim, FormOutcome.FAILED, described):
            kind.failed(claim, error_id)


class FormWorker:
    """Drains the inbox until stopped: at once when woken, else every ``poll_seconds`` (forms put by
    another process, retries coming due, leases run out).

    ``busy``, when given, says whether requests are waiting for their ack in this process: the worker
    then waits (up to ``yield_seconds`` per form) before taking the next form, so under a burst the
    acks keep the GIL and the forms, safe in the inbox, are stored as soon as the burst thins out.
    """

    def __init__(
        self,
        inbox: FormInbox,
        poll_seconds: float = 0.2,
        *,
        busy: Callable[[], bool] | None = None,
        yield_seconds: float = 0.5,
    ) -> None:
        self.inbox = inbox
        self.poll_seconds = poll_seconds
        self.busy = busy
        self.yield_seconds = yield_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set():
                    self._give_way()
                    if not self.inbox.process_one():
                        break
            except Exception:
                # The database went away: wait and try again, as the next poll would.
                logger.exception("form inbox drain failed (error %s)", secrets.token_hex(4))
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def _give_way(self) -> None:
        if self.busy is None:
            return
        deadline = time.monotonic() + self.yield_seconds
        while self.busy() and time.monotonic() < deadline and not self._stop.is_set():
            time.sleep(GIVE_WAY_STEP_SECONDS)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        """Drain from a daemon thread of this process."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="form-inbox", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the form in hand (a store is one transaction: it commits or rolls back)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
