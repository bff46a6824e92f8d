"""Each condition kind: fires on the facts it describes, stays quiet otherwise, and is *unknown* (never
fires) when the data it needs is missing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scoring.model import Element, Onboarding, Role, Text
from scoring.rules import GradePoint, RuleReason
from tests.unit.rules.builders import (
    TODAY,
    compiled_rules,
    days_ago,
    facts,
    health,
    outcome,
    person,
    rule,
    run,
    series,
)

LOGIN = Text("ログイン率", "Login rate")


# --- compare ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("<", 0.3, "fired"),
        ("<", 0.2, "not"),
        ("<=", 0.2, "fired"),
        (">", 0.1, "fired"),
        (">=", 0.2, "fired"),
        (">=", 0.21, "not"),
        ("==", 0.2, "fired"),
        ("==", 0.3, "not"),
    ],
)
def test_compare_uses_the_operator(op: str, value: float, expected: str) -> None:
    rules = compiled_rules(rule({"compare": {"metric": "login_rate", "op": op, "value": value}}))
    account = facts(metrics={"login_rate": series({0: 0.2})})
    assert outcome(run(rules, account)) == expected


def test_compare_reason_carries_the_value_and_threshold() -> None:
    rules = compiled_rules(rule({"compare": {"metric": "login_rate", "op": "<", "value": 0.3}}))
    (hit,) = run(rules, facts(metrics={"login_rate": series({2: 0.2})})).hits
    assert hit.reasons == (
        RuleReason(
            "rules.reason.compare.ratio", {"metric": LOGIN, "value": 0.2, "op": "<", "threshold": 0.3}
        ),
    )


def test_compare_takes_the_segment_threshold() -> None:
    condition = {"compare": {"metric": "login_rate", "op": "<", "value": 0.3, "segments": {"SMB": 0.15}}}
    rules = compiled_rules(rule(condition))
    low = {"login_rate": series({0: 0.2})}
    assert outcome(run(rules, facts(segment="MM", metrics=low))) == "fired"
    assert outcome(run(rules, facts(segment="SMB", metrics=low))) == "not"


def test_compare_on_a_missing_metric_is_unknown() -> None:
    rules = compiled_rules(rule({"compare": {"metric": "login_rate", "op": "<", "value": 0.3}}))
    assert outcome(run(rules, facts(metrics={}))) == "unknown"


def test_compare_on_a_stale_value_is_unknown() -> None:
    rules = compiled_rules(rule({"compare": {"metric": "login_rate", "op": "<", "value": 0.3}}))
    stale = facts(metrics={"login_rate": series({15: 0.05})})  # fresh_days 14
    assert outcome(run(rules, stale)) == "unknown"


def test_compare_ignores_values_dated_after_today() -> None:
    rules = compiled_rules(rule({"compare": {"metric": "login_rate", "op": "<", "value": 0.3}}))
    account = facts(metrics={"login_rate": series({1: 0.5, -3: 0.01})})
    assert outcome(run(rules, account)) == "not"


def test_compare_on_onboarding_delay_is_computed_from_the_dates() -> None:
    rules = compiled_rules(rule({"compare": {"metric": "onboarding_delay_days", "op": ">=", "value": 10}}))
    late = facts(onboarding=Onboarding(planned_end=days_ago(12)))
    assert outcome(run(rules, late)) == "fired"
    assert outcome(run(rules, facts(onboarding=None))) == "unknown"


# --- change ----------------------------------------------------------------------------------------


def test_change_down_by_percent_fires_at_the_threshold() -> None:
    rules = compiled_rules(
        rule({"change": {"metric": "login_rate", "direction": "down", "percent": 30, "days": 28}})
    )
    assert outcome(run(rules, facts(metrics={"login_rate": series({28: 0.6, 0: 0.42})}))) == "fired"
    assert outcome(run(rules, facts(metrics={"login_rate": series({28: 0.6, 0: 0.43})}))) == "not"


def test_change_reason_shows_before_and_after() -> None:
    rules = compiled_rules(rule({"change": {"metric": "login_rate", "percent": 30, "days": 28}}))
    (hit,) = run(rules, facts(metrics={"login_rate": series({28: 0.6, 0: 0.3})})).hits
    assert hit.reasons[0].key == "rules.reason.change.down.ratio"
    assert hit.reasons[0].params == {"metric": LOGIN, "before": 0.6, "after": 0.3, "days": 28}


def test_change_up_and_by_amount() -> None:
    rules = compiled_rules(
        rule({"change": {"metric": "key_feature_use", "direction": "up", "amount": 0.2, "days": 7}})
    )
    assert outcome(run(rules, facts(metrics={"key_feature_use": series({7: 0.3, 0: 0.5})}))) == "fired"
    assert outcome(run(rules, facts(metrics={"key_feature_use": series({7: 0.3, 0: 0.45})}))) == "not"
    assert outcome(run(rules, facts(metrics={"key_feature_use": series({7: 0.5, 0: 0.1})}))) == "not"


def test_change_uses_the_latest_value_on_or_before_the_past_day() -> None:
    rules = compiled_rules(rule({"change": {"metric": "login_rate", "percent": 30, "days": 28}}))
    account = facts(metrics={"login_rate": series({35: 0.9, 30: 0.6, 20: 0.1, 0: 0.4})})
    (hit,) = run(rules, account).hits
    assert hit.reasons[0].params["before"] == 0.6


@pytest.mark.parametrize(
    "points",
    [
        {0: 0.1},  # no value 28 days ago
        {28: 0.6},  # nothing fresh today
        {45: 0.6, 0: 0.1},  # the past value is older than fresh_days before the past day
    ],
)
def test_change_without_both_ends_is_unknown(points: dict[int, float]) -> None:
    rules = compiled_rules(rule({"change": {"metric": "login_rate", "percent": 30, "days": 28}}))
    assert outcome(run(rules, facts(metrics={"login_rate": series(points)}))) == "unknown"


def test_relative_change_from_zero_is_unknown() -> None:
    rules = compiled_rules(
        rule({"change": {"metric": "login_rate", "direction": "up", "percent": 50, "days": 7}})
    )
    assert outcome(run(rules, facts(metrics={"login_rate": series({7: 0.0, 0: 0.4})}))) == "unknown"


# --- no_touchpoint ---------------------------------------------------------------------------------


def test_no_touchpoint_counts_days_since_the_last_one() -> None:
    rules = compiled_rules(rule({"no_touchpoint": {"days": 30}}))
    assert outcome(run(rules, facts(touchpoints=(90, 30)))) == "fired"
    assert outcome(run(rules, facts(touchpoints=(90, 29)))) == "not"


def test_no_touchpoint_reason() -> None:
    rules = compiled_rules(rule({"no_touchpoint": {"days": 30}}))
    (hit,) = run(rules, facts(touchpoints=(40,))).hits
    assert hit.reasons == (
        RuleReason("rules.reason.no_touchpoint", {"days": 40, "last": days_ago(40), "threshold": 30}),
    )


@pytest.mark.parametrize(("segment", "expected"), [("SMB", "not"), ("MM", "fired"), ("EP", "fired")])
def test_no_touchpoint_threshold_per_segment(segment: str, expected: str) -> None:
    rules = compiled_rules(rule({"no_touchpoint": {"days": 30, "segments": {"SMB": 45, "EP": 21}}}))
    assert outcome(run(rules, facts(segment=segment, touchpoints=(35,)))) == expected


def test_no_touchpoint_with_none_recorded_is_unknown_not_silence() -> None:
    rules = compiled_rules(rule({"no_touchpoint": {"days": 30}}))
    assert outcome(run(rules, facts(touchpoints=()))) == "unknown"


def test_no_touchpoint_ignores_touchpoints_after_today() -> None:
    rules = compiled_rules(rule({"no_touchpoint": {"days": 30}}))
    assert outcome(run(rules, facts(touchpoints=(40, -2)))) == "fired"


# --- key people ------------------------------------------------------------------------------------


def test_role_vacant_fires_when_the_holder_left_without_successor() -> None:
    rules = compiled_rules(rule({"role_vacant": {"role": "po"}}))
    (hit,) = run(rules, facts(people=[person(Role.PO, left=10)])).hits
    assert hit.reasons == (RuleReason("rules.reason.role_vacant.po", {"since": days_ago(10)}),)


def test_role_vacant_is_quiet_when_someone_holds_the_role() -> None:
    rules = compiled_rules(rule({"role_vacant": {"role": "po"}}))
    people = [person(Role.PO, left=10), person(Role.PO, since=5)]
    assert outcome(run(rules, facts(people=people))) == "not"


def test_a_role_never_recorded_is_unknown_not_vacant() -> None:
    rules = compiled_rules(rule({"role_vacant": {"role": "po"}}))
    assert outcome(run(rules, facts(people=[person(Role.PL)]))) == "unknown"
    assert outcome(run(rules, facts(people=[]))) == "unknown"


def test_role_left_within_days() -> None:
    rules = compiled_rules(rule({"role_left": {"role": "pl", "within_days": 30}}))
    assert outcome(run(rules, facts(people=[person(Role.PL, left=30)]))) == "fired"
    assert outcome(run(rules, facts(people=[person(Role.PL, left=31)]))) == "not"
    assert outcome(run(rules, facts(people=[person(Role.PL)]))) == "not"
    assert outcome(run(rules, facts(people=[person(Role.PO, left=3)]))) == "unknown"


def test_role_left_since_a_date() -> None:
    rules = compiled_rules(rule({"role_left": {"role": "po", "since": days_ago(60)}}))
    (hit,) = run(rules, facts(people=[person(Role.PO, left=50)])).hits
    assert hit.reasons == (RuleReason("rules.reason.role_left.po", {"left_on": days_ago(50)}),)
    assert outcome(run(rules, facts(people=[person(Role.PO, left=61)]))) == "not"


@pytest.mark.parametrize(
    ("successor", "replaced", "expected"),
    [
        ("present", True, "fired"),
        ("present", False, "not"),
        ("absent", True, "not"),
        ("absent", False, "fired"),
        ("any", True, "fired"),
        ("any", False, "fired"),
    ],
)
def test_role_left_successor_filter(successor: str, replaced: bool, expected: str) -> None:
    rules = compiled_rules(rule({"role_left": {"role": "po", "within_days": 30, "successor": successor}}))
    people = [person(Role.PO, left=10)] + ([person(Role.PO, since=10)] if replaced else [])
    assert outcome(run(rules, facts(people=people))) == expected


# --- grades ----------------------------------------------------------------------------------------


def test_overall_grade_at_or_below() -> None:
    rules = compiled_rules(rule({"grade_at_or_below": {"grade": 2}}))
    (hit,) = run(rules, result=health(2)).hits
    assert hit.reasons == (
        RuleReason("rules.reason.grade_at_or_below", {"grade": Text("D 要対応", "D Needs action")}),
    )
    assert outcome(run(rules, result=health(3))) == "not"
    assert outcome(run(rules, result=health(None))) == "unknown"


def test_element_grade_at_or_below() -> None:
    rules = compiled_rules(rule({"grade_at_or_below": {"grade": 1, "element": "firewood"}}))
    (hit,) = run(rules, result=health(4, firewood=1)).hits
    assert hit.reasons[0].key == "rules.reason.element_grade_at_or_below"
    assert hit.reasons[0].params["element"] == Text("薪", "Firewood")
    assert outcome(run(rules, result=health(1, firewood=2))) == "not"
    assert outcome(run(rules, result=health(1, firewood=None))) == "unknown"


def _history(grade: int | None, days: int, **elements: int | None) -> tuple[GradePoint, ...]:
    return (GradePoint(days_ago(days), grade, **elements),)


def test_grade_drop_compares_with_the_snapshot_days_ago() -> None:
    rules = compiled_rules(rule({"grade_drop": {"levels": 2, "days": 28}}))
    (hit,) = run(rules, result=health(2), history=_history(4, 28)).hits
    assert hit.reasons[0].params == {
        "before": Text("B 順調", "B On track"),
        "after": Text("D 要対応", "D Needs action"),
        "days": 28,
    }
    assert outcome(run(rules, result=health(3), history=_history(4, 28))) == "not"


def test_grade_drop_takes_the_latest_snapshot_within_a_week_before() -> None:
    rules = compiled_rules(rule({"grade_drop": {"levels": 2, "days": 28}}))
    history = (GradePoint(days_ago(33), 5), GradePoint(days_ago(31), 3), GradePoint(days_ago(20), 5))
    assert outcome(run(rules, result=health(1), history=history)) == "fired"
    assert outcome(run(rules, result=health(2), history=history)) == "not"


@pytest.mark.parametrize(
    "history",
    [(), _history(5, 36), _history(None, 28)],
    ids=["no history", "too old", "ungraded then"],
)
def test_grade_drop_without_history_is_unknown(history: tuple[GradePoint, ...]) -> None:
    rules = compiled_rules(rule({"grade_drop": {"levels": 2, "days": 28}}))
    assert outcome(run(rules, result=health(1), history=history)) == "unknown"


def test_element_grade_drop() -> None:
    rules = compiled_rules(rule({"grade_drop": {"levels": 1, "days": 7, "element": "wind"}}))
    history = _history(3, 7, wind=4)
    assert outcome(run(rules, result=health(3, wind=3), history=history)) == "fired"
    assert outcome(run(rules, result=health(3, wind=4), history=history)) == "not"


# --- renewal and onboarding ------------------------------------------------------------------------


def test_renewal_within_days() -> None:
    rules = compiled_rules(rule({"renewal_within": {"days": 90}}))
    (hit,) = run(rules, renewal_on=TODAY + timedelta(days=90)).hits
    assert hit.reasons == (
        RuleReason("rules.reason.renewal_within", {"renewal_on": TODAY + timedelta(days=90), "days": 90}),
    )
    assert outcome(run(rules, renewal_on=TODAY + timedelta(days=91))) == "not"
    assert outcome(run(rules, renewal_on=None)) == "unknown"
    assert outcome(run(rules, renewal_on=TODAY - timedelta(days=1))) == "unknown"


def test_onboarding_overdue() -> None:
    rules = compiled_rules(rule({"onboarding_overdue": {"days": 0}}))
    (hit,) = run(rules, facts(onboarding=Onboarding(planned_end=days_ago(3)))).hits
    assert hit.reasons == (
        RuleReason("rules.reason.onboarding_overdue", {"planned_end": days_ago(3), "days": 3}),
    )
    assert outcome(run(rules, facts(onboarding=Onboarding(planned_end=TODAY)))) == "not"
    done_late = Onboarding(planned_end=days_ago(30), completed_on=days_ago(2))
    assert outcome(run(rules, facts(onboarding=done_late))) == "not"
    assert outcome(run(rules, facts(onboarding=Onboarding(planned_end=None)))) == "unknown"
    assert outcome(run(rules, facts(onboarding=None))) == "unknown"


def test_onboarding_overdue_grace_days() -> None:
    rules = compiled_rules(rule({"onboarding_overdue": {"days": 7}}))
    assert outcome(run(rules, facts(onboarding=Onboarding(planned_end=days_ago(7))))) == "not"
    assert outcome(run(rules, facts(onboarding=Onboarding(planned_end=days_ago(8))))) == "fired"


def test_element_of_a_rule_is_optional() -> None:
    rules = compiled_rules({**rule({"grade_at_or_below": {"grade": 2}}), "element": None})
    assert rules.rules[0].element is None
    rules = compiled_rules(rule({"grade_at_or_below": {"grade": 2}}))
    assert rules.rules[0].element is Element.FIRE
