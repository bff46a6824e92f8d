"""``takibi accounts import``, ``takibi sample load`` and ``takibi score``, run as a person runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox import SlackStandIn
from storage.db import Database
from storage.models import Account
from storage.sample import accounts_csv_path


@pytest.fixture
def database_backend() -> str:
    """SQLite only: these run ``takibi`` as a separate process to test the command itself (arguments,
    output, exit status); the integration tests run its database work on both backends."""
    return "sqlite"


TAKIBI = Path(sys.executable).parent / "takibi"
DAY = "2026-11-23"
GRADES_JA = ("A 好調", "B 順調", "C 注意", "D 要対応", "E 危険")


def takibi(args: list[str], cwd: Path, database: Database, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TAKIBI_"))}
    return subprocess.run(
        [str(TAKIBI), *args],
        cwd=cwd,
        env={**clean, "TAKIBI_DATABASE_URL": database.url, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def loaded(database: Database, tmp_path: Path) -> Database:
    """The bundled accounts imported, then the rest of the sample loaded, as a new user would."""
    imported = takibi(["accounts", "import", str(accounts_csv_path())], tmp_path, database)
    assert imported.returncode == 0, imported.stderr
    assert "作成 60 件" in imported.stdout
    sample = takibi(["sample", "load", "--today", DAY], tmp_path, database)
    assert sample.returncode == 0, sample.stderr
    return database


def test_score_on_the_bundled_sample_prints_all_five_grades(loaded: Database, tmp_path: Path) -> None:
    result = takibi(["score", "--date", DAY], tmp_path, loaded)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [line for line in lines if line.startswith("CRM-")]
    assert len(rows) == 59
    for label in GRADES_JA:
        assert any(label in row for row in rows), label
    assert any("未評価" in row for row in rows)
    assert rows[0].startswith("CRM-0002"), "worst first: the at-risk reference"
    assert f"{DAY} 時点で 59 社を採点しました" in result.stdout


def test_score_of_one_account_in_english_shows_its_trend(loaded: Database, tmp_path: Path) -> None:
    result = takibi(["score", "--account", "北斗ロジ", "--date", DAY], tmp_path, loaded, TAKIBI_LOCALE="en")

    assert result.returncode == 0, result.stderr
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("CRM-")]
    assert "CRM-0003" in row
    assert "B On track" in row
    assert "-1" in row.split("B On track")[1], "lower than four weeks ago: the PO left"
    assert "1 account(s) scored as of 2026-11-23" in result.stdout


def test_columns_line_up_with_japanese_names(loaded: Database, tmp_path: Path) -> None:
    from bot.cli_score import display_width

    result = takibi(["score", "--date", DAY], tmp_path, loaded)

    lines = result.stdout.splitlines()
    header, rows = lines[0], [line for line in lines if line.startswith("CRM-")]
    confidence_at = display_width(header[: header.index("信頼度")])
    starts = {display_width(row[: re.search(r"\s(\d+%)\s", row).start(1)]) for row in rows}  # type: ignore[union-attr]
    assert starts == {confidence_at}


def test_loading_the_sample_twice_asks_for_force(loaded: Database, tmp_path: Path) -> None:
    again = takibi(["sample", "load", "--today", DAY], tmp_path, loaded)
    forced = takibi(["sample", "load", "--today", DAY, "--force"], tmp_path, loaded)

    assert again.returncode == 1
    assert "--force" in again.stderr
    assert forced.returncode == 0, forced.stderr
    assert "60 社を削除して作り直します" in forced.stdout


def test_a_bad_file_is_refused_with_line_numbers_and_nothing_is_written(
    database: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "external_id,name,segment\nCRM-1,株式会社A,SMB\nCRM-2,株式会社B,XL\nCRM-3,,MM\n", encoding="utf-8"
    )

    result = takibi(["accounts", "import", str(bad)], tmp_path, database, TAKIBI_LOCALE="en")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bad}:3: segment: Segment “XL” is not in the configuration (known: EP, MM, SMB)",
        f"{bad}:4: name: A value is required",
    ]
    assert "Nothing was written because 2 line(s) have errors" in result.stdout
    with database.unit_of_work() as session:
        assert session.scalars(select(Account)).all() == []

    skipped = takibi(["accounts", "import", "--skip-bad", str(bad)], tmp_path, database, TAKIBI_LOCALE="en")
    assert skipped.returncode == 0
    assert "Imported: 1 created" in skipped.stdout


def test_a_dry_run_lists_what_would_change(database: Database, tmp_path: Path) -> None:
    result = takibi(["accounts", "import", "--dry-run", str(accounts_csv_path())], tmp_path, database)

    assert result.returncode == 0, result.stderr
    assert "ドライラン (書き込みなし): 作成 60 件 / 更新 0 件 / 変更なし 0 件" in result.stdout
    assert "  + CRM-0001 (作成)" in result.stdout
    with database.unit_of_work() as session:
        assert session.scalars(select(Account)).all() == []


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


def test_an_e_mail_owner_is_resolved_through_the_slack_api(
    database: Database, tmp_path: Path, standin: SlackStandIn
) -> None:
    file = tmp_path / "owners.csv"
    file.write_text(
        "external_id,name,segment,owner\nCRM-9,株式会社九,EP,james@takibi.example\n", encoding="utf-8"
    )

    result = takibi(
        ["accounts", "import", str(file)],
        tmp_path,
        database,
        SLACK_BOT_TOKEN="xoxb-1-2-import",
        SLACK_API_URL=standin.base_url,
    )

    assert result.returncode == 0, result.stderr
    with database.unit_of_work() as session:
        (account,) = session.scalars(select(Account)).all()
    assert account.owner_slack_id == "U0JAMES"
    assert len(standin.calls_to("users.lookupByEmail")) == 1


def test_score_without_accounts_says_how_to_get_some(database: Database, tmp_path: Path) -> None:
    result = takibi(["score"], tmp_path, database)
    assert result.returncode == 0, result.stderr
    assert "takibi sample load" in result.stdout


def test_score_of_an_unknown_account_fails(database: Database, tmp_path: Path) -> None:
    result = takibi(["score", "--account", "どこにもない"], tmp_path, database)
    assert result.returncode == 1
    assert "「どこにもない」に一致する顧客がありません" in result.stderr
