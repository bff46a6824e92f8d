"""UtcDateTime and the checked enums behave the same on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from storage.db import Database
from storage.models import AuditLogEntry
from storage.types import NaiveDatetimeError

JST = timezone(timedelta(hours=9), "JST")


def _entry(at: datetime, action: str = "test") -> AuditLogEntry:
    return AuditLogEntry(at=at, actor="system", action=action, entity="account", entity_id="1")


def test_aware_datetime_comes_back_as_the_same_instant_in_utc(database: Database) -> None:
    written = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=JST)
    with database.unit_of_work() as session:
        session.add(_entry(written))
    with database.unit_of_work() as session:
        read = session.scalars(select(AuditLogEntry.at)).one()
    assert read == written
    assert read.tzinfo is UTC
    assert read == datetime(2026, 11, 23, 0, 30, 15, 123456, tzinfo=UTC)


def test_naive_datetime_is_refused(database: Database) -> None:
    naive = datetime(2026, 11, 23, 9, 30)
    with pytest.raises(StatementError) as raised, database.unit_of_work() as session:
        session.add(_entry(naive))
    assert isinstance(raised.value.orig, NaiveDatetimeError)


def test_timestamps_compare_by_instant_across_offsets(database: Database) -> None:
    with database.unit_of_work() as session:
        # 08:00 JST is 23:00 UTC the day before: earlier than the UTC entry despite the larger hour.
        session.add(_entry(datetime(2026, 11, 23, 8, 0, tzinfo=JST), action="early"))
        session.add(_entry(datetime(2026, 11, 23, 1, 0, tzinfo=UTC), action="late"))
    boundary = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    with database.unit_of_work() as session:
        later = session.scalars(select(AuditLogEntry.action).where(AuditLogEntry.at > boundary)).all()
        ordered = session.scalars(select(AuditLogEntry.action).order_by(AuditLogEntry.at)).all()
    assert later == ["late"]
    assert ordered == ["early", "late"]


def test_enum_column_refuses_a_value_outside_the_enum(database: Database) -> None:
    insert = text(
        "INSERT INTO accounts (external_id, name, aliases, search_text, segment, mrr, currency, status,"
        " created_at, updated_at) VALUES ('x', 'x', '[]', '', 'SMB', 0, 'JPY', 'bogus',"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    with pytest.raises(IntegrityError), database.unit_of_work() as session:
        session.execute(insert)
