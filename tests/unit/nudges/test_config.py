"""The ``nudges`` section of ``takibi.yml``: defaults, the shipped file, and errors by line and field."""

from __future__ import annotations

import pytest

from bot.configfile import ConfigFileError, ConfigIssue, default_config_path, load_config, load_config_text
from bot.i18n import Locale
from handlers.services.nudges import policy_of, roll_call_teams
from tests.unit.test_configfile import VALID

LINES = VALID.count("\n")


def issues_of(section: str) -> list[ConfigIssue]:
    with pytest.raises(ConfigFileError) as caught:
        load_config_text(VALID + section, "takibi.yml", locale=Locale.EN)
    return list(caught.value.issues)


def test_a_file_without_the_section_gets_kind_defaults() -> None:
    config = load_config_text(VALID)
    settings = config.nudges
    assert (settings.enabled, settings.include_overdue_ctas, settings.max_items) == (True, True, 10)
    assert (settings.escalate_after_ignored, settings.steward) == (3, None)
    assert settings.roll_call.enabled


def test_the_age_defaults_to_the_assessments_max_age() -> None:
    config = load_config_text(VALID + "assessment_max_age_days: 60\n")
    assert policy_of(config).stale_after_days == 60
    own = load_config_text(VALID + "assessment_max_age_days: 60\nnudges: {stale_after_days: 21}\n")
    assert policy_of(own).stale_after_days == 21


def test_the_shipped_file_names_a_steward_and_posts_a_roll_call_per_team_channel() -> None:
    config = load_config(default_config_path(), locale=Locale.JA)
    assert config.nudges.steward == "U0TAKAHASHI"
    assert [team.channel for team in roll_call_teams(config)] == ["C0CSSMB", "C0CSMM", "C0CSEP"]


def test_the_section_does_not_change_what_a_score_means() -> None:
    plain = load_config_text(VALID)
    tuned = load_config_text(VALID + "nudges: {max_items: 5, steward: U0TAKAHASHI}\n")
    assert plain.config_version == tuned.config_version


def test_an_unknown_key_is_an_error_at_its_line() -> None:
    [issue] = issues_of("nudges:\n  enabled: true\n  max_itmes: 5\n")
    assert (issue.line, issue.path) == (LINES + 3, "nudges.max_itmes")
    assert issue.message == "unknown key 'max_itmes' (did you mean 'max_items'?)"


def test_too_many_items_per_dm_is_an_error() -> None:
    [issue] = issues_of("nudges:\n  max_items: 50\n")
    assert (issue.line, issue.path, issue.message) == (LINES + 2, "nudges.max_items", "must be <= 20")


def test_a_steward_must_be_a_slack_user_id() -> None:
    [issue] = issues_of("nudges:\n  steward: takahashi\n")
    assert (issue.line, issue.path) == (LINES + 2, "nudges.steward")
    assert "is not a Slack user id" in issue.message


def test_a_roll_call_channel_must_be_a_channel_id() -> None:
    [issue] = issues_of("nudges:\n  roll_call: {per_channel: false, channel: general}\n")
    assert issue.path == "nudges.roll_call.channel"
    assert "is not a Slack channel id" in issue.message


def test_a_single_roll_call_goes_to_its_channel_or_nowhere_when_off() -> None:
    single = load_config_text(VALID + "nudges:\n  roll_call: {per_channel: false, channel: C0ALL}\n")
    assert [(t.channel, t.segments) for t in roll_call_teams(single)] == [("C0ALL", None)]
    off = load_config_text(VALID + "nudges:\n  roll_call: {enabled: false}\n")
    assert roll_call_teams(off) == ()
