"""The shipped rules: few, objective, each firing on its textbook case, and never on missing data."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.configfile import default_config_path, load_config
from scoring.config_rules import Priority
from scoring.health import compile_config, score_account
from scoring.model import AccountFacts, Expectation, KeyPerson, Onboarding, Role, Touchpoint
from scoring.rules import CompiledRules, GradePoint, check, compile_rules
from tests.unit.rules.builders import CALENDAR, TODAY, days_ago, health, series

CONFIG = load_config(default_config_path())
RULES = compile_rules(CONFIG)
HEALTH = compile_config(CONFIG)


def _healthy(segment: str = "MM") -> AccountFacts:
    return AccountFacts(
        account_id="acme",
        segment=segment,
        touchpoints=tuple(Touchpoint(days_ago(n), "meeting", Expectation.FIT) for n in (5, 20, 40)),
        metrics={"login_rate": series({28: 0.7, 14: 0.7, 0: 0.68})},
        key_people=(KeyPerson(Role.PO, since=days_ago(400)), KeyPerson(Role.PL, since=days_ago(400))),
        onboarding=Onboarding(planned_end=days_ago(300), completed_on=days_ago(310)),
    )


def _fired(
    account: AccountFacts,
    *,
    grade: int | None = 4,
    history: tuple[GradePoint, ...] = (GradePoint(days_ago(28), 4),),
    renewal_on: date | None = TODAY + timedelta(days=200),
    rules: CompiledRules = RULES,
) -> list[str]:
    result = check(account, health(grade), history, rules, TODAY, calendar=CALENDAR, renewal_on=renewal_on)
    return [hit.rule_id for hit in result.hits]


def test_the_defaults_are_few_and_all_enabled() -> None:
    assert [r.id for r in RULES.rules] == [
        "key_person_missing",
        "key_person_changed",
        "silent_account",
        "login_rate_drop",
        "onboarding_overdue",
        "grade_drop",
        "renewal_at_risk",
    ]
    assert all(r.enabled and r.playbook for r in RULES.rules)


def test_the_shipped_cta_settings() -> None:
    settings_ = RULES.settings
    assert dict(settings_.channels) == {"SMB": "C0CSSMB", "MM": "C0CSMM", "EP": "C0CSEP"}
    assert settings_.segment_leads["EP"] == "U0TAKAHASHI"
    assert (settings_.reactions.take, settings_.reactions.done, settings_.reactions.snooze) == (
        "eyes",
        "white_check_mark",
        "zzz",
    )
    assert settings_.snooze_days == 7
    assert settings_.escalate_after_business_hours == 8


def test_a_healthy_account_fires_nothing() -> None:
    assert _fired(_healthy()) == []


CASES: dict[str, Callable[[AccountFacts], AccountFacts]] = {
    "key_person_missing": lambda f: replace(
        f, key_people=(KeyPerson(Role.PO, since=days_ago(400), left_on=days_ago(60)), f.key_people[1])
    ),
    "key_person_changed": lambda f: replace(
        f,
        key_people=(
            KeyPerson(Role.PO, since=days_ago(400), left_on=days_ago(10)),
            KeyPerson(Role.PO, since=days_ago(10)),
            f.key_people[1],
        ),
    ),
    "silent_account": lambda f: replace(f, touchpoints=(Touchpoint(days_ago(31), "visit"),)),
    "login_rate_drop": lambda f: replace(f, metrics={"login_rate": series({28: 0.7, 0: 0.45})}),
    "onboarding_overdue": lambda f: replace(f, onboarding=Onboarding(planned_end=days_ago(1))),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_fact_rule_fires_on_its_case_alone(rule_id: str) -> None:
    assert _fired(CASES[rule_id](_healthy())) == [rule_id]


def test_a_po_who_just_left_without_successor_raises_one_cta_not_two() -> None:
    gone = replace(_healthy(), key_people=(KeyPerson(Role.PO, since=days_ago(400), left_on=days_ago(3)),))
    assert _fired(gone) == ["key_person_missing"]


def test_grade_drop_fires_on_two_levels_in_four_weeks() -> None:
    assert _fired(_healthy(), grade=2, history=(GradePoint(days_ago(28), 4),)) == ["grade_drop"]
    assert _fired(_healthy(), grade=3, history=(GradePoint(days_ago(28), 4),)) == []


def test_renewal_at_risk_needs_both_the_date_and_a_low_grade() -> None:
    soon = TODAY + timedelta(days=60)
    assert _fired(_healthy(), grade=2, history=(), renewal_on=soon) == ["renewal_at_risk"]
    assert _fired(_healthy(), grade=3, history=(), renewal_on=soon) == []
    assert _fired(_healthy(), grade=2, history=(), renewal_on=TODAY + timedelta(days=120)) == []


@pytest.mark.parametrize(
    ("segment", "silent_days", "fires"),
    [("SMB", 44, False), ("SMB", 45, True), ("EP", 21, True), ("EP", 20, False)],
)
def test_silence_threshold_depends_on_the_segment(segment: str, silent_days: int, fires: bool) -> None:
    account = replace(_healthy(segment), touchpoints=(Touchpoint(days_ago(silent_days), "call"),))
    assert _fired(account) == (["silent_account"] if fires else [])


def test_an_account_we_know_nothing_about_raises_no_cta() -> None:
    blank = AccountFacts(account_id="new", segment="MM")
    result = score_account(blank, HEALTH, TODAY)
    assert result.grade is None
    checked = check(blank, result, (), RULES, TODAY, calendar=CALENDAR, renewal_on=None)
    assert checked.hits == ()
    assert checked.undetermined == frozenset(r.id for r in RULES.rules)


# --- property: missing data never raises a risk CTA ------------------------------------------------

KINDS = ("touchpoints", "metrics", "key_people", "onboarding", "grades", "history", "renewal")


def _random_account(rng: random.Random) -> tuple[AccountFacts, int | None, tuple[GradePoint, ...], date]:
    people = []
    for role in (Role.PO, Role.PL):
        left = rng.choice((None, None, rng.randint(0, 90)))
        people.append(KeyPerson(role, since=days_ago(500), left_on=None if left is None else days_ago(left)))
        if left is not None and rng.random() < 0.5:
            people.append(KeyPerson(role, since=days_ago(rng.randint(0, left))))
    account = AccountFacts(
        account_id="x",
        segment=rng.choice(("SMB", "MM", "EP")),
        touchpoints=tuple(
            Touchpoint(days_ago(rng.randint(0, 120)), "call") for _ in range(rng.randint(1, 3))
        ),
        metrics={"login_rate": series({28: rng.random(), 10: rng.random(), 0: rng.random()})},
        key_people=tuple(people),
        onboarding=Onboarding(
            planned_end=days_ago(rng.randint(-30, 90)),
            completed_on=rng.choice((None, days_ago(rng.randint(0, 30)))),
        ),
    )
    grade = rng.randint(1, 5)
    history = (GradePoint(days_ago(28), rng.randint(1, 5)),)
    renewal = TODAY + timedelta(days=rng.randint(0, 200))
    return account, grade, history, renewal


def _blank(
    account: AccountFacts,
    grade: int | None,
    history: tuple[GradePoint, ...],
    renewal: date | None,
    kinds: set[str],
) -> tuple[AccountFacts, int | None, tuple[GradePoint, ...], date | None]:
    changes: dict[str, object] = {}
    if "touchpoints" in kinds:
        changes["touchpoints"] = ()
    if "metrics" in kinds:
        changes["metrics"] = {}
    if "key_people" in kinds:
        changes["key_people"] = ()
    if "onboarding" in kinds:
        changes["onboarding"] = None
    return (
        replace(account, **changes),  # type: ignore[arg-type]
        None if "grades" in kinds else grade,
        () if "history" in kinds else history,
        None if "renewal" in kinds else renewal,
    )


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kinds=st.sets(st.sampled_from(KINDS), min_size=1))
def test_taking_data_away_never_adds_a_cta(seed: int, kinds: set[str]) -> None:
    account, grade, history, renewal = _random_account(random.Random(seed))
    full = set(_fired(account, grade=grade, history=history, renewal_on=renewal))
    less = _blank(account, grade, history, renewal, kinds)
    assert set(_fired(less[0], grade=less[1], history=less[2], renewal_on=less[3])) <= full


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_with_every_kind_of_data_missing_nothing_fires(seed: int) -> None:
    account, grade, history, renewal = _random_account(random.Random(seed))
    blank = _blank(account, grade, history, renewal, set(KINDS))
    assert _fired(blank[0], grade=blank[1], history=blank[2], renewal_on=blank[3]) == []


def test_priorities_of_the_defaults() -> None:
    assert {r.id for r in RULES.rules if r.priority is Priority.HIGH} == {
        "key_person_missing",
        "key_person_changed",
        "grade_drop",
        "renewal_at_risk",
    }
