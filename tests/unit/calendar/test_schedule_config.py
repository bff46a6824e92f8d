"""takibi.yml's ``schedule`` section: defaults, partial entries, and every problem at its line and column."""

from __future__ import annotations

from datetime import date

import pytest

from bot.configfile import ConfigFileError, ConfigIssue, default_config_path, load_config, load_config_text
from bot.i18n import Locale
from scoring.config import TakibiConfig
from scoring.config_schedule import CronJob, IntervalJob, ScheduleConfig, cron_error

BASE = """\
segments:
  - id: SMB
    label: {ja: 中小企業, en: SMB}
elements:
  firewood: {label: {ja: 薪, en: Firewood}, weight: 30}
  ember: {label: {ja: 種火, en: Ember}, weight: 25}
  wind: {label: {ja: 送風, en: Wind}, weight: 15}
  fire: {label: {ja: 焚き火の状態, en: Fire}, weight: 30}
wind:
  recency: {good_within_days: 14, bad_beyond_days: 60, weight: 2}
  frequency: {window_days: 90, target: 3, weight: 1}
  fit: {window_days: 180, target: 0.8, floor: 0.2, weight: 1}
grades:
  - {grade: 5, min_score: 80, label: {ja: A, en: A}, emoji: "🔥"}
  - {grade: 4, min_score: 65, label: {ja: B, en: B}, emoji: "🟢"}
  - {grade: 3, min_score: 45, label: {ja: C, en: C}, emoji: "🟡"}
  - {grade: 2, min_score: 25, label: {ja: D, en: D}, emoji: "🟠"}
  - {grade: 1, min_score: 0, label: {ja: E, en: E}, emoji: "🔴"}
"""
BASE_LINES = BASE.count("\n")


def load(schedule: str) -> TakibiConfig:
    return load_config_text(BASE + schedule, "takibi.yml", locale=Locale.EN)


def issues(schedule: str, locale: Locale = Locale.EN) -> list[ConfigIssue]:
    with pytest.raises(ConfigFileError) as caught:
        load_config_text(BASE + schedule, "takibi.yml", locale=locale)
    return list(caught.value.issues)


def at(issue: ConfigIssue) -> tuple[int | None, int | None, str]:
    """Line relative to the schedule text (1 = its first line), column and path."""
    return (issue.line - BASE_LINES if issue.line is not None else None), issue.column, issue.path


# --- defaults -------------------------------------------------------------------------------------


def test_a_file_without_a_schedule_gets_the_defaults_of_a_japanese_team() -> None:
    schedule = load("").schedule
    assert schedule == ScheduleConfig()
    assert schedule.timezone is None  # TAKIBI_TIMEZONE, Asia/Tokyo by default
    assert (schedule.working_hours.start, schedule.working_hours.end) == ("09:00", "18:00")
    assert schedule.weekend_days == frozenset({5, 6})
    assert schedule.holidays == "japan"
    assert {date(2026, 12, 29), date(2027, 1, 3)} <= schedule.extra_holiday_dates([2026, 2027])
    jobs = schedule.jobs
    assert jobs.usage_pull == CronJob(cron="0 5 * * *", then=("scoring",))
    assert jobs.scoring.cron == "30 5 * * *"
    assert jobs.outbox == IntervalJob(interval_seconds=5)
    assert jobs.nudges.cron == "30 9 * * mon-fri"
    assert jobs.digest.cron == "30 8 * * mon-fri"
    assert jobs.cta_reminders.cron == "0 10 * * mon-fri"


def test_the_shipped_file_spells_out_the_defaults() -> None:
    assert load_config(default_config_path()).schedule == ScheduleConfig()


def test_a_job_written_with_some_keys_keeps_the_defaults_of_the_others() -> None:
    jobs = load(
        "schedule:\n  jobs:\n    nudges: {enabled: false}\n    usage_pull: {cron: '0 6 * * *'}\n"
    ).schedule.jobs
    assert jobs.nudges == CronJob(enabled=False, cron="30 9 * * mon-fri")
    assert jobs.usage_pull == CronJob(cron="0 6 * * *", then=("scoring",))


def test_whole_hours_may_be_numbers() -> None:
    hours = load("schedule:\n  working_hours: {start: 9, end: 18}\n").schedule.working_hours
    assert (hours.start, hours.end) == ("09:00", "18:00")


def test_the_schedule_does_not_change_the_config_version() -> None:
    changed = load("schedule:\n  jobs:\n    nudges: {cron: '0 10 * * mon-fri'}\n")
    assert changed.config_version == load("").config_version


# --- problems with their place --------------------------------------------------------------------


def test_a_bad_cron_is_reported_at_its_line_and_column() -> None:
    found = issues("schedule:\n  jobs:\n    nudges: {cron: '30 25 * * mon-fri'}\n")
    assert [at(i) for i in found] == [(3, 20, "schedule.jobs.nudges.cron")]
    assert found[0].message == "hour: '25' is not valid (use 0-23, a range a-b, a list a,b or a step */n)"


