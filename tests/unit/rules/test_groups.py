"""``all`` / ``any``: three-valued logic in which unknown never counts as satisfied."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.model import Onboarding, Role
from scoring.rules import RuleReason
from tests.unit.rules.builders import compiled_rules, days_ago, facts, outcome, person, rule, run, series

FIRES = {"no_touchpoint": {"days": 30}}
"""With ``QUIET_FACTS``-style facts: touchpoint 40 days ago → fires; 10 days ago → not; none → unknown."""


def _touch(state: str) -> tuple[int, ...]:
    return {"fired": (40,), "not": (10,), "unknown": ()}[state]


def _onboard(state: str) -> Onboarding | None:
    return {
        "fired": Onboarding(planned_end=days_ago(5)),
        "not": Onboarding(planned_end=days_ago(-5)),
        "unknown": None,
    }[state]


STATES = ("fired", "not", "unknown")
ALL = {
    ("fired", "fired"): "fired",
    ("fired", "not"): "not",
    ("fired", "unknown"): "unknown",
    ("not", "unknown"): "not",
    ("not", "not"): "not",
    ("unknown", "unknown"): "unknown",
}
ANY = {
    ("fired", "fired"): "fired",
    ("fired", "not"): "fired",
    ("fired", "unknown"): "fired",
    ("not", "unknown"): "unknown",
    ("not", "not"): "not",
    ("unknown", "unknown"): "unknown",
}


def _two(group: str) -> dict[str, Any]:
    return {group: [FIRES, {"onboarding_overdue": {}}]}


@pytest.mark.parametrize("left", STATES)
@pytest.mark.parametrize("right", STATES)
@pytest.mark.parametrize("group", ["all", "any"])
def test_truth_table(group: str, left: str, right: str) -> None:
    table = ALL if group == "all" else ANY
    expected = table.get((left, right)) or table[(right, left)]
    rules = compiled_rules(rule(_two(group)))
    account = facts(touchpoints=_touch(left), onboarding=_onboard(right))
    assert outcome(run(rules, account)) == expected


def test_all_collects_every_reason_in_order() -> None:
    rules = compiled_rules(rule(_two("all")))
    (hit,) = run(rules, facts(touchpoints=(40,), onboarding=Onboarding(planned_end=days_ago(5)))).hits
    assert [r.key for r in hit.reasons] == ["rules.reason.no_touchpoint", "rules.reason.onboarding_overdue"]


def test_any_keeps_only_the_reasons_that_fired() -> None:
    rules = compiled_rules(rule({"any": [{"role_vacant": {"role": "po"}}, {"role_vacant": {"role": "pl"}}]}))
    people = [person(Role.PO), person(Role.PL, left=3)]
    (hit,) = run(rules, facts(people=people)).hits
    assert hit.reasons == (RuleReason("rules.reason.role_vacant.pl", {"since": days_ago(3)}),)


def test_groups_nest() -> None:
    condition = {
        "all": [
            {"any": [{"role_vacant": {"role": "po"}}, {"role_vacant": {"role": "pl"}}]},
            {"compare": {"metric": "login_rate", "op": "<", "value": 0.3}},
        ]
    }
    rules = compiled_rules(rule(condition))
    low = {"login_rate": series({0: 0.1})}
    high = {"login_rate": series({0: 0.5})}
    vacant = [person(Role.PO, left=3), person(Role.PL)]
    assert outcome(run(rules, facts(people=vacant, metrics=low))) == "fired"
    assert outcome(run(rules, facts(people=vacant, metrics=high))) == "not"
    assert outcome(run(rules, facts(people=[person(Role.PO), person(Role.PL)], metrics=low))) == "not"
    assert outcome(run(rules, facts(people=vacant, metrics={}))) == "unknown"
