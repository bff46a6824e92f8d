"""The rules and cta sections of takibi.yml: shape and cross-field problems at the line an admin wrote."""

from __future__ import annotations

import pytest

from bot.configfile import ConfigFileError, ConfigIssue, default_config_path, load_config, load_config_text
from bot.i18n import Locale
from tests.unit.test_configfile import VALID

RULE = """\
rules:
  - id: silent
    title: {ja: 接点なし, en: Silent}
    element: wind
    condition:
      no_touchpoint: {days: 30}
    playbook:
      - {ja: 連絡する, en: Reach out}
"""


def issues_of(text: str, locale: Locale = Locale.EN) -> list[ConfigIssue]:
    with pytest.raises(ConfigFileError) as caught:
        load_config_text(text, "takibi.yml", locale=locale)
    return list(caught.value.issues)


def with_rules(rules_text: str) -> str:
    return VALID + rules_text


def lines(text: str) -> list[str]:
    return [issue.format("takibi.yml") for issue in issues_of(text)]


def test_a_rule_loads_with_its_defaults() -> None:
    config = load_config_text(with_rules(RULE))
    (rule,) = config.rules
    assert (rule.priority.value, rule.due_business_days, rule.enabled, rule.cooldown_days) == (
        "medium",
        5,
        True,
        14,
    )


def test_rules_and_cta_do_not_change_the_score_version() -> None:
    assert load_config_text(with_rules(RULE)).config_version == load_config_text(VALID).config_version


def test_the_shipped_file_has_rules_and_cta_settings() -> None:
    config = load_config(default_config_path())
    assert len(config.rules) == 7
    assert config.cta.channels["SMB"] == "C0CSSMB"


def test_unknown_metric_points_at_the_metric() -> None:
    text = with_rules(
        RULE.replace("no_touchpoint: {days: 30}", 'compare: {metric: logn_rate, op: "<", value: 0.2}')
    )
    line = text.splitlines().index('      compare: {metric: logn_rate, op: "<", value: 0.2}') + 1
    assert lines(text) == [
        f"takibi.yml:{line}:25: rules[0].condition.compare.metric: unknown metric 'logn_rate'"
    ]


def test_unknown_metric_in_japanese() -> None:
    text = with_rules(
        RULE.replace("no_touchpoint: {days: 30}", "change: {metric: logn_rate, percent: 30, days: 28}")
    )
    (issue,) = issues_of(text, Locale.JA)
    assert issue.path == "rules[0].condition.change.metric"
    assert issue.message == "不明な指標 'logn_rate'"


def test_misspelled_condition_kind_gets_a_hint() -> None:
    text = with_rules(RULE.replace("no_touchpoint:", "no_touchpiont:"))
    (issue,) = issues_of(text)
    assert issue.path == "rules[0].condition.no_touchpiont"
    assert issue.message == "unknown key 'no_touchpiont' (did you mean 'no_touchpoint'?)"
    assert (issue.line, issue.column) == (text.splitlines().index("      no_touchpiont: {days: 30}") + 1, 7)


def test_a_condition_needs_exactly_one_kind() -> None:
    two = RULE.replace(
        "      no_touchpoint: {days: 30}", "      no_touchpoint: {days: 30}\n      renewal_within: {days: 90}"
    )
    (issue,) = issues_of(with_rules(two))
    assert issue.path == "rules[0].condition"
    assert "no_touchpoint, renewal_within" in issue.message
    empty = RULE.replace("    condition:\n      no_touchpoint: {days: 30}", "    condition: {}")
    (issue,) = issues_of(with_rules(empty))
    assert issue.path == "rules[0].condition"
    assert issue.message.startswith("write one condition")


def test_problems_inside_groups_have_their_path() -> None:
    grouped = RULE.replace(
        "      no_touchpoint: {days: 30}",
        "      any:\n        - role_vacant: {role: po}\n        - role_vacant: {role: ceo}",
    )
    (issue,) = issues_of(with_rules(grouped))
    assert issue.path == "rules[0].condition.any[1].role_vacant.role"
    assert issue.message.startswith("must be one of: po, pl")


