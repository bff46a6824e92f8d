"""Key people (薪): who holds which seat at the customer, and when they left.

People are never deleted when they leave: ``left_on`` is set, so scoring can tell a seat that fell
vacant (a known, bad fact) from one nobody was ever recorded in (unknown). Replacing someone is one
step that closes the old holder and seats the successor on the same day, so the seat is never seen
vacant in between.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, bindparam, or_, select
from sqlalchemy.orm import Session

from scoring.model import KeyPerson as KeyPersonFact
from storage import mapping
from storage.enums import KeyPersonRole
from storage.models import KeyPerson


class KeyPersonNotFoundError(LookupError):
    """No key person with that id (deleted with their account, or never there)."""


def add(
    session: Session,
    *,
    account_id: int,
    role: KeyPersonRole,
    name: str,
    since: date | None = None,
    title: str | None = None,
    department: str | None = None,
    in_using_department: bool | None = None,
    note: str = "",
    left_on: date | None = None,
) -> KeyPerson:
    """Seat someone; ``left_on`` records a past holder (imports, history), otherwise use ``leave``."""
    if since is not None and left_on is not None and left_on < since:
        raise ValueError(f"left_on {left_on} is before since {since}")
    person = KeyPerson(
        account_id=account_id,
        role=role,
        name=name,
        since=since,
        title=title,
        department=department,
        in_using_department=in_using_department,
        note=note,
        left_on=left_on,
    )
    session.add(person)
    session.flush()
    return person


def get(session: Session, person_id: int) -> KeyPerson:
    person = session.get(KeyPerson, person_id)
    if person is None:
        raise KeyPersonNotFoundError(person_id)
    return person


def leave(session: Session, person_id: int, *, left_on: date) -> KeyPerson:
    """Record that someone left their seat (異動・退職) on ``left_on``.

    Refuses a date before they took the seat: that is a typo, and it would make the seat look vacant
    for the whole time they held it.
    """
    person = get(session, person_id)
    if person.since is not None and left_on < person.since:
        raise ValueError(f"left_on {left_on} is before since {person.since}")
    person.left_on = left_on
    session.flush()
    return person


def replace(
    session: Session,
    person_id: int,
    *,
    name: str,
    on: date,
    title: str | None = None,
    department: str | None = None,
    in_using_department: bool | None = None,
    note: str = "",
) -> KeyPerson:
    """The successor takes the seat on ``on``, the day the predecessor leaves; returns the successor."""
    predecessor = leave(session, person_id, left_on=on)
    return add(
        session,
        account_id=predecessor.account_id,
        role=predecessor.role,
        name=name,
        since=on,
        title=title,
        department=department,
        in_using_department=in_using_department,
        note=note,
    )


def current(session: Session, account_id: int, *, today: date) -> Sequence[KeyPerson]:
    """Who holds a seat on ``today`` (started by then, not yet left), by role then since (an unknown
    start first, on every database)."""
    statement = (
        select(KeyPerson)
        .where(
            KeyPerson.account_id == account_id,
            or_(KeyPerson.since.is_(None), KeyPerson.since <= today),
            or_(KeyPerson.left_on.is_(None), KeyPerson.left_on > today),
        )
        .order_by(KeyPerson.role, KeyPerson.since.asc().nulls_first(), KeyPerson.id)
    )
    return session.scalars(statement).all()


@dataclass(frozen=True, slots=True)
class Seat:
    """Who holds a seat, as a form shows it (the rest of the row is of no use there)."""

    id: int
    role: KeyPersonRole
    name: str
    since: date | None


_SEATED = (
    select(KeyPerson.id, KeyPerson.role, KeyPerson.name, KeyPerson.since)
    .where(
        KeyPerson.account_id == bindparam("account_id"),
        or_(KeyPerson.since.is_(None), KeyPerson.since <= bindparam("today")),
        or_(KeyPerson.left_on.is_(None), KeyPerson.left_on > bindparam("today")),
    )
    .order_by(KeyPerson.role, KeyPerson.since.asc().nulls_first(), KeyPerson.id)
)


def seats(connection: Connection, account_id: int, *, today: date) -> list[Seat]:
    """``current`` as four columns over a bare connection, for a modal built on every command: the same
    people in the same order, without ORM entities."""
    return [Seat(*row) for row in connection.execute(_SEATED, {"account_id": account_id, "today": today})]


def facts_for(session: Session, account_ids: Collection[int]) -> dict[int, tuple[KeyPersonFact, ...]]:
    """Every recorded holder of a seat scoring knows, past and present, per account (one query).

    Past holders matter: a seat is vacant only if someone was seen leaving it.
    """
    if not account_ids:
        return {}
    session.flush()  # read below the ORM (no autoflush): a caller's unsaved change must count
    statement = (
        select(KeyPerson.account_id, KeyPerson.role, KeyPerson.since, KeyPerson.left_on, KeyPerson.name)
        .where(KeyPerson.account_id.in_(list(account_ids)))
        .order_by(KeyPerson.account_id, KeyPerson.id)
    )
    found: dict[int, list[KeyPersonFact]] = {}
    for account_id, role, since, left_on, name in session.connection().execute(statement).all():
        fact = mapping.key_person(role, since, left_on, name)
        if fact is not None:
            found.setdefault(account_id, []).append(fact)
    return {account_id: tuple(people) for account_id, people in found.items()}
