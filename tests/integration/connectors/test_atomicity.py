"""A pull that breaks half-way leaves every day as it was: either the source breaks while being read
(a file ending in garbage), or the database refuses a row while the connector's rows are being written
(a trigger). Both happen after hundreds of rows, in real files and a real database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from handlers.services.usage_pull import PullReport, pull_usage
from storage.db import Database
from tests.integration.connectors.conftest import METRICS, TODAY, config_with, external_id, stored, values

DAYS = 50
BATCH = 100

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER refuse_poison_{event} BEFORE {event} ON daily_metrics WHEN NEW.value = -1 "
    "BEGIN SELECT RAISE(ABORT, 'poison value refused'); END"
    for event in ("INSERT", "UPDATE")
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.value = -1 THEN RAISE EXCEPTION 'poison value refused'; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON daily_metrics "
    "FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
]


def history(value: float) -> list[str]:
    """3,000 lines: 20 accounts × 3 metrics × 50 days, every value ``value``."""
    lines = ["account_external_id,date,metric,value"]
    for account in range(1, 21):
        for metric in METRICS:
            for offset in range(DAYS):
                lines.append(f"{external_id(account)},{TODAY - timedelta(days=offset)},{metric},{value}")
    return lines


def connector(path: Path) -> dict[str, Any]:
    return {"id": "usage", "kind": "csv", "path": str(path)}


def pull(database: Database, path: Path) -> PullReport:
    return pull_usage(database, config_with(connector(path)), today=TODAY, batch_size=BATCH)


def test_a_file_that_ends_in_garbage_changes_no_day(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("\n".join(history(0.25)) + "\n", encoding="utf-8")
    assert pull(database, path).changed == 3000
    before = stored(database)
    lines = history(0.75)
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"CUST-001,2024-11-1\xff\xfe\x80\x00garbage")

    report = pull(database, path)

    (usage,) = report.connectors
    assert usage.failure is not None
    assert (usage.failure.key, usage.failure.params["line"]) == ("pull.error.decode", len(lines) + 1)
    assert usage.rows_read > 1000  # it broke after reading rows that would have changed many days
    assert usage.changed == 0
    assert stored(database) == before


def test_a_row_refused_by_the_database_mid_write_rolls_the_connector_back(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("\n".join(history(0.25)) + "\n", encoding="utf-8")
    pull(database, path)
    before = stored(database)
    triggers = SQLITE_TRIGGERS if database.engine.dialect.name == "sqlite" else POSTGRES_TRIGGERS
    with database.engine.begin() as connection:
        for statement in triggers:
            connection.exec_driver_sql(statement)
    lines = history(0.75)
    lines[-1] = lines[-1].replace(",0.75", ",-1")  # the last of 30 batches is refused
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = pull(database, path)

    (usage,) = report.connectors
    assert usage.failure is not None
    assert usage.failure.key == "pull.error.write"
    assert "poison value refused" in str(usage.failure.params["reason"])
    assert (usage.good, usage.changed, usage.unchanged) == (3000, 0, 0)
    assert stored(database) == before


def test_connectors_are_separate_units(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("\n".join(history(0.5)) + "\n", encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"account_external_id,date,metric,value\nCUST-001,2024-11-01,login_rate,0.5\n\xff")
    connectors = [connector(good) | {"id": "good"}, connector(broken) | {"id": "broken"}]

    report = pull_usage(database, config_with(*connectors), today=TODAY)

    assert [c.ok for c in report.connectors] == [True, False]
    assert len(values(database)) == 3000
    assert {m.source for m in stored(database)} == {"good"}
