"""Running rules: enabled ones only, due dates in business days, ``only`` for previews."""

from __future__ import annotations

from datetime import date

from scoring.calendar import BusinessCalendar
from scoring.config_rules import Priority
from scoring.rules import evaluate
from tests.unit.rules.builders import (
    CALENDAR,
    HOLIDAYS_2024_NOV,
    TODAY,
    compiled_rules,
    facts,
    health,
    rule,
    run,
)

SILENT = {"no_touchpoint": {"days": 30}}


def test_due_date_skips_weekends() -> None:
    rules = compiled_rules(rule(SILENT, due_business_days=1))  # TODAY is a Friday
    (hit,) = run(rules, facts(touchpoints=(40,))).hits
    assert hit.due_on == date(2024, 11, 18)
    assert hit.priority is Priority.HIGH


def test_due_date_skips_holidays_of_the_calendar() -> None:
    rules = compiled_rules(rule(SILENT, due_business_days=3))
    calendar = BusinessCalendar(holidays=HOLIDAYS_2024_NOV | {date(2024, 11, 22)})
    (hit,) = run(rules, facts(touchpoints=(40,)), today=date(2024, 11, 20), calendar=calendar).hits
    # Thu 21, (Fri 22 off), (Sat 23 勤労感謝の日, Sun 24), Mon 25, Tue 26
    assert hit.due_on == date(2024, 11, 26)


def test_due_date_with_a_calendar_without_national_holidays() -> None:
    rules = compiled_rules(rule(SILENT, due_business_days=1))
    weekends_only = BusinessCalendar(holidays=frozenset())
    (hit,) = run(rules, facts(touchpoints=(60,)), today=date(2024, 11, 1), calendar=weekends_only).hits
    assert hit.due_on == date(2024, 11, 4)  # 振替休日 counts as a business day here
    (hit,) = run(rules, facts(touchpoints=(60,)), today=date(2024, 11, 1)).hits
    assert hit.due_on == date(2024, 11, 5)


def test_disabled_rules_do_not_run() -> None:
    rules = compiled_rules(rule(SILENT, rule_id="on"), rule(SILENT, rule_id="off", enabled=False))
    result = run(rules, facts(touchpoints=(40,)))
    assert [hit.rule_id for hit in result.hits] == ["on"]


def test_only_runs_the_given_rules_even_if_disabled() -> None:
    rules = compiled_rules(rule(SILENT, rule_id="on"), rule(SILENT, rule_id="off", enabled=False))
    hits = evaluate(
        facts(touchpoints=(40,)), health(), (), rules, TODAY, calendar=CALENDAR, only=[rules.by_id["off"]]
    )
    assert [hit.rule_id for hit in hits] == ["off"]


def test_undetermined_rules_are_reported() -> None:
    rules = compiled_rules(
        rule(SILENT, rule_id="silent"), rule({"renewal_within": {"days": 90}}, rule_id="renewal")
    )
    result = run(rules, facts(touchpoints=(40,)))
    assert [hit.rule_id for hit in result.hits] == ["silent"]
    assert result.undetermined == frozenset({"renewal"})


def test_channel_and_lead_per_segment() -> None:
    rules = compiled_rules(
        rule(SILENT),
        cta={
            "channels": {"SMB": "C0CSSMB"},
            "default_channel": "C0DEFAULT",
            "segment_leads": {"SMB": "U0TAKAHASHI"},
        },
    )
    assert rules.channel_for("SMB") == "C0CSSMB"
    assert rules.channel_for("EP") == "C0DEFAULT"
    assert rules.channel_for("SMB", "C0OWN") == "C0OWN"
    assert rules.lead_for("SMB") == "U0TAKAHASHI"
    assert rules.lead_for("EP") is None


def test_rules_version_changes_with_the_rules_only() -> None:
    a = compiled_rules(rule(SILENT))
    b = compiled_rules(rule(SILENT, due_business_days=2))
    c = compiled_rules(rule(SILENT))
    assert a.version == c.version != b.version


def test_history_and_metric_look_back_follow_the_rules() -> None:
    rules = compiled_rules(
        rule({"grade_drop": {"levels": 2, "days": 28}}, rule_id="drop"),
        rule({"change": {"metric": "login_rate", "percent": 30, "days": 28}}, rule_id="login"),
    )
    assert rules.history_days == 35
    assert dict(rules.metric_days) == {"login_rate": 42}
    assert compiled_rules(rule(SILENT)).history_days == 0
