"""The CSV connector end to end on a real database: malformed rows are reported with their line numbers
and skipped, the good rows are written, and pulling the same file again changes nothing."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from handlers.services.usage_pull import PullReport, UnknownConnectorError, pull_usage
from storage.db import Database
from tests.integration.connectors.conftest import METRICS, TODAY, config_with, external_id, stored, values

DAYS = 10
JAPANESE_NAMES = {
    "ログイン率": "login_rate",
    "週次アクティブ率": "weekly_active_user_ratio",
    "主要機能の利用率": "key_feature_use",
}


@dataclass
class CsvFile:
    """A generated export: its lines, what should be stored, and which lines are bad and why."""

    lines: list[str] = field(default_factory=list)
    good: dict[tuple[str, str, date], float] = field(default_factory=dict)
    bad: list[tuple[int, str]] = field(default_factory=list)

    def write(self, path: Path, *, encoding: str, bom: bool = False, newline: str = "\n") -> Path:
        text = newline.join(self.lines) + newline
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
        return path


def _bad_rows(rng: random.Random, name: dict[str, str]) -> list[tuple[list[str], str]]:
    """Thirty malformed rows, three of each kind; each comes with the reason the pull must give."""
    day = (TODAY - timedelta(days=3)).isoformat()
    metric = name["login_rate"]
    kinds: list[tuple[list[str], str]] = [
        (["CUST-999", day, metric, "0.5"], "unknown_account"),
        (["CUST-001", "2024-13-01", metric, "0.5"], "bad_date"),
        (["CUST-002", "昨日", metric, "0.5"], "bad_date"),
        (["CUST-003", day, "logins", "0.5"], "unknown_metric"),
        (["CUST-004", day, metric, "abc"], "not_a_number"),
        (["CUST-005", day, metric, "12%"], "not_a_number"),
        (["CUST-006", day, metric, "NaN"], "not_finite"),
        (["CUST-007", day, metric, ""], "missing"),
        (["CUST-008", (TODAY + timedelta(days=1)).isoformat(), metric, "0.5"], "future_date"),
        (["CUST-009", "", metric, "0.5"], "missing"),
    ]
    return [kinds[i % len(kinds)] for i in range(30)]


def generate(seed: int = 7, *, names: dict[str, str] | None = None) -> CsvFile:
    """600 good rows (20 accounts × 3 metrics × 10 days) and 30 bad ones (4.8 %), shuffled, with blank
    lines and Excel's empty ``,,,`` rows in between (they are skipped, not counted)."""
    rng = random.Random(seed)
    name = {metric: metric for metric in METRICS} if names is None else {v: k for k, v in names.items()}
    rows: list[tuple[list[str], str | None]] = []
    csv = CsvFile()
    for account in range(1, 21):
        for metric in METRICS:
            for offset in range(DAYS):
                day = TODAY - timedelta(days=offset)
                value = round(rng.uniform(0, 1), 3)
                written = day.isoformat() if rng.random() < 0.5 else f"{day.year}/{day.month}/{day.day}"
                rows.append(([external_id(account), written, name[metric], str(value)], None))
                csv.good[(external_id(account), metric, day)] = value
    rows.extend(_bad_rows(rng, name))
    rng.shuffle(rows)
    csv.lines.append("account_external_id,date,metric,value")
    for fields, reason in rows:
        if rng.random() < 0.02:
            csv.lines.append(rng.choice(["", ",,,"]))
        csv.lines.append(",".join(fields))
        if reason is not None:
            csv.bad.append((len(csv.lines), reason))
    return csv


def csv_connector(path: Path | str, **settings: Any) -> dict[str, Any]:
    return {"id": "usage", "kind": "csv", "path": str(path), **settings}


def pull(database: Database, *connectors: dict[str, Any], **options: Any) -> PullReport:
    return pull_usage(database, config_with(*connectors), today=TODAY, **options)


@dataclass(frozen=True)
class Variant:
    """How an export was saved: the connector's settings, a BOM, and line endings."""

    settings: dict[str, Any]
    bom: bool = False
    newline: str = "\n"

    @property
    def names(self) -> dict[str, str] | None:
        names: dict[str, str] | None = self.settings.get("metrics")
        return names

    @property
    def encoding(self) -> str:
        return "cp932" if self.settings["encoding"] == "cp932" else "utf-8"


