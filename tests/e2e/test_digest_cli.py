"""``takibi digest --preview`` as a user runs it: the installed command, a real database with the
sample book scored, the digest printed per team channel and the chart written as PNG."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.configfile import default_config_path, load_config
from bot.i18n import Locale
from handlers.services.scoring import run_scoring_pass
from scoring.health import compile_config
from storage.db import Database
from storage.sample.load import load_sample


@pytest.fixture
def database_backend() -> str:
    """SQLite only: these run ``takibi`` as a separate process to test the command itself (arguments,
    output, exit status); the integration tests run its database work on both backends."""
    return "sqlite"


TAKIBI = Path(sys.executable).parent / "takibi"
TODAY = date(2026, 11, 23)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def takibi(args: list[str], cwd: Path, database: Database, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TAKIBI_"))}
    return subprocess.run(
        [str(TAKIBI), *args],
        cwd=cwd,
        env={**clean, "TAKIBI_DATABASE_URL": database.url, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def scored(database: Database) -> Database:
    compiled = compile_config(load_config(default_config_path(), locale=Locale.JA))
    with database.unit_of_work() as session:
        load_sample(session, TODAY)
    for back in (8, 1):
        run_scoring_pass(
            database,
            compiled,
            today=TODAY - timedelta(days=back),
            tz=ZoneInfo("Asia/Tokyo"),
            keep_scores=False,
        )
    return database


def test_preview_prints_each_team_digest_and_writes_its_chart(scored: Database, tmp_path: Path) -> None:
    result = takibi(["digest", "--preview", "--date", "2026-11-23", "--out", "chart.png"], tmp_path, scored)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("🔥 週次ダイジェスト 11/16〜11/22") == 3
    assert "カバー率 (直近 30 日に評価)" in result.stdout
    assert "先行 (スコアと利用)" in result.stdout
    for channel in ("C0CSSMB", "C0CSMM", "C0CSEP"):
        assert (tmp_path / f"chart-{channel}.png").read_bytes().startswith(PNG_SIGNATURE)


def test_preview_speaks_english_when_asked(scored: Database, tmp_path: Path) -> None:
    result = takibi(["digest", "--preview", "--date", "2026-11-23"], tmp_path, scored, TAKIBI_LOCALE="en")
    assert result.returncode == 0, result.stderr
    assert "🔥 Weekly digest Nov 16–Nov 22" in result.stdout
    assert (tmp_path / "var/digest/takibi-digest-20261122-C0CSEP.png").exists()
