"""Rules test builders: a compact configuration with one rule per test, accounts and health results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from scoring.calendar import BusinessCalendar
from scoring.config import TakibiConfig
from scoring.model import (
    AccountFacts,
    HealthResult,
    KeyPerson,
    MetricSeries,
    Onboarding,
    Role,
    Touchpoint,
)
from scoring.rules import CompiledRules, GradePoint, RuleCheck, check, compile_rules
from tests.unit.scoring.builders import config_data, label, make_config

TODAY = date(2024, 11, 15)
"""A Friday."""

HOLIDAYS_2024_NOV = frozenset({date(2024, 11, 3), date(2024, 11, 4), date(2024, 11, 23)})
CALENDAR = BusinessCalendar(holidays=HOLIDAYS_2024_NOV)
"""Weekends and the national holidays of November 2024 (文化の日 + 振替休日, 勤労感謝の日)."""


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def rule(condition: Mapping[str, Any], rule_id: str = "r", **extra: Any) -> dict[str, Any]:
    return {
        "id": rule_id,
        "title": label("ルール", "Rule"),
        "element": "fire",
        "condition": dict(condition),
        "priority": "high",
        "due_business_days": 5,
        "playbook": [label("やること", "Do it")],
        **extra,
    }


def config_with(*rules: Mapping[str, Any], cta: Mapping[str, Any] | None = None) -> TakibiConfig:
    data = config_data()
    data["rules"] = [dict(r) for r in rules]
    if cta is not None:
        data["cta"] = dict(cta)
    return make_config(data)


def compiled_rules(*rules: Mapping[str, Any], cta: Mapping[str, Any] | None = None) -> CompiledRules:
    return compile_rules(config_with(*rules, cta=cta))


def health(
    grade: int | None = 3,
    *,
    firewood: int | None = 3,
    ember: int | None = 3,
    wind: int | None = 3,
    fire: int | None = 3,
    account_id: str = "acme",
) -> HealthResult:
    """A health result with the given grades (scores are not what rules read)."""
    grades = (firewood, ember, wind, fire)
    return HealthResult(
        account_id,
        TODAY,
        "test",
        None if grade is None else grade * 20.0 - 10.0,
        grade,
        1.0,
        tuple(None if g is None else g * 20.0 - 10.0 for g in grades),
        grades,
        (1.0,) * len(grades),
        (),
        (),
        None,
    )


def series(points: Mapping[int, float]) -> MetricSeries:
    """A metric series from {days ago: value}."""
    return MetricSeries.from_points({days_ago(n): v for n, v in points.items()})


def facts(
    *,
    segment: str = "MM",
    touchpoints: Sequence[int] = (),
    metrics: Mapping[str, MetricSeries] | None = None,
    people: Sequence[KeyPerson] = (),
    onboarding: Onboarding | None = None,
    account_id: str = "acme",
) -> AccountFacts:
    return AccountFacts(
        account_id=account_id,
        segment=segment,
        touchpoints=tuple(Touchpoint(days_ago(n), "meeting") for n in touchpoints),
        metrics=metrics or {},
        key_people=tuple(people),
        onboarding=onboarding,
    )


def person(role: Role, *, since: int | None = 400, left: int | None = None) -> KeyPerson:
    return KeyPerson(
        role,
        since=None if since is None else days_ago(since),
        left_on=None if left is None else days_ago(left),
    )


def run(
    rules: CompiledRules,
    account: AccountFacts | None = None,
    result: HealthResult | None = None,
    history: Sequence[GradePoint] = (),
    *,
    renewal_on: date | None = None,
    today: date = TODAY,
    calendar: BusinessCalendar = CALENDAR,
) -> RuleCheck:
    return check(
        account or facts(),
        result or health(),
        history,
        rules,
        today,
        calendar=calendar,
        renewal_on=renewal_on,
    )


def outcome(check_result: RuleCheck, rule_id: str = "r") -> str:
    """``fired`` / ``not`` / ``unknown`` for one rule."""
    if any(hit.rule_id == rule_id for hit in check_result.hits):
        return "fired"
    return "unknown" if rule_id in check_result.undetermined else "not"