VARIANTS = [
    pytest.param(Variant({"encoding": "utf-8"}), id="utf-8"),
    pytest.param(Variant({"encoding": "utf-8"}, bom=True, newline="\r\n"), id="utf-8-bom-crlf"),
    pytest.param(Variant({"encoding": "utf-8-sig"}, bom=True), id="utf-8-sig"),
    pytest.param(Variant({"encoding": "cp932", "metrics": JAPANESE_NAMES}, newline="\r\n"), id="cp932"),
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_malformed_rows_are_reported_by_line_and_the_good_rows_imported(
    database: Database, account_ids: dict[str, int], tmp_path: Path, variant: Variant
) -> None:
    csv = generate(names=variant.names)
    path = csv.write(
        tmp_path / "usage.csv", encoding=variant.encoding, bom=variant.bom, newline=variant.newline
    )

    report = pull(database, csv_connector(path, **variant.settings))

    (connector,) = report.connectors
    assert connector.ok
    assert (connector.rows_read, connector.good, connector.bad) == (630, 600, 30)
    assert connector.changed == 600
    assert [(b.number, b.reason.value) for b in connector.first_bad] == csv.bad[:20]
    assert dict(connector.bad_by_reason) == dict(Counter(reason for _, reason in csv.bad))
    assert (connector.first_day, connector.last_day) == (TODAY - timedelta(days=DAYS - 1), TODAY)
    assert connector.accounts == 20
    assert values(database) == csv.good
    assert {m.source for m in stored(database)} == {"usage"}


def test_pulling_the_same_file_again_changes_nothing(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    path = generate().write(tmp_path / "usage.csv", encoding="utf-8", bom=True)
    first = pull(database, csv_connector(path))
    before = stored(database)

    second = pull(database, csv_connector(path))

    assert first.changed == 600
    assert (second.changed, second.unchanged, second.bad) == (0, 600, 30)
    assert stored(database) == before  # updated_at included: not a single row was rewritten


def test_only_the_rows_whose_value_changed_are_written(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    csv = generate()
    path = csv.write(tmp_path / "usage.csv", encoding="utf-8")
    pull(database, csv_connector(path))
    bad_lines = {number for number, _ in csv.bad}
    line = next(i for i in range(1, len(csv.lines)) if csv.lines[i].strip(",") and i + 1 not in bad_lines)
    fields = csv.lines[line].split(",")
    fields[3] = "42"
    csv.lines[line] = ",".join(fields)
    csv.write(path, encoding="utf-8")

    report = pull(database, csv_connector(path))

    assert (report.changed, report.unchanged) == (1, 599)
    assert 42.0 in values(database).values()


def test_dry_run_counts_what_would_change_and_writes_nothing(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    path = generate().write(tmp_path / "usage.csv", encoding="utf-8")

    report = pull(database, csv_connector(path), dry_run=True)

    assert report.dry_run
    assert (report.good, report.bad, report.changed) == (600, 30, 600)
    assert stored(database) == []


def test_columns_delimiter_and_date_format_are_configurable(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "export.tsv"
    path.write_text(
        "顧客コード\t集計日\t指標名\t値\tメモ\n"
        "CUST-001\t14.11.2024\tlogin_rate\t0.25\tfirst\n"
        'CUST-002\t15.11.2024\tkey_feature_use\t" 1,234.5 "\t\n'
        "CUST-003\t2024-11-15\tlogin_rate\t0.5\tISO is not this file's format\n",
        encoding="utf-8",
    )
    settings = {
        "delimiter": "\t",
        "date_format": "%d.%m.%Y",
        "columns": {"account": "顧客コード", "date": "集計日", "metric": "指標名", "value": "値"},
    }

    report = pull(database, csv_connector(path, **settings))

    assert values(database) == {
        ("CUST-001", "login_rate", date(2024, 11, 14)): 0.25,
        ("CUST-002", "key_feature_use", date(2024, 11, 15)): 1234.5,
    }
    assert [(b.number, b.reason.value) for b in report.connectors[0].first_bad] == [(4, "bad_date")]


def test_relative_paths_start_at_the_config_folder(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "usage.csv").write_text(
        "account_external_id,date,metric,value\nCUST-001,2024-11-15,login_rate,0.5\n", encoding="utf-8"
    )

    report = pull(database, csv_connector("data/usage.csv"), config_dir=tmp_path)

    assert report.connectors[0].location == str(tmp_path / "data" / "usage.csv")
    assert report.changed == 1


def test_a_missing_file_fails_its_connector_and_the_others_still_run(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    path = generate().write(tmp_path / "usage.csv", encoding="utf-8")
    missing = csv_connector(tmp_path / "nowhere.csv") | {"id": "gone"}

    report = pull(database, missing, csv_connector(path))

    gone, usage = report.connectors
    assert gone.failure is not None
    assert gone.failure.key == "pull.error.file"
    assert gone.failure.params["path"] == str(tmp_path / "nowhere.csv")
    assert (gone.rows_read, gone.changed) == (0, 0)
    assert usage.ok
    assert usage.changed == 600
    assert report.failed == (gone,)


def test_a_file_without_the_expected_columns_fails_with_what_it_found(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("customer,date,metric,value\nCUST-001,2024-11-15,login_rate,0.5\n", encoding="utf-8")

    report = pull(database, csv_connector(path))

    failure = report.connectors[0].failure
    assert failure is not None
    assert failure.key == "pull.error.csv_columns"
    assert failure.params["missing"] == "account_external_id"
    assert failure.params["found"] == "customer, date, metric, value"


def test_a_cp932_file_read_as_utf8_names_the_first_line_that_does_not_decode(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    csv = generate(names=JAPANESE_NAMES)
    path = csv.write(tmp_path / "usage.csv", encoding="cp932")
    first_japanese = next(i for i, line in enumerate(csv.lines, start=1) if not line.isascii())

    report = pull(database, csv_connector(path, metrics=JAPANESE_NAMES))

    failure = report.connectors[0].failure
    assert failure is not None
    assert (failure.key, failure.params["line"], failure.params["encoding"]) == (
        "pull.error.decode",
        first_japanese,
        "utf-8",
    )
    assert stored(database) == []


def test_a_file_shipped_in_a_package_is_found_by_name(
    database: Database, account_ids: dict[str, int], tmp_path: Path
) -> None:
    report = pull(database, csv_connector("package:tests.integration.connectors/sample_usage.csv"))

    assert report.connectors[0].ok
    assert report.changed == 2


def test_a_missing_package_is_a_clean_failure(database: Database, account_ids: dict[str, int]) -> None:
    report = pull(database, csv_connector("package:no_such_package_here/usage.csv"))

    failure = report.connectors[0].failure
    assert failure is not None
    assert failure.key == "pull.error.package"


def test_an_unknown_connector_id_is_refused(database: Database) -> None:
    with pytest.raises(UnknownConnectorError) as raised:
        pull(database, csv_connector("usage.csv"), connector_id="nope")
    assert raised.value.known == ("usage",)
