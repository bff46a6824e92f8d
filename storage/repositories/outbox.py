"""Outbox queries: the durable queue of Slack Web API calls. Functions take a session, never commit.

A row's life::

    pending ──claim──▶ sending ──▶ sent
       ▲                 │  ├────▶ dead      (permanent Slack error, or out of attempts)
       └──── retry ──────┘  └────▶ sending   (outcome unknown: left leased until ``retry_at``)

``sending`` is committed *before* the Slack call. So a ``sending`` row whose lease has expired is one
whose call may or may not have reached Slack (the process died, or the answer was lost): claiming it
again marks the claim ``reconcile=True``, and the deliverer looks for the message before sending again.

``lease_until`` doubles as the claim's fencing token: ``mark_*`` only change a row still ``sending``
under the same lease, so a deliverer that lost its lease (it stalled past it and another deliverer
took the row over) cannot overwrite the newer outcome.

Claiming is safe with several deliverers: on PostgreSQL it takes ``FOR UPDATE SKIP LOCKED``; on SQLite
the caller must claim inside ``Database.unit_of_work(immediate=True)`` (writers are serialised).

Updates of one message apply in order, newest last. A ``chat.update`` row that names its message's row
in ``depends_on_id`` carries the message's whole new state, so only the newest one matters: an older
one is never sent once a newer one is queued (it is *superseded*: ``sent`` without a call, ``result``
``{"superseded": true}``), and the newest waits while an older one is still in flight. Retries, a
429 or a second deliverer can therefore never leave the message in an older state than the last one
queued::

    update 1 (taken)   ──▶ 500, back to pending ──▶ superseded (a newer one exists)
    update 2 (snoozed) ──▶ superseded before it was ever claimed
    update 3 (done)    ──▶ waits for update 1's call to finish, then sent: the message shows "done"

Replies in one thread keep their order the same way, without skipping any: a ``chat.postMessage`` row
with a parent waits until every older reply to that parent is finished (sent or dead).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from storage.enums import OutboxStatus
from storage.models import OutboxMessage

JsonDict = dict[str, Any]

_Parent = aliased(OutboxMessage, name="parent")
_Target = aliased(OutboxMessage, name="target")
"""An alias for subqueries of an UPDATE on ``outbox``, which would otherwise correlate to its target."""
_Sibling = aliased(OutboxMessage, name="sibling")

REPLACING_METHODS = frozenset({"chat.update"})
"""Methods whose call sets the whole state of the parent's message (see the module docstring): of the
rows of one such method on one parent, the newest replaces the older ones."""
SEQUENCED_METHODS = REPLACING_METHODS | {"chat.postMessage"}
"""Methods whose rows on one parent go one at a time, oldest first: updates of one message, replies in
one thread."""
SUPERSEDED: dict[str, Any] = {"superseded": True}
"""The ``result`` of a row never sent because a newer one replaced it."""


@dataclass(frozen=True)
class Claim:
    """A row handed to one deliverer, as plain data (safe to pass to worker threads).

    ``attempts`` already counts this attempt. ``reconcile`` is set when the row was taken over from an
    expired lease: its previous call may have gone through. ``parent_result`` is the ``result`` of the
    ``depends_on`` row (``{"channel": "C…", "ts": "…"}``), for thread replies and updates.
    ``lease_until`` is the fencing token to pass back to ``mark_*``.
    """

    id: int
    dedupe_key: str
    method: str
    payload: JsonDict
    channel_id: str | None
    attempts: int
    created_at: datetime
    lease_until: datetime
    reconcile: bool
    parent_result: JsonDict | None
    claimed_by: str
    """The claiming deliverer, for its logs; not stored (the schema has no column for it)."""


def enqueue(
    session: Session,
    *,
    method: str,
    payload: JsonDict,
    dedupe_key: str,
    channel_id: str | None = None,
    depends_on_id: int | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Add a call to the outbox, in the caller's transaction; idempotent on ``dedupe_key``.

    A second enqueue with the same key returns the existing row unchanged (whatever its status), so a
    handler that runs twice (a Slack retry, a re-run job) queues one message. Concurrent enqueues of one
    key insert once (``ON CONFLICT DO NOTHING``; on PostgreSQL the second waits for the first to commit).

    ``channel_id`` is the ordering and pacing key: rows with one key go one at a time, in order, paced.
    It defaults to ``payload["channel"]`` (a channel, or a user id for a DM), else ``payload["user_id"]``
    (a Home tab), else the parent's key. Retries can still reorder rows of one key; where order
    matters (a second update of one message), name the earlier row in ``depends_on_id``.
    """
    existing = _by_key(session, dedupe_key)
    if existing is not None:
        return existing
    if channel_id is None:
        key = payload.get("channel") or payload.get("user_id")
        if isinstance(key, str) and key:
            channel_id = key
        elif depends_on_id is not None:
            channel_id = session.scalar(
                select(OutboxMessage.channel_id).where(OutboxMessage.id == depends_on_id)
            )
    values: JsonDict = {
        "dedupe_key": dedupe_key,
        "method": method,
        "payload": payload,
        "channel_id": channel_id,
        "depends_on_id": depends_on_id,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
    }
    if not_before is not None:
        values["next_attempt_at"] = not_before
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    row = _by_key(session, dedupe_key)
    if row is None:  # pragma: no cover - the insert or the conflicting row guarantees one
        raise RuntimeError(f"outbox row {dedupe_key!r} vanished after insert")
    return row


