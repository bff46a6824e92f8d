"""The form inbox: acked forms waiting to be stored. Never commits.

A form is put here right after its ack, so a form Slack was told we took is on disk, not in a queue in
memory. A worker claims one (a lease), stores it and finishes the row in *one* transaction: a form is
stored once, even when a worker dies half-way (its lease runs out, another takes the row over) or two
instances share the database (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer).
``lease_until`` is the fencing token: a worker whose lease was taken over changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from storage.enums import FormOutcome
from storage.models import FormSubmission


@dataclass(frozen=True, slots=True)
class FormClaim:
    """A row handed to one worker, as plain data. ``attempts`` already counts this attempt."""

    id: int
    kind: str
    user_slack_id: str
    payload: dict[str, Any]
    received_at: datetime
    attempts: int
    lease_until: datetime


def put(session: Session, *, kind: str, user_slack_id: str, payload: dict[str, Any], now: datetime) -> int:
    """Queue a form; its id. Flushes; the caller commits."""
    row = FormSubmission(
        kind=kind, user_slack_id=user_slack_id, payload=payload, received_at=now, next_attempt_at=now
    )
    session.add(row)
    session.flush()
    return row.id


@dataclass(frozen=True, slots=True)
class NewForm:
    kind: str
    user_slack_id: str
    payload: dict[str, Any]


def put_many(connection: Connection | Session, forms: Sequence[NewForm], *, now: datetime) -> None:
    """Queue several forms with one multi-row INSERT (no ORM objects: the writer thread that runs it
    shares the GIL with the threads answering Slack): a whole change by itself, so it may run on a
    ``Database.single_statement`` connection; in a session, the caller commits."""
    if not forms:
        return
    connection.execute(
        insert(FormSubmission),
        [
            {
                "kind": form.kind,
                "user_slack_id": form.user_slack_id,
                "payload": form.payload,
                "received_at": now,
                "next_attempt_at": now,
            }
            for form in forms
        ],
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(
        FormSubmission.finished_at.is_(None),
        FormSubmission.next_attempt_at <= now,
        or_(FormSubmission.lease_until.is_(None), FormSubmission.lease_until < now),
    )


def claim_next(session: Session, *, now: datetime, lease_seconds: float) -> FormClaim | None:
    """Lease the oldest claimable form (unfinished, due, not leased or its lease run out), or ``None``.

    Flushes; the caller commits, and that commit is what makes the claim hold.
    """
    row = session.scalars(
        select(FormSubmission)
        .where(_claimable(now))
        .order_by(FormSubmission.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        return None
    row.attempts += 1
    row.lease_until = now + timedelta(seconds=lease_seconds)
    session.flush()
    return FormClaim(
        id=row.id,
        kind=row.kind,
        user_slack_id=row.user_slack_id,
        payload=dict(row.payload),
        received_at=row.received_at,
        attempts=row.attempts,
        lease_until=row.lease_until,
    )


def _apply(session: Session, claim: FormClaim, **values: Any) -> bool:
    result: Any = session.execute(
        update(FormSubmission)
        .where(
            FormSubmission.id == claim.id,
            FormSubmission.finished_at.is_(None),
            FormSubmission.lease_until == claim.lease_until,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount) == 1


def finish(
    session: Session, claim: FormClaim, *, outcome: FormOutcome, now: datetime, error: str | None = None
) -> bool:
    """Mark the form done. ``False`` when the lease was lost (nothing changed: someone else has it)."""
    return _apply(session, claim, finished_at=now, outcome=outcome, last_error=error, lease_until=None)


def retry_at(session: Session, claim: FormClaim, *, at: datetime, error: str) -> bool:
    """Give the form back, to be claimed again from ``at``. ``False`` when the lease was lost."""
    return _apply(session, claim, next_attempt_at=at, lease_until=None, last_error=error)


def unfinished_count(session: Session) -> int:
    """Forms not stored yet (waiting, leased or waiting for a retry)."""
    return int(
        session.scalar(
            select(func.count()).select_from(FormSubmission).where(FormSubmission.finished_at.is_(None))
        )
        or 0
    )


def get(session: Session, form_id: int) -> FormSubmission | None:
    return session.get(FormSubmission, form_id)