def test_a_cron_with_the_wrong_number_of_fields_in_japanese() -> None:
    found = issues("schedule:\n  jobs:\n    digest:\n      cron: '30 8 * mon'\n", Locale.JA)
    assert [at(i) for i in found] == [(4, 13, "schedule.jobs.digest.cron")]
    assert "5 項目" in found[0].message
    assert "今は 4 項目" in found[0].message


def test_weekday_numbers_are_refused_because_apscheduler_counts_from_monday() -> None:
    found = issues("schedule:\n  jobs:\n    nudges: {cron: '30 9 * * 1-5'}\n")
    assert [at(i)[2] for i in found] == ["schedule.jobs.nudges.cron"]
    assert "0 = Monday" in found[0].message


def test_an_unquoted_time_is_explained() -> None:
    found = issues("schedule:\n  working_hours:\n    start: '09:00'\n    end: 18:00\n")
    assert [at(i) for i in found] == [(4, 10, "schedule.working_hours.end")]
    assert "in quotes" in found[0].message


def test_working_hours_must_end_after_they_start() -> None:
    found = issues("schedule:\n  working_hours: {start: '18:00', end: '09:00'}\n")
    assert [at(i)[2] for i in found] == ["schedule.working_hours.end"]


@pytest.mark.parametrize(
    ("holiday", "path"),
    [
        ("{start: '13-01'}", "schedule.extra_holidays[0].start"),
        ("{start: '12-29', end: 2027-01-03}", "schedule.extra_holidays[0].end"),
        ("{start: 2026-08-14, end: 2026-08-13}", "schedule.extra_holidays[0].end"),
        ("{start: 2026-01-01, end: 2027-06-01}", "schedule.extra_holidays[0].end"),
        ("'Christmas'", "schedule.extra_holidays[0].start"),
    ],
)
def test_bad_company_holidays_point_at_the_date(holiday: str, path: str) -> None:
    found = issues(f"schedule:\n  extra_holidays:\n    - {holiday}\n")
    assert [at(i)[2] for i in found] == [path]


def test_then_must_name_a_known_job_and_must_not_loop() -> None:
    found = issues(
        "schedule:\n  jobs:\n    usage_pull: {then: [scoring, scorring]}\n    scoring: {then: [usage_pull]}\n"
    )
    paths = {at(i)[2]: i.message for i in found}
    assert "unknown job 'scorring'" in paths["schedule.jobs.usage_pull.then[1]"]
    assert "never end" in paths["schedule.jobs.usage_pull.then[0]"]
    assert "never end" in paths["schedule.jobs.scoring.then[0]"]


def test_a_typo_in_a_job_name_suggests_the_job() -> None:
    found = issues("schedule:\n  jobs:\n    nudge: {enabled: false}\n")
    assert [at(i) for i in found] == [(3, 5, "schedule.jobs.nudge")]
    assert found[0].message == "unknown key 'nudge' (did you mean 'nudges'?)"


def test_an_interval_must_be_positive() -> None:
    found = issues("schedule:\n  jobs:\n    outbox: {interval_seconds: 0}\n")
    assert [at(i)[2] for i in found] == ["schedule.jobs.outbox.interval_seconds"]


def test_a_time_zone_name_must_look_like_one() -> None:
    found = issues("schedule:\n  timezone: 'Tokyo time'\n")
    assert [at(i) for i in found] == [(2, 13, "schedule.timezone")]


# --- the cron check on its own --------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "0 5 * * *",
        "30 9 * * mon-fri",
        "*/15 9-17 * * MON-FRI",
        "0 9 1-7 * mon",
        "0 0 last * *",
        "0 12 1,15 jan-jun *",
        "5/10 * * * sat,sun",
        "0 0 29 2 *",
    ],
)
def test_valid_cron_lines(expression: str) -> None:
    assert cron_error(expression) is None


@pytest.mark.parametrize(
    ("expression", "key"),
    [
        ("0 5 * *", "config.error.schedule.cron_fields"),
        ("60 5 * * *", "config.error.schedule.cron_value"),
        ("0 5 * * 1", "config.error.schedule.cron_weekday_number"),
        ("0 5 * * mon-fri/2", "config.error.schedule.cron_value"),
        ("0 5 * * fri-mon", "config.error.schedule.cron_order"),
        ("*/60 * * * *", "config.error.schedule.cron_step"),
        ("*/0 * * * *", "config.error.schedule.cron_value"),
        ("0 5 1,,2 * *", "config.error.schedule.cron_value"),
        ("0 5 1-mar * *", "config.error.schedule.cron_value"),
        ("0 5 31 2 *", "config.error.schedule.cron_never"),
        ("0 5 ? * *", "config.error.schedule.cron_value"),
    ],
)
def test_invalid_cron_lines(expression: str, key: str) -> None:
    error = cron_error(expression)
    assert error is not None
    assert error.key == key
