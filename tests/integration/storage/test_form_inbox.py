"""The form inbox on a real database (SQLite and PostgreSQL): an acked form is stored exactly once —
after a worker died holding it, after a failure, and when two workers race — and its author hears
when it cannot be stored."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.configfile import default_config_path, load_config
from bot.i18n import Locale
from bot.middleware import AfterAckPool
from handlers.context import Deps
from handlers.forms import FormError, InvalidFormError
from handlers.inbox import LEASE_SECONDS, MAX_ATTEMPTS, FormInbox, FormWorker
from scoring.health import compile_config
from storage.db import Database
from storage.enums import FormOutcome
from storage.models import AuditLogEntry, FormSubmission
from storage.repositories import form_inbox
from storage.repositories.form_inbox import FormClaim
from tests.integration.scheduler.conftest import TOKYO, Clock, tokyo


@dataclass
class Ledger:
    """A form kind that stores a form as one audit row, and records what its author was told."""

    fail_times: int = 0
    refuse: bool = False
    told: list[str] = field(default_factory=list)
    calls: int = 0

    def store(self, session: Session, claim: FormClaim) -> Callable[[], None]:
        self.calls += 1
        if self.calls <= self.fail_times:
            raise RuntimeError("the database hiccuped")
        if self.refuse:
            raise InvalidFormError({"assess_account": FormError("form.error.unknown_account")})
        session.add(
            AuditLogEntry(
                actor=claim.user_slack_id,
                action="form.stored",
                entity="form",
                entity_id=str(claim.payload["n"]),
            )
        )
        return lambda: self.told.append(f"stored {claim.payload['n']}")

    def refused(self, claim: FormClaim, refusal: InvalidFormError) -> None:
        self.told.append(f"refused {claim.payload['n']}")

    def failed(self, claim: FormClaim, error_id: str) -> None:
        self.told.append(f"failed {claim.payload['n']} ({error_id})")


@pytest.fixture
def clock() -> Clock:
    return Clock(tokyo(2026, 12, 7, 10, 0))


def make_inbox(
    database: Database,
    clock: Clock,
    kind: Ledger,
    *,
    drain_later: bool = False,
    later: AfterAckPool | None = None,
) -> FormInbox:
    config = load_config(default_config_path(), locale=Locale.JA)
    deps = Deps(database=database, now=clock, config=config, scoring=compile_config(config), tz=TOKYO)
    inbox = FormInbox(deps, later or AfterAckPool())
    inbox.register("ledger", kind)
    if not drain_later:
        inbox.wake = lambda: None
    return inbox


def put(database: Database, clock: Clock, n: int) -> int:
    with database.unit_of_work() as session:
        return form_inbox.put(session, kind="ledger", user_slack_id="U0SATO", payload={"n": n}, now=clock())


def stored(database: Database) -> list[str]:
    with database.unit_of_work() as session:
        return list(session.scalars(select(AuditLogEntry.entity_id).order_by(AuditLogEntry.id)))


def row(database: Database, form_id: int) -> FormSubmission:
    with database.unit_of_work() as session:
        found = form_inbox.get(session, form_id)
        assert found is not None
        return found


def test_a_put_form_is_written_stored_and_confirmed_once(database: Database, clock: Clock) -> None:
    kind, later = Ledger(), AfterAckPool()
    inbox = make_inbox(database, clock, kind, drain_later=True, later=later)
    for n in range(5):
        inbox.put("ledger", "U0SATO", {"n": n}, not_written=lambda error_id: None)
    inbox.flush()
    later.shutdown()  # the drains the writer queued on the after-ack pool have run
    assert stored(database) == ["0", "1", "2", "3", "4"]
    assert kind.told == [f"stored {n}" for n in range(5)]
    with database.unit_of_work() as session:
        rows = session.scalars(select(FormSubmission)).all()
        assert {(r.outcome, r.attempts) for r in rows} == {(FormOutcome.STORED, 1)}
        assert form_inbox.unfinished_count(session) == 0
    assert inbox.drain() == 0, "a stored form is never taken again"


def test_a_form_held_by_a_dead_worker_is_taken_over_after_its_lease(database: Database, clock: Clock) -> None:
    form_id = put(database, clock, 1)
    with database.unit_of_work() as session:  # a worker claims it, then dies without a word
        assert form_inbox.claim_next(session, now=clock(), lease_seconds=LEASE_SECONDS) is not None
    kind = Ledger()
    inbox = make_inbox(database, clock, kind)
    assert inbox.drain() == 0, "leased: not claimable yet"
    clock.advance(timedelta(seconds=LEASE_SECONDS + 1))
    assert inbox.drain() == 1
    assert stored(database) == ["1"]
    assert row(database, form_id).attempts == 2


def test_a_worker_whose_lease_was_taken_over_stores_nothing(database: Database, clock: Clock) -> None:
    put(database, clock, 1)
    with database.unit_of_work() as session:
        slow = form_inbox.claim_next(session, now=clock(), lease_seconds=LEASE_SECONDS)
    assert slow is not None
    clock.advance(timedelta(seconds=LEASE_SECONDS + 1))
    inbox = make_inbox(database, clock, Ledger())
    assert inbox.drain() == 1  # the second worker stores it
    with database.unit_of_work() as session:  # the slow one comes back: fenced out
        assert not form_inbox.finish(session, slow, outcome=FormOutcome.STORED, now=clock())
        assert not form_inbox.retry_at(session, slow, at=clock(), error="late")
    assert stored(database) == ["1"]


def test_a_failing_store_is_retried_with_backoff_and_then_stored(database: Database, clock: Clock) -> None:
    form_id = put(database, clock, 7)
    kind = Ledger(fail_times=1)
    inbox = make_inbox(database, clock, kind)
    assert inbox.drain() == 1
    assert stored(database) == []
    failed_once = row(database, form_id)
    assert failed_once.finished_at is None
    assert failed_once.last_error is not None
    assert failed_once.last_error.startswith("RuntimeError")
    assert inbox.drain() == 0, "waits for its retry time"
    clock.advance(timedelta(seconds=6))
    assert inbox.drain() == 1
    assert stored(database) == ["7"]
    assert kind.told == ["stored 7"], "a retry that succeeds bothers nobody"


def test_a_form_that_keeps_failing_is_given_up_and_its_author_told(database: Database, clock: Clock) -> None:
    form_id = put(database, clock, 3)
    kind = Ledger(fail_times=MAX_ATTEMPTS)
    inbox = make_inbox(database, clock, kind)
    for _ in range(MAX_ATTEMPTS):
        inbox.drain()
        clock.advance(timedelta(minutes=1))
    assert stored(database) == []
    assert row(database, form_id).outcome == FormOutcome.FAILED
    assert len(kind.told) == 1
    assert kind.told[0].startswith("failed 3 (")
    assert inbox.drain() == 0


def test_a_form_no_longer_storable_is_refused_and_its_author_told(database: Database, clock: Clock) -> None:
    form_id = put(database, clock, 4)
    kind = Ledger(refuse=True)
    assert make_inbox(database, clock, kind).drain() == 1
    assert row(database, form_id).outcome == FormOutcome.REFUSED
    assert row(database, form_id).last_error == "form.error.unknown_account"
    assert kind.told == ["refused 4"]
    assert stored(database) == []


def test_two_workers_store_every_form_once(database: Database, clock: Clock) -> None:
    for n in range(40):
        put(database, clock, n)
    kind = Ledger()
    workers = [FormWorker(make_inbox(database, clock, kind), poll_seconds=0.01) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        for _ in range(500):
            with database.unit_of_work() as session:
                if form_inbox.unfinished_count(session) == 0:
                    break
            time.sleep(0.02)
    finally:
        for worker in workers:
            worker.stop()
    assert sorted(stored(database), key=int) == [str(n) for n in range(40)]


def test_a_worker_gives_way_to_requests_waiting_for_their_ack_but_never_stops(
    database: Database, clock: Clock
) -> None:
    for n in range(3):
        put(database, clock, n)
    worker = FormWorker(
        make_inbox(database, clock, Ledger()), poll_seconds=0.01, busy=lambda: True, yield_seconds=0.1
    )
    started = time.monotonic()
    worker.start()
    try:
        for _ in range(200):
            if len(stored(database)) == 3:
                break
            time.sleep(0.02)
    finally:
        worker.stop()
    assert stored(database) == ["0", "1", "2"]
    assert time.monotonic() - started >= 0.3, "it waited its turn before each form"
