"""``takibi rules preview`` and ``takibi rules stats``, run as a person runs them, on the sample book."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.configfile import default_config_path, load_config
from handlers.services import ctas as service
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base
from storage.sample.load import load_sample
from tests.fakes.cta_notifier import RecordingNotifier
from tests.integration.ctas.conftest import TZ, engine_for


@pytest.fixture
def database_backend() -> str:
    """SQLite only: these run ``takibi`` as a separate process to test the command itself (arguments,
    output, exit status); the integration tests run its database work on both backends."""
    return "sqlite"


TAKIBI = Path(sys.executable).parent / "takibi"
DAY = date(2026, 11, 24)


def takibi(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TAKIBI_"))}
    return subprocess.run(
        [str(TAKIBI), *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def fingerprint(url: str) -> str:
    """A hash of every row of every table."""
    database = Database(url)
    try:
        digest = hashlib.sha256()
        with database.unit_of_work() as session:
            for table in Base.metadata.sorted_tables:
                for row in sorted(repr(tuple(r)) for r in session.execute(select(table))):
                    digest.update(row.encode())
        return digest.hexdigest()
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def sample_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('rules_cli') / 'takibi.sqlite3'}"
    upgrade(url)
    database = Database(url)
    try:
        with database.unit_of_work() as session:
            load_sample(session, DAY)
    finally:
        database.dispose()
    return url


def test_preview_lists_whom_each_rule_fires_on_and_writes_nothing(sample_url: str, tmp_path: Path) -> None:
    before = fingerprint(sample_url)
    result = takibi(["rules", "preview", "--date", DAY.isoformat()], tmp_path, TAKIBI_DATABASE_URL=sample_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("ルールのプレビュー (2026/11/24 時点。データベースには何も書き込みません)")
    assert "■ key_person_missing  キーマン (PO / PL) が不在" in out
    assert "北斗ロジスティクス株式会社" in out
    assert "PO 不在 (11/06 から)" in out
    assert "最終接点から 75 日" in out
    assert fingerprint(sample_url) == before


def test_preview_of_one_rule_in_english(sample_url: str, tmp_path: Path) -> None:
    result = takibi(
        ["rules", "preview", "--rule", "onboarding_overdue", "--date", DAY.isoformat(), "--lang", "en"],
        tmp_path,
        TAKIBI_DATABASE_URL=sample_url,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Rules preview as of 2026/11/24 (nothing is written to the database)"
    assert sum(1 for line in lines if line.startswith("■ ")) == 1
    assert any("Onboarding 45 days past its planned end (2026/10/10)" in line for line in lines)


def test_an_unknown_rule_is_named_with_the_known_ones(sample_url: str, tmp_path: Path) -> None:
    result = takibi(
        ["rules", "preview", "--rule", "nope"], tmp_path, TAKIBI_DATABASE_URL=sample_url, TAKIBI_LOCALE="en"
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        "There is no rule 'nope' (rules in the configuration: key_person_missing,"
    )


def test_stats_after_an_evaluation(sample_url: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(Path(sample_url.removeprefix("sqlite:///")).read_bytes())
    url = f"sqlite:///{copy}"
    database = Database(url)
    try:
        engine = engine_for(load_config(default_config_path()))
        with database.unit_of_work(immediate=True) as session:
            now = datetime(2026, 11, 24, 1, tzinfo=UTC)
            report = service.evaluate_ctas(session, engine, now=now, tz=TZ, notify=RecordingNotifier())
    finally:
        database.dispose()

    result = takibi(["rules", "stats", "--lang", "en"], tmp_path, TAKIBI_DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "CTA statistics per rule"
    header = lines[1]
    assert header.split()[:3] == ["Rule", "Fired", "Open"]
    silent = next(line for line in lines if line.startswith("silent_account"))
    fired = int(silent.split()[1])
    assert fired > 0
    assert sum(int(line.split()[1]) for line in lines[2:9]) == len(report.opened)
    assert lines[-1].startswith("Completion = CTAs done by their due date")