def test_an_empty_group_is_refused() -> None:
    (issue,) = issues_of(with_rules(RULE.replace("no_touchpoint: {days: 30}", "all: []")))
    assert issue.path == "rules[0].condition.all"
    assert issue.message == "needs at least 1 item(s)"


def test_change_needs_percent_or_amount_and_no_builtin() -> None:
    text = with_rules(
        RULE.replace("no_touchpoint: {days: 30}", "change: {metric: onboarding_delay_days, days: 28}")
    )
    assert {(i.path, i.message.split(" ")[0]) for i in issues_of(text)} == {
        ("rules[0].condition.change.metric", "onboarding_delay_days"),
        ("rules[0].condition.change", "write"),
    }


def test_role_left_needs_a_window() -> None:
    text = with_rules(RULE.replace("no_touchpoint: {days: 30}", "role_left: {role: po}"))
    (issue,) = issues_of(text)
    assert (issue.path, issue.message) == (
        "rules[0].condition.role_left",
        "write either within_days or since (exactly one)",
    )


def test_an_operator_must_be_one_of_the_comparisons() -> None:
    text = with_rules(
        RULE.replace("no_touchpoint: {days: 30}", 'compare: {metric: login_rate, op: "=<", value: 1}')
    )
    (issue,) = issues_of(text)
    assert issue.path == "rules[0].condition.compare.op"
    assert issue.message == "must be one of: <, <=, >, >=, =="


def test_unknown_segment_points_at_the_key() -> None:
    text = with_rules(
        RULE.replace("no_touchpoint: {days: 30}", "no_touchpoint: {days: 30, segments: {XL: 10}}")
    )
    (issue,) = issues_of(text)
    assert issue.path == "rules[0].condition.no_touchpoint.segments.XL"
    assert issue.message == "unknown segment 'XL' (defined: SMB)"


def test_duplicate_rule_ids() -> None:
    second = RULE.replace("rules:\n", "")
    (issue,) = issues_of(with_rules(RULE + second))
    assert issue.path == "rules[1].id"
    assert issue.message == "duplicate id 'silent' (same as item 1)"


def test_rule_shape_problems() -> None:
    text = with_rules(
        RULE.replace(
            "    element: wind\n", "    element: wind\n    priority: urgent\n    due_business_days: -1\n"
        ).replace("    playbook:\n      - {ja: 連絡する, en: Reach out}\n", "    playbook: []\n")
    )
    assert {i.path for i in issues_of(text)} == {
        "rules[0].priority",
        "rules[0].due_business_days",
        "rules[0].playbook",
    }


CTA_OK = """\
cta:
  channels: {SMB: C0CSSMB}
  segment_leads: {SMB: U0TAKAHASHI}
  reactions: {take: ":eyes:", done: white_check_mark, snooze: zzz}
  expire_after_overdue_days: 14
"""


def test_cta_section_loads_and_reaction_colons_are_dropped() -> None:
    config = load_config_text(VALID + CTA_OK)
    assert config.cta.reactions.take == "eyes"
    assert config.cta.expire_after_overdue_days == 14


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "{SMB: C0CSSMB}",
            "{SMB: cs-smb}",
            "cta.channels.SMB",
            "'cs-smb' is not a Slack channel id (e.g. C0123ABCD)",
        ),
        ("{SMB: C0CSSMB}", "{EP: C0CSEP}", "cta.channels.EP", "unknown segment 'EP' (defined: SMB)"),
        (
            "{SMB: U0TAKAHASHI}",
            "{SMB: takahashi}",
            "cta.segment_leads.SMB",
            "'takahashi' is not a Slack user id (e.g. U0123ABCD)",
        ),
        ("snooze: zzz", "snooze: eyes", "cta.reactions.take", "reaction 'eyes' is used for two actions"),
        (
            "snooze: zzz",
            "snooze: 'z z'",
            "cta.reactions.snooze",
            "'z z' is not a Slack emoji name (e.g. eyes)",
        ),
        (
            "expire_after_overdue_days: 14",
            "expire_after_overdue_days: 0",
            "cta.expire_after_overdue_days",
            "must be >= 1",
        ),
    ],
)
def test_cta_problems(old: str, new: str, path: str, message: str) -> None:
    found = [(i.path, i.message) for i in issues_of(VALID + CTA_OK.replace(old, new))]
    assert (path, message) in found