def _by_key(session: Session, dedupe_key: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).one_or_none()


def get(session: Session, row_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, row_id)


def result_for(session: Session, dedupe_key: str) -> JsonDict | None:
    """What Slack answered for a sent row (``{"channel": "C…", "ts": "…"}`` for a post), else ``None``.

    Handlers use it to store a CTA's message ``ts`` once its alert is out.
    """
    return session.scalar(
        select(OutboxMessage.result).where(
            OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status == OutboxStatus.SENT
        )
    )


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending and due, or sending with an expired lease (to reconcile); the parent, if any, sent; and
    for a sequenced row, no older sibling still to finish (:data:`SEQUENCED_METHODS`)."""
    parent_sent = exists().where(
        _Parent.id == OutboxMessage.depends_on_id, _Parent.status == OutboxStatus.SENT
    )
    older_unfinished = exists().where(
        _siblings(OutboxMessage),
        _Sibling.id < OutboxMessage.id,
        _Sibling.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
    )
    return and_(
        or_(
            and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until <= now),
        ),
        or_(OutboxMessage.depends_on_id.is_(None), parent_sent),
        or_(~_sequenced(OutboxMessage, SEQUENCED_METHODS), ~older_unfinished),
    )


def _sequenced(row: type[OutboxMessage], methods: frozenset[str]) -> ColumnElement[bool]:
    return and_(row.method.in_(methods), row.depends_on_id.is_not(None))


def _siblings(row: type[OutboxMessage]) -> ColumnElement[bool]:
    """``_Sibling`` is another row of the same method on the same parent as ``row``."""
    return and_(
        _Sibling.depends_on_id == row.depends_on_id,
        _Sibling.method == row.method,
        _Sibling.id != row.id,
    )


def supersede_replaced(session: Session, *, now: datetime) -> int:
    """Finish, without a call, every replacing row that a newer sibling replaces: pending ones, and
    sending ones whose lease has expired (a call of unknown outcome, which the newer one overwrites
    anyway). Rows in flight are left alone; the newer row waits for them (:func:`_due`).

    Skips rows another transaction holds, like :func:`bury_orphans`. Returns how many it finished.
    """
    newer = exists().where(_siblings(_Target), _Sibling.id > _Target.id)
    finished = _unlocked_ids(
        _sequenced(_Target, REPLACING_METHODS),
        or_(
            _Target.status == OutboxStatus.PENDING,
            and_(_Target.status == OutboxStatus.SENDING, _Target.lease_until <= now),
        ),
        newer,
    )
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(finished))
        .values(
            status=OutboxStatus.SENT,
            result=SUPERSEDED,
            sent_at=now,
            lease_until=None,
            last_error=literal("superseded: a newer update of the message is queued"),
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


def claim_due(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease_seconds: float,
    instance_id: str,
    per_channel: int | None = None,
    exclude_channels: Collection[str] = (),
) -> list[Claim]:
    """Take up to ``limit`` due rows, oldest due first, and lease them to the caller as ``sending``.

    ``per_channel`` caps rows per ``channel_id`` (a deliverer paces each channel, so taking more than
    it can send within the lease only makes them expire); ``exclude_channels`` skips channels the
    caller still has rows of in hand. Rows with no channel are not capped.

    Flushes; the caller commits, and that commit is what makes the claim hold. Before claiming,
    children of ``dead`` rows are made ``dead`` too (their parent will never be sent), and replaced
    updates are finished unsent (:func:`supersede_replaced`).
    """
    bury_orphans(session)
    supersede_replaced(session, now=now)
    due = _due(now)
    if exclude_channels:
        due = and_(
            due, or_(OutboxMessage.channel_id.is_(None), OutboxMessage.channel_id.not_in(exclude_channels))
        )
    query = select(OutboxMessage).where(due)
    if per_channel is not None:
        rank = (
            func.row_number()
            .over(
                partition_by=OutboxMessage.channel_id,
                order_by=(OutboxMessage.next_attempt_at, OutboxMessage.id),
            )
            .label("rank")
        )
        ranked = select(OutboxMessage.id, OutboxMessage.channel_id, rank).where(due).subquery()
        firsts = select(ranked.c.id).where(or_(ranked.c.rank <= per_channel, ranked.c.channel_id.is_(None)))
        # The window runs in a subquery: PostgreSQL refuses FOR UPDATE next to a window function.
        query = query.where(OutboxMessage.id.in_(firsts))
    rows = session.scalars(
        query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    ).all()
    if not rows:
        return []
    parents = _results(session, {r.depends_on_id for r in rows if r.depends_on_id is not None})
    lease_until = now + timedelta(seconds=lease_seconds)
    claims: list[Claim] = []
    for row in rows:
        reconcile = row.status == OutboxStatus.SENDING
        row.status = OutboxStatus.SENDING
        row.attempts += 1
        row.lease_until = lease_until
        claims.append(
            Claim(
                id=row.id,
                dedupe_key=row.dedupe_key,
                method=row.method,
                payload=dict(row.payload),
                channel_id=row.channel_id,
                attempts=row.attempts,
                created_at=row.created_at,
                lease_until=lease_until,
                reconcile=reconcile,
                parent_result=parents.get(row.depends_on_id) if row.depends_on_id is not None else None,
                claimed_by=instance_id,
            )
        )
    session.flush()
    return claims


def _results(session: Session, ids: set[int]) -> dict[int, JsonDict | None]:
    if not ids:
        return {}
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.result).where(OutboxMessage.id.in_(ids)))
    return {r.id: r.result for r in rows}


def bury_orphans(session: Session) -> int:
    """Make ``dead`` every pending row whose parent is dead, so it is visible instead of waiting forever.

    Rows another transaction holds are skipped (``SKIP LOCKED``), so this never waits or deadlocks;
    they are buried by the next claim.
    """
    dead_parents = select(_Parent.id).where(_Parent.status == OutboxStatus.DEAD)
    orphans = _unlocked_ids(_Target.status == OutboxStatus.PENDING, _Target.depends_on_id.in_(dead_parents))
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(orphans))
        .values(
            status=OutboxStatus.DEAD,
            last_error=literal("parent_dead: outbox row ")
            + cast(OutboxMessage.depends_on_id, String)
            + literal(" is dead"),
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


def _unlocked_ids(*where: ColumnElement[bool]) -> Select[int]:
    """Ids of rows matching ``where`` that no other transaction holds (locked for this one)."""
    return select(_Target.id).where(*where).with_for_update(skip_locked=True, of=_Target)


def _fenced(claim: Claim) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.id == claim.id,
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.lease_until == claim.lease_until,
    )


def _apply(session: Session, claim: Claim, **values: Any) -> bool:
    result = session.execute(
        update(OutboxMessage)
        .where(_fenced(claim))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


def mark_sent(session: Session, claim: Claim, *, result: JsonDict, now: datetime) -> bool:
    """Record Slack's answer. ``False`` when the claim's lease was lost (nothing changed)."""
    return _apply(session, claim, status=OutboxStatus.SENT, result=result, sent_at=now, lease_until=None)


def mark_retry(
    session: Session,
    claim: Claim,
    *,
    error: str,
    retry_at: datetime,
    count_attempt: bool = True,
    unknown_outcome: bool = False,
) -> bool:
    """Try again at ``retry_at``. ``False`` when the claim's lease was lost (nothing changed).

    ``count_attempt=False`` gives the attempt back: a 429 (or a row put back unsent) is Slack asking
    us to wait, not a failure, and must not use up ``max_attempts``. ``unknown_outcome=True`` (timeout,
    dropped connection, 5xx on a post) keeps the row ``sending`` with its lease ending at ``retry_at``:
    whoever claims it next reconciles first, even if this process dies meanwhile.
    """
    values: JsonDict = {"last_error": error}
    if not count_attempt:
        values["attempts"] = OutboxMessage.attempts - 1
    if unknown_outcome:
        values.update(lease_until=retry_at, next_attempt_at=retry_at)
    else:
        values.update(status=OutboxStatus.PENDING, next_attempt_at=retry_at, lease_until=None)
    return _apply(session, claim, **values)


def mark_dead(session: Session, claim: Claim, *, error: str) -> bool:
    """Give up: kept with its error, listed by :func:`dead_rows`, never sent again unless revived."""
    return _apply(session, claim, status=OutboxStatus.DEAD, last_error=error, lease_until=None)


def hold_channel(session: Session, channel_id: str, until: datetime) -> int:
    """Slack said 429 for this channel: no pending row of it is due before ``until`` (any deliverer).

    Skips rows another transaction holds (a claim in progress): they meet the 429 themselves.
    """
    held = _unlocked_ids(
        _Target.channel_id == channel_id,
        _Target.status == OutboxStatus.PENDING,
        _Target.next_attempt_at < until,
    )
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(held))
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


def revive(session: Session, row_id: int, *, now: datetime) -> bool:
    """Put a dead row back in the queue (an operator fixed the channel or the token)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.DEAD)
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


