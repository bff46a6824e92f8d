"""``takibi jobs list`` / ``takibi jobs run``: through click's CliRunner with frozen time and test jobs, and
the installed command as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import time_machine
from click.testing import CliRunner, Result

from bot.cli_jobs import jobs_group
from bot.settings import Settings, load_settings
from handlers.jobs.base import Job, Period
from storage.db import Database
from storage.enums import JobRunStatus
from tests.integration.scheduler.conftest import Recorder, ledger_rows, nudges, tokyo

TUESDAY_NOON = tokyo(2026, 11, 24, 12, 0)
TAKIBI = Path(sys.executable).parent / "takibi"


@contextmanager
def settings_from_env() -> Iterator[Settings]:
    """The settings part of the CLI's own context (which also reconfigures logging for a real run)."""
    yield load_settings()


def group_with(*jobs: Job) -> click.Group:
    return jobs_group(settings_from_env, jobs_for=lambda deps: jobs)


def invoke(group: click.Group, database: Database, *args: str, locale: str = "en") -> Result:
    env = {"TAKIBI_DATABASE_URL": database.url, "TAKIBI_LOCALE": locale, "TAKIBI_CONFIG": None}
    with time_machine.travel(TUESDAY_NOON, tick=False):
        return CliRunner().invoke(group, list(args), env=env, catch_exceptions=False)


def test_run_runs_the_job_once_per_period(database: Database) -> None:
    recorder = Recorder()
    group = group_with(Job("usage_pull", recorder))

    first = invoke(group, database, "run", "usage_pull")
    second = invoke(group, database, "run", "usage_pull")

    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == ["usage_pull: ran 2026-11-24 — succeeded", "  counts: accounts=3"]
    assert second.exit_code == 0
    assert second.output.startswith(
        "usage_pull: 2026-11-24 already ran (succeeded, started Tue 2026-11-24 12:00"
    )
    assert "add --force" in second.output
    assert len(recorder.contexts) == 1


def test_run_force_runs_the_period_again(database: Database) -> None:
    recorder = Recorder()
    group = group_with(Job("usage_pull", recorder))
    invoke(group, database, "run", "usage_pull")
    forced = invoke(group, database, "run", "usage_pull", "--force")

    assert forced.exit_code == 0
    assert forced.output.splitlines()[0] == "usage_pull: ran 2026-11-24 again (forced) — succeeded"
    assert len(recorder.contexts) == 2
    assert [r.status for r in ledger_rows(database, "usage_pull")] == [JobRunStatus.SUCCEEDED] * 2


def test_a_failing_run_exits_1_and_shows_the_error(database: Database) -> None:
    group = group_with(Job("usage_pull", Recorder(fail=True)))
    result = invoke(group, database, "run", "usage_pull")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "usage_pull: ran 2026-11-24 — failed",
        "  error: RuntimeError: the warehouse did not answer",
    ]
    listing = invoke(group, database, "list").output
    assert "  last: 2026-11-24 failed (started Tue 2026-11-24 12:00" in listing
    assert "  error: RuntimeError: the warehouse did not answer" in listing


def test_unknown_and_not_installed_jobs_exit_2(database: Database) -> None:
    group = group_with(Job("usage_pull", Recorder()))
    unknown = invoke(group, database, "run", "renewals")
    not_installed = invoke(group, database, "run", "digest")
    assert (unknown.exit_code, not_installed.exit_code) == (2, 2)
    assert (
        "unknown job 'renewals' (known: usage_pull, scoring, outbox, nudges, digest, cta_reminders)"
        in unknown.output
    )
    assert "job 'digest' is not installed yet" in not_installed.output


def test_list_shows_each_schedule_its_next_run_and_its_last_run(database: Database) -> None:
    group = group_with(
        Job("usage_pull", Recorder()),
        nudges(Recorder()),
        Job("outbox", Recorder(), period=Period.CONTINUOUS),
    )
    invoke(group, database, "run", "nudges")
    result = invoke(group, database, "list")
    instance = ledger_rows(database, "nudges")[0].instance_id

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Time zone: Asia/Tokyo / working hours: 09:00-18:00",
        'usage_pull: cron "0 5 * * *"',
        "  then: scoring",
        "  next: Wed 2026-11-25 05:00",
        "  last: never ran",
        'scoring: cron "30 5 * * *" [not installed]',
        "  next: Wed 2026-11-25 05:30",
        "  last: never ran",
        "outbox: every 5 s (continuous)",
        "  last: never ran",
        'nudges: cron "30 9 * * mon-fri" [business days only]',
        "  next: Wed 2026-11-25 09:30",
        f"  last: 2026-11-24 succeeded (started Tue 2026-11-24 12:00, {instance})",
        'digest: cron "30 8 * * mon-fri" [not installed]',
        "  next: Wed 2026-11-25 08:30",
        "  last: never ran",
        'cta_reminders: cron "0 10 * * mon-fri" [not installed]',
        "  next: Wed 2026-11-25 10:00",
        "  last: never ran",
    ]


def test_the_cli_speaks_japanese_by_default(database: Database) -> None:
    group = group_with(nudges(Recorder()))
    result = invoke(group, database, "run", "nudges", locale="ja")
    assert result.output.splitlines()[0] == "nudges: 2026-11-24 を実行しました — 成功"
    listing = invoke(group, database, "list", locale="ja").output
    assert "  次回: 2026年11月25日(水) 09:30" in listing


def test_the_cli_is_one_more_instance_on_the_ledger(database: Database) -> None:
    """A period the app's scheduler already ran is not run again by hand."""
    from bot.scheduler import build_scheduler
    from scoring.config_schedule import ScheduleConfig

    recorder = Recorder()
    with time_machine.travel(TUESDAY_NOON, tick=False):
        build_scheduler([nudges(recorder)], ScheduleConfig(), database, instance_id="app").catch_up()
    result = invoke(group_with(nudges(recorder)), database, "run", "nudges")
    assert "already ran" in result.output
    assert "app)" in result.output
    assert len(recorder.contexts) == 1


# --- the installed command ---------------------------------------------------------------------------


def run_takibi(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
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


def test_the_installed_command_lists_the_default_schedule(tmp_path: Path) -> None:
    result = run_takibi(["jobs", "list"], tmp_path, TAKIBI_LOCALE="en")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Time zone: Asia/Tokyo / working hours: 09:00-18:00"
    for entry in (
        'usage_pull: cron "0 5 * * *"',
        'nudges: cron "30 9 * * mon-fri"',
        "outbox: every 5 s (continuous)",
    ):
        assert any(line.startswith(entry) for line in lines), entry
    assert (tmp_path / "var" / "takibi.sqlite3").is_file()


def test_the_installed_command_refuses_an_unknown_job(tmp_path: Path) -> None:
    result = run_takibi(["jobs", "run", "renewals"], tmp_path, TAKIBI_LOCALE="en")
    assert result.returncode == 2
    assert "unknown job 'renewals'" in result.stderr
