"""The installed ``takibi`` command, run as a person runs it: a subprocess with its own environment."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from bot.sandbox import SlackDriver, SlackStandIn
from storage import migrate
from tests.e2e.conftest import TAKIBI, takibi_run


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


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["db", "--help"], ["demo", "--help"]])
def test_help_screens_work(args: list[str], tmp_path: Path) -> None:
    result = run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage: takibi" in result.stdout


def test_db_upgrade_then_downgrade_on_the_default_sqlite(tmp_path: Path) -> None:
    upgraded = run(["db", "upgrade"], tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    database = tmp_path / "var" / "takibi.sqlite3"
    assert database.is_file()
    assert migrate.head() in upgraded.stdout
    assert "accounts" in inspect(create_engine(f"sqlite:///{database}")).get_table_names()

    downgraded = run(["db", "downgrade", "base"], tmp_path)
    assert downgraded.returncode == 0, downgraded.stderr
    assert "accounts" not in inspect(create_engine(f"sqlite:///{database}")).get_table_names()


def test_db_current_speaks_english_when_asked(tmp_path: Path) -> None:
    result = run(["db", "current"], tmp_path, TAKIBI_LOCALE="en")
    assert result.returncode == 0, result.stderr
    assert "Database revision: base" in result.stdout
    assert f"Code's head revision: {migrate.head()}" in result.stdout


def test_a_bad_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, TAKIBI_DATABASE_URL="mysql://root@localhost/takibi")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "takibi: TAKIBI_DATABASE_URL: must be a SQLite or PostgreSQL URL, not mysql"
    ]


def test_run_without_a_token_names_the_missing_variable(tmp_path: Path) -> None:
    result = run(["run", "--http", "--port", "0"], tmp_path, SLACK_SIGNING_SECRET="s")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "takibi: SLACK_BOT_TOKEN is not set: takibi needs the bot token (xoxb-...) to talk to Slack"
    ]


def test_a_malformed_token_is_refused_without_echoing_it(tmp_path: Path) -> None:
    result = run(["run"], tmp_path, SLACK_BOT_TOKEN="xoxp-777-SECRETVALUE", SLACK_SIGNING_SECRET="s")
    assert result.returncode == 2
    assert "SECRETVALUE" not in result.stderr + result.stdout
    assert "SLACK_BOT_TOKEN" in result.stderr


def test_takibi_run_serves_signed_requests_and_stops_on_sigterm(tmp_path: Path) -> None:
    secret = "e2e-signing-secret"
    with SlackStandIn() as standin, takibi_run(tmp_path, standin, secret) as (process, url):
        with SlackDriver(url, secret, standin) as slack:
            assert slack.slash_command("help", user_id="U0SATO").status == 200
            assert standin.wait_until(lambda s: len(s.responses) == 1, timeout=5)
            assert slack.slash_command("help", user_id="U0SATO", signature="v0=" + "1" * 64).status == 401
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert standin.responses[0].payload["text"] == "takibi の使い方"
    assert (tmp_path / "var" / "takibi.sqlite3").is_file(), "starting the app migrates SQLite"


def test_run_refuses_an_invalid_config_file_with_every_line(tmp_path: Path) -> None:
    config = tmp_path / "takibi.yml"
    config.write_text("segments:\n  - id: SMB\n    label: {ja: 中小, en: SMB}\nwieght: 3\n", encoding="utf-8")
    result = run(
        ["run", "--http"],
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1-2-3",
        SLACK_SIGNING_SECRET="s",
        TAKIBI_CONFIG=str(config),
        TAKIBI_LOCALE="en",
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("takibi cannot start: the configuration file has")
    assert any(line.startswith(f"{config}:4:1: wieght: unknown key 'wieght'") for line in lines), lines
    assert "Traceback" not in result.stderr


def test_an_unexpected_error_gives_one_line_with_an_error_id_not_a_traceback(tmp_path: Path) -> None:
    not_a_database = tmp_path / "a-folder"
    not_a_database.mkdir()
    result = run(
        ["db", "upgrade"], tmp_path, TAKIBI_DATABASE_URL=f"sqlite:///{not_a_database}", TAKIBI_LOCALE="en"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(r"an unexpected error occurred \(error id [0-9a-f]{8}\)", result.stderr), result.stderr
