"""Bulk metric upsert: idempotent, last value wins, batches are invisible to the caller."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Account, DailyMetric
from storage.repositories.metrics import DailyMetricRow, upsert_daily_metrics

FIRST_RUN = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SECOND_RUN = FIRST_RUN + timedelta(days=1)
Snapshot = list[tuple[int, str, date, float, str, datetime]]


@pytest.fixture
def account_id(database: Database) -> int:
    with database.unit_of_work() as session:
        account = Account(external_id="crm-1", name="株式会社カミナシ", segment="SMB")
        session.add(account)
        session.flush()
        return account.id


def _rows(account_id: int, days: int = 5, value: float = 1.0) -> list[DailyMetricRow]:
    start = date(2026, 11, 1)
    return [
        DailyMetricRow(account_id, metric, start + timedelta(days=offset), value + offset, "csv")
        for metric in ("logins", "active_users")
        for offset in range(days)
    ]


def _upsert(database: Database, rows: list[DailyMetricRow], now: datetime, batch_size: int = 1000) -> int:
    with database.unit_of_work() as session:
        return upsert_daily_metrics(session, rows, now=now, batch_size=batch_size)


def _snapshot(database: Database) -> Snapshot:
    columns = (
        DailyMetric.account_id,
        DailyMetric.metric_id,
        DailyMetric.day,
        DailyMetric.value,
        DailyMetric.source,
        DailyMetric.updated_at,
    )
    with database.unit_of_work() as session:
        rows = session.execute(select(*columns).order_by(*columns[:3])).all()
    return [(account, metric, day, value, source, at) for account, metric, day, value, source, at in rows]


def test_upsert_inserts_every_row(database: Database, account_id: int) -> None:
    count = _upsert(database, _rows(account_id), FIRST_RUN)

    snapshot = _snapshot(database)
    assert count == len(snapshot) == 10
    assert snapshot[0] == (account_id, "active_users", date(2026, 11, 1), 1.0, "csv", FIRST_RUN)


def test_same_rows_again_leave_the_table_unchanged(database: Database, account_id: int) -> None:
    _upsert(database, _rows(account_id), FIRST_RUN)
    before = _snapshot(database)

    _upsert(database, _rows(account_id), SECOND_RUN)

    assert _snapshot(database) == before


def test_changed_value_is_updated_with_a_new_timestamp(database: Database, account_id: int) -> None:
    _upsert(database, _rows(account_id), FIRST_RUN)
    changed = DailyMetricRow(account_id, "logins", date(2026, 11, 3), 42.0, "warehouse")

    _upsert(database, [changed], SECOND_RUN)

    by_key = {(metric, day): (value, source, at) for _, metric, day, value, source, at in _snapshot(database)}
    assert by_key[("logins", date(2026, 11, 3))] == (42.0, "warehouse", SECOND_RUN)
    assert by_key[("logins", date(2026, 11, 2))] == (2.0, "csv", FIRST_RUN)
    assert len(by_key) == 10


def test_later_duplicate_of_a_key_wins(database: Database, account_id: int) -> None:
    day = date(2026, 11, 1)
    rows = [DailyMetricRow(account_id, "logins", day, value, "csv") for value in (1.0, 2.0, 3.0)]

    _upsert(database, rows, FIRST_RUN)

    assert [row[3] for row in _snapshot(database)] == [3.0]


def test_rows_are_streamed_in_batches_with_the_same_result(database: Database, account_id: int) -> None:
    rows = _rows(account_id, days=7)

    count = _upsert(database, rows, FIRST_RUN, batch_size=3)

    assert count == len(_snapshot(database)) == 14


class AbortError(Exception):
    pass


def _upsert_then_fail(database: Database, rows: list[DailyMetricRow]) -> None:
    with database.unit_of_work() as session:
        upsert_daily_metrics(session, rows, now=FIRST_RUN, batch_size=3)
        raise AbortError


def test_upsert_is_rolled_back_with_its_unit_of_work(database: Database, account_id: int) -> None:
    with pytest.raises(AbortError):
        _upsert_then_fail(database, _rows(account_id))

    assert _snapshot(database) == []
