"""The inbound-event ledger: a Slack event Slack retries is applied once. Never commits.

Slack re-sends an event (same ``event_id``, header ``X-Slack-Retry-Num: 1..3``) when our answer was slow
or failed, even if we did the work. Claim the id in the *same* unit of work as the change the event
makes, so both commit or neither does::

    with database.unit_of_work() as session:
        if not inbound.claim_event(session, body["event_id"], event["type"]):
            return                        # a retry of an event already applied
        ...apply the change, outbox.enqueue(...) the Slack answer...
    deliverer.notify()

A crash before the commit rolls the claim back with the change, so Slack's retry applies it; after the
commit, every retry finds the id and does nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import InboundEvent


def claim_event(session: Session, event_id: str, kind: str) -> bool:
    """``True`` the first time ``event_id`` is seen, ``False`` for a retry of an applied event.

    ``INSERT … ON CONFLICT DO NOTHING``: no exception, and the transaction stays usable either way. On
    PostgreSQL a concurrent claim of the same id waits for the first transaction: ``False`` if it
    commits, ``True`` if it rolls back (then this one applies the event).
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.scalar(
        dialect.insert(InboundEvent)
        .values(event_id=event_id, kind=kind)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(InboundEvent.event_id)
    )
    return inserted is not None


def seen(session: Session, event_id: str) -> bool:
    """Whether ``event_id`` has been claimed (and committed, or claimed in this transaction)."""
    return session.scalar(select(InboundEvent.event_id).where(InboundEvent.event_id == event_id)) is not None
