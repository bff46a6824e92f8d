"""The SQL connector against real warehouses: a SQLite file of raw events aggregated by the query
(``GROUP BY``), and the test database itself (PostgreSQL: a server-side cursor)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from statistics import fmean
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from handlers.services.usage_pull import PullReport, pull_usage
from storage.db import Database
from tests.integration.connectors.conftest import TODAY, config_with, external_id, stored, values

ENV = "TAKIBI_TEST_WAREHOUSE_URL"
LOOKBACK = 5
QUERY = """
SELECT customer AS account_external_id, date(happened_at) AS date, kind AS metric, avg(value) AS value
FROM events
WHERE date(happened_at) >= :since AND date(happened_at) <= :today
GROUP BY customer, date(happened_at), kind
ORDER BY customer, date(happened_at), kind
"""
Events = list[tuple[str, str, str, float]]


def raw_events() -> Events:
    """Three events a day for 5 accounts × 2 metrics × 8 days, plus an unknown customer's."""
    events: Events = []
    for account in range(1, 6):
        for metric in ("login_rate", "key_feature_use"):
            for offset in range(8):
                day = TODAY - timedelta(days=offset)
                for hour, value in ((9, 0.1 * account), (13, 0.05 * offset), (18, 0.3)):
                    events.append((external_id(account), f"{day} {hour:02d}:00:00", metric, value))
    events.append(("CUST-999", f"{TODAY} 10:00:00", "login_rate", 0.5))
    return events


def expected(events: Events) -> dict[tuple[str, str, date], float]:
    """What the warehouse's GROUP BY gives for the known accounts in the lookback window."""
    groups: dict[tuple[str, str, date], list[float]] = defaultdict(list)
    for customer, happened_at, metric, value in events:
        day = date.fromisoformat(happened_at[:10])
        if customer != "CUST-999" and day >= TODAY - timedelta(days=LOOKBACK):
            groups[(customer, metric, day)].append(value)
    return {key: fmean(group) for key, group in groups.items()}


def sqlite_warehouse(path: Path, events: Events) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE events (customer TEXT, happened_at TEXT, kind TEXT, value REAL)")
        connection.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", events)
    connection.close()
    return path


def sql_connector(**settings: Any) -> dict[str, Any]:
    return {
        "id": "warehouse",
        "kind": "sql",
        "url_env": ENV,
        "query": QUERY,
        "lookback_days": LOOKBACK,
    } | settings


def pull(database: Database, url: str | None, **settings: Any) -> PullReport:
    environ = {} if url is None else {ENV: url}
    return pull_usage(
        database, config_with(sql_connector(**settings)), today=TODAY, environ=environ, batch_size=7
    )


def test_the_warehouse_aggregates_and_the_pull_streams_the_groups(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    events = raw_events()
    warehouse = sqlite_warehouse(tmp_path / "warehouse.sqlite3", events)

    report = pull(database, f"sqlite:///{warehouse}")

    (connector,) = report.connectors
    assert connector.ok
    want = expected(events)
    assert values(database) == pytest.approx(want)
    assert (connector.rows_read, connector.good, connector.bad) == (len(want) + 1, len(want), 1)
    assert [(b.number, b.reason.value, b.value) for b in connector.first_bad] == [
        (len(want) + 1, "unknown_account", "CUST-999")
    ]
    assert (connector.first_day, connector.last_day) == (TODAY - timedelta(days=LOOKBACK), TODAY)
    assert connector.location == f"{ENV} (sqlite:///{warehouse})"


def test_pulling_the_warehouse_again_changes_nothing(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    warehouse = sqlite_warehouse(tmp_path / "warehouse.sqlite3", raw_events())
    pull(database, f"sqlite:///{warehouse}")
    before = stored(database)

    again = pull(database, f"sqlite:///{warehouse}")

    assert (again.changed, again.unchanged) == (0, len(before))
    assert stored(database) == before


def test_the_test_database_can_be_the_warehouse(database: Database, account_ids: dict[str, int]) -> None:
    """On PostgreSQL this streams through a server-side cursor (``yield_per``), seven rows at a time."""
    events = raw_events()
    engine = create_engine(database.url)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE events (customer TEXT, happened_at TEXT, kind TEXT, value REAL)")
        )
        connection.execute(
            text("INSERT INTO events VALUES (:c, :h, :k, :v)"),
            [{"c": c, "h": h, "k": k, "v": v} for c, h, k, v in events],
        )
    engine.dispose()

    report = pull(database, database.url)

    assert report.connectors[0].ok
    assert values(database) == pytest.approx(expected(events))


def test_an_unset_variable_fails_cleanly_naming_it(database: Database, account_ids: dict[str, int]) -> None:
    report = pull(database, None)

    failure = report.connectors[0].failure
    assert failure is not None
    assert (failure.key, dict(failure.params)) == ("pull.error.env_missing", {"name": ENV})
    assert report.connectors[0].location == ENV
    assert stored(database) == []


def test_a_failing_query_reports_the_drivers_reason(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    warehouse = sqlite_warehouse(tmp_path / "warehouse.sqlite3", raw_events())

    report = pull(database, f"sqlite:///{warehouse}", query="SELECT * FROM evnts")

    failure = report.connectors[0].failure
    assert failure is not None
    assert (failure.key, failure.params["reason"]) == ("pull.error.sql", "no such table: evnts")


def test_a_result_without_the_expected_columns_says_what_it_has(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    warehouse = sqlite_warehouse(tmp_path / "warehouse.sqlite3", raw_events())

    report = pull(database, f"sqlite:///{warehouse}", query="SELECT customer, kind, value FROM events")

    failure = report.connectors[0].failure
    assert failure is not None
    assert failure.key == "pull.error.sql_columns"
    assert failure.params == {
        "missing": "account_external_id, date, metric",
        "found": "customer, kind, value",
    }


def test_a_missing_warehouse_file_is_not_created(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.sqlite3"

    report = pull(database, f"sqlite:///{missing}")

    failure = report.connectors[0].failure
    assert failure is not None
    assert failure.key == "pull.error.file"
    assert not missing.exists()


def test_an_unreachable_server_fails_without_showing_the_password(
    database: Database, account_ids: dict[str, int]
) -> None:
    report = pull(database, "postgresql+psycopg://reader:hunter2@127.0.0.1:1/warehouse")

    connector = report.connectors[0]
    assert connector.failure is not None
    assert connector.failure.key == "pull.error.sql"
    assert "hunter2" not in str(connector.to_dict())
    assert connector.location == f"{ENV} (postgresql+psycopg://reader:***@127.0.0.1:1/warehouse)"
