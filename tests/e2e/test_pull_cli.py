"""``takibi pull`` as a person runs it: the installed command in a subprocess, a real database, a
``takibi.yml`` of its own with a CSV beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select

from bot.configfile import default_config_path
from storage.db import Database
from storage.models import Account, DailyMetric


@pytest.fixture
def database_backend() -> str:
    """SQLite only: these run ``takibi`` as a separate process to test the command itself (arguments,
    output, exit status); the integration tests run its database work on both backends."""
    return "sqlite"


TAKIBI = Path(sys.executable).parent / "takibi"
DAY = (datetime.now(ZoneInfo("Asia/Tokyo")) - timedelta(days=2)).date()
"""A day that is in the past wherever the test runs (the CLI's today is Tokyo's)."""


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TAKIBI_"))}
    return subprocess.run(
        [str(TAKIBI), *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write_config(folder: Path, connectors: str) -> Path:
    data = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    data.pop("connectors", None)
    path = folder / "takibi.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + connectors, encoding="utf-8")
    return path


CONNECTORS = """connectors:
  - {id: usage, kind: csv, path: usage.csv}
  - {id: extra, kind: csv, path: extra.csv}
"""


@pytest.fixture
def workdir(tmp_path: Path, database: Database) -> Path:
    """A folder with takibi.yml, two CSVs (the first with two bad rows) and two accounts in the database."""
    with database.unit_of_work() as session:
        session.add_all(
            [
                Account(external_id=f"CUST-00{n}", name=f"顧客 {n}", segment="SMB", search_text="")
                for n in (1, 2)
            ]
        )
    (tmp_path / "usage.csv").write_text(
        "account_external_id,date,metric,value\n"
        f"CUST-001,{DAY},login_rate,0.5\n"
        f"CUST-999,{DAY},login_rate,0.5\n"
        f"CUST-002,{DAY},login_rate,0.75\n"
        f"CUST-002,{DAY},key_feature_use,abc\n"
        f"CUST-001,{DAY},key_feature_use,0.25\n",
        encoding="utf-8",
    )
    (tmp_path / "extra.csv").write_text(
        f"account_external_id,date,metric,value\nCUST-001,{DAY},weekly_active_user_ratio,0.4\n",
        encoding="utf-8",
    )
    write_config(tmp_path, CONNECTORS)
    return tmp_path


def takibi_pull(
    workdir: Path, database: Database, *args: str, locale: str = "ja"
) -> subprocess.CompletedProcess[str]:
    return run(
        ["pull", *args],
        workdir,
        TAKIBI_DATABASE_URL=database.url,
        TAKIBI_CONFIG=str(workdir / "takibi.yml"),
        TAKIBI_LOCALE=locale,
    )


def metric_count(database: Database) -> int:
    with database.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(DailyMetric)) or 0


def test_pull_reports_bad_rows_by_line_in_japanese_and_exits_0(workdir: Path, database: Database) -> None:
    result = takibi_pull(workdir, database)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"■ usage (csv: {workdir / 'usage.csv'})" in out
    assert "読んだ行 5 / 正常 3 / 不正 2 / 更新 3 / 変更なし 0" in out
    assert "不正な行の内訳: 不明な顧客 1 件, 数値でない 1 件" in out
    assert "    3 行目: 登録されていない顧客です: 'CUST-999'" in out
    assert "    5 行目: 数値ではありません: 'abc'" in out
    assert "合計: 読んだ行 6 / 正常 4 / 不正 2 / 更新 4 / 変更なし 0" in out
    assert metric_count(database) == 4


def test_pulling_again_changes_nothing_and_speaks_english(workdir: Path, database: Database) -> None:
    takibi_pull(workdir, database)

    result = takibi_pull(workdir, database, locale="en")

    assert result.returncode == 0, result.stderr
    assert "read 5 / good 3 / bad 2 / changed 0 / unchanged 3" in result.stdout
    assert "    line 3: no such account: 'CUST-999'" in result.stdout


def test_one_connector_can_be_pulled_alone(workdir: Path, database: Database) -> None:
    result = takibi_pull(workdir, database, "--connector", "extra", locale="en")

    assert result.returncode == 0, result.stderr
    assert "■ extra" in result.stdout
    assert "■ usage" not in result.stdout
    assert metric_count(database) == 1


def test_a_dry_run_counts_and_writes_nothing(workdir: Path, database: Database) -> None:
    result = takibi_pull(workdir, database, "--dry-run", locale="en")

    assert result.returncode == 0, result.stderr
    assert "Dry run" in result.stdout
    assert "read 5 / good 3 / bad 2 / would change 3 / unchanged 0" in result.stdout
    assert metric_count(database) == 0


def test_an_unreadable_connector_exits_1_with_one_clear_line(workdir: Path, database: Database) -> None:
    (workdir / "usage.csv").unlink()

    result = takibi_pull(workdir, database, locale="en")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"takibi: pulling usage failed: cannot open {workdir / 'usage.csv'} (No such file or directory)"
    ]
    assert "could not pull (nothing written)" in result.stdout
    assert metric_count(database) == 1  # the other connector was pulled


def test_an_unknown_connector_exits_2(tmp_path: Path) -> None:
    """No database needed from the suite: the default SQLite under the working folder is created."""
    write_config(tmp_path, CONNECTORS)

    result = run(["pull", "--connector", "nope"], tmp_path, TAKIBI_CONFIG=str(tmp_path / "takibi.yml"))

    assert result.returncode == 2
    assert result.stderr.strip() == "takibi: connectors に 'nope' はありません (設定済み: usage, extra)"


def test_an_invalid_connectors_section_exits_2_with_the_line(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, "connectors:\n  - {id: usage, kind: csv, path: usage.csv, metrics: {x: nope}}\n"
    )
    line = config.read_text(encoding="utf-8").count("\n")

    result = run(["pull"], tmp_path, TAKIBI_CONFIG=str(config), TAKIBI_LOCALE="en")

    assert result.returncode == 2
    assert f"takibi.yml:{line}:" in result.stderr
    assert "connectors[0].metrics.x: metric 'nope' is not in fire.metrics" in result.stderr
    assert "Traceback" not in result.stderr