# ---- monitoring -----------------------------------------------------------------------------------


def pending_count(session: Session) -> int:
    """Rows not finished yet: waiting (``pending``) or in flight / to reconcile (``sending``)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
        )
        or 0
    )


def status_counts(session: Session) -> dict[OutboxStatus, int]:
    """Rows per status (every status present, zero included), for a health check or a metric."""
    counts = dict.fromkeys(OutboxStatus, 0)
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    for status, count in rows:
        counts[status] = count
    return counts


def dead_rows(session: Session, *, limit: int = 100) -> Sequence[OutboxMessage]:
    """The newest dead rows with their ``last_error``: what an operator must look at."""
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.DEAD)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    ).all()


def next_due_at(session: Session) -> datetime | None:
    """When the earliest row becomes claimable (a deliverer sleeps until then), ignoring parents.

    Rows waiting for an unsent parent are left out: they become due when the parent is sent, which
    wakes the deliverer anyway.
    """
    pending = select(func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        or_(
            OutboxMessage.depends_on_id.is_(None),
            exists().where(_Parent.id == OutboxMessage.depends_on_id, _Parent.status == OutboxStatus.SENT),
        ),
    )
    leased = select(func.min(OutboxMessage.lease_until)).where(OutboxMessage.status == OutboxStatus.SENDING)
    candidates = [session.scalar(pending), session.scalar(leased)]
    found = [c for c in candidates if c is not None]
    return min(found) if found else None


__all__ = [
    "Claim",
    "bury_orphans",
    "claim_due",
    "dead_rows",
    "enqueue",
    "get",
    "hold_channel",
    "mark_dead",
    "mark_retry",
    "mark_sent",
    "next_due_at",
    "pending_count",
    "result_for",
    "revive",
    "status_counts",
    "supersede_replaced",
]
