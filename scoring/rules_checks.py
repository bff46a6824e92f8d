"""The checks a rule's condition is made of, compiled to closures over the configuration.

Each check answers for one account on one day with three values: satisfied (the reasons, as catalog
keys and values), not satisfied (``False``), or unknown (``None``: no value, a stale value, no history,
nobody ever recorded in the role). ``all`` is satisfied only when every part is, ``any`` when one part
is; unknown never counts as satisfied, so missing data never raises a risk CTA.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from scoring.config_rules import (
    ONBOARDING_METRIC,
    Change,
    Compare,
    Condition,
    GradeAtOrBelow,
    GradeDrop,
    NoTouchpoint,
    OnboardingOverdue,
    RenewalWithin,
    RoleLeft,
    RoleVacant,
)
from scoring.freshness import vacancies
from scoring.model import ELEMENTS, AccountFacts, Element, HealthResult, Role, Text

HISTORY_TOLERANCE_DAYS = 7
"""A grade "28 days ago" is the latest snapshot on or before that day, at most this much older."""


@dataclass(frozen=True, slots=True)
class RuleReason:
    """Why a rule fired: a catalog key and its values (``Text`` labels, dates, numbers)."""

    key: str
    params: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class GradePoint:
    """The grades of one stored health snapshot (``None`` = 未評価)."""

    day: date
    overall: int | None
    firewood: int | None = None
    ember: int | None = None
    wind: int | None = None
    fire: int | None = None

    def grade(self, element: Element | None) -> int | None:
        if element is None:
            return self.overall
        value: int | None = getattr(self, element.value)
        return value


Outcome = tuple[RuleReason, ...] | Literal[False] | None
"""Satisfied (the reasons), not satisfied (``False``), or unknown (``None``)."""


class AccountView:
    """One account's inputs for one day, with the few derived values checks share, computed on demand."""

    __slots__ = (
        "_last_touchpoint",
        "_roles",
        "_vacant",
        "facts",
        "health",
        "history",
        "renewal_on",
        "segment",
        "today",
    )

    def __init__(
        self,
        facts: AccountFacts,
        health: HealthResult,
        history: Sequence[GradePoint],
        today: date,
        renewal_on: date | None,
    ) -> None:
        self.facts = facts
        self.health = health
        self.history = history
        self.today = today
        self.renewal_on = renewal_on
        self.segment = facts.segment
        self._vacant: dict[Role, date] | None = None
        self._roles: tuple[frozenset[Role], frozenset[Role]] | None = None
        self._last_touchpoint: date | Literal[False] | None = False

    def vacant(self) -> dict[Role, date]:
        if self._vacant is None:
            self._vacant = vacancies(self.facts.key_people, self.today)
        return self._vacant

    def roles(self) -> tuple[frozenset[Role], frozenset[Role]]:
        """(roles someone was ever seen in by today, roles someone holds today)."""
        if self._roles is None:
            today = self.today
            seen: set[Role] = set()
            held: set[Role] = set()
            for p in self.facts.key_people:
                if p.since is None or p.since <= today:
                    seen.add(p.role)
                    if p.left_on is None or p.left_on > today:
                        held.add(p.role)
            self._roles = (frozenset(seen), frozenset(held))
        return self._roles

    def last_touchpoint(self) -> date | None:
        cached = self._last_touchpoint
        if cached is not False:
            return cached
        today = self.today
        last = max((tp.on for tp in self.facts.touchpoints if tp.on <= today), default=None)
        self._last_touchpoint = last
        return last

    def grade(self, element: Element | None) -> int | None:
        if element is None:
            return self.health.grade
        return self.health.element_grades[ELEMENTS.index(element)]


Test = Callable[[AccountView], Outcome]


@dataclass(frozen=True, slots=True)
class Labels:
    """What reasons show: metric labels, units and freshness, grade and element labels."""

    metrics: Mapping[str, tuple[Text, str, int]]
    """metric id → (label, unit, fresh days)."""
    grades: tuple[Text, ...]
    elements: Mapping[Element, Text]

    def grade(self, grade: int) -> Text:
        return self.grades[grade - 1]


def compile_condition(condition: Condition, labels: Labels) -> Test:
    if condition.all is not None:
        return _all(tuple(compile_condition(c, labels) for c in condition.all))
    if condition.any is not None:
        return _any(tuple(compile_condition(c, labels) for c in condition.any))
    if condition.compare is not None:
        return _compare(condition.compare, labels)
    if condition.change is not None:
        return _change(condition.change, labels)
    if condition.no_touchpoint is not None:
        return _no_touchpoint(condition.no_touchpoint)
    if condition.role_vacant is not None:
        return _role_vacant(condition.role_vacant)
    if condition.role_left is not None:
        return _role_left(condition.role_left)
    if condition.grade_at_or_below is not None:
        return _grade_at_or_below(condition.grade_at_or_below, labels)
    if condition.grade_drop is not None:
        return _grade_drop(condition.grade_drop, labels)
    if condition.renewal_within is not None:
        return _renewal_within(condition.renewal_within)
    if condition.onboarding_overdue is not None:
        return _onboarding_overdue(condition.onboarding_overdue)
    raise ValueError("a condition needs exactly one key (the configuration check reports this)")


# --- groups --------------------------------------------------------------------------------------


def _all(parts: tuple[Test, ...]) -> Test:
    def test(account: AccountView) -> Outcome:
        reasons: list[RuleReason] = []
        unknown = False
        for part in parts:
            outcome = part(account)
            if outcome is False:
                return False
            if outcome is None:
                unknown = True
            elif not unknown:
                reasons.extend(outcome)
        return None if unknown else tuple(reasons)

    return test


def _any(parts: tuple[Test, ...]) -> Test:
    def test(account: AccountView) -> Outcome:
        reasons: list[RuleReason] = []
        unknown = False
        for part in parts:
            outcome = part(account)
            if outcome is None:
                unknown = True
            elif outcome is not False:
                reasons.extend(outcome)
        if reasons:
            return tuple(reasons)
        return None if unknown else False

    return test


# --- checks on one fact --------------------------------------------------------------------------

_OPS: Mapping[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
}


def _value_on(account: AccountView, metric: str, day: date, fresh_days: int) -> float | None:
    """The metric's latest value on or before ``day``, unless it is older than ``fresh_days`` by then."""
    series = account.facts.metrics.get(metric)
    if series is None:
        return None
    point = series.latest(day)
    if point is None or point[0] < day - timedelta(days=fresh_days):
        return None
    return point[1]


def _onboarding_delay(account: AccountView) -> int | None:
    onboarding = account.facts.onboarding
    if onboarding is None or onboarding.planned_end is None:
        return None
    done, today = onboarding.completed_on, account.today
    end = done if done is not None and done <= today else today
    return max((end - onboarding.planned_end).days, 0)


def _compare(spec: Compare, labels: Labels) -> Test:
    label, unit, fresh_days = labels.metrics[spec.metric]
    compare, op = _OPS[spec.op], spec.op
    default, per_segment = spec.value, spec.segments
    key = f"rules.reason.compare.{unit}"
    builtin = spec.metric == ONBOARDING_METRIC
    metric = spec.metric

    def test(account: AccountView) -> Outcome:
        value: float | None = (
            _onboarding_delay(account) if builtin else _value_on(account, metric, account.today, fresh_days)
        )
        if value is None:
            return None
        threshold = per_segment.get(account.segment, default)
        if not compare(value, threshold):
            return False
        return (RuleReason(key, {"metric": label, "value": value, "op": op, "threshold": threshold}),)

    return test


def _change(spec: Change, labels: Labels) -> Test:
    label, unit, fresh_days = labels.metrics[spec.metric]
    metric, days, down = spec.metric, spec.days, spec.direction == "down"
    percent, amount = spec.percent, spec.amount
    key = f"rules.reason.change.{spec.direction}.{unit}"

    def test(account: AccountView) -> Outcome:
        today = account.today
        after = _value_on(account, metric, today, fresh_days)
        if after is None:
            return None
        before = _value_on(account, metric, today - timedelta(days=days), fresh_days)
        if before is None:
            return None
        moved = before - after if down else after - before
        if percent is not None:
            if before <= 0:
                return None  # a relative change from zero (or below) means nothing
            fired = moved * 100.0 >= percent * before
        else:
            assert amount is not None
            fired = moved >= amount
        if not fired:
            return False
        return (RuleReason(key, {"metric": label, "before": before, "after": after, "days": days}),)

    return test


def _no_touchpoint(spec: NoTouchpoint) -> Test:
    default, per_segment = spec.days, spec.segments

    def test(account: AccountView) -> Outcome:
        last = account.last_touchpoint()
        if last is None:
            return None  # no touchpoint ever recorded: unknown, not silence
        silent = (account.today - last).days
        threshold = per_segment.get(account.segment, default)
        if silent < threshold:
            return False
        return (
            RuleReason("rules.reason.no_touchpoint", {"days": silent, "last": last, "threshold": threshold}),
        )

    return test


def _role_vacant(spec: RoleVacant) -> Test:
    role = spec.role
    key = f"rules.reason.role_vacant.{role.value}"

    def test(account: AccountView) -> Outcome:
        since = account.vacant().get(role)
        if since is not None:
            return (RuleReason(key, {"since": since}),)
        return False if role in account.roles()[0] else None

    return test


def _role_left(spec: RoleLeft) -> Test:
    role, within, since, successor = spec.role, spec.within_days, spec.since, spec.successor
    key = f"rules.reason.role_left.{role.value}"

    def test(account: AccountView) -> Outcome:
        today, people = account.today, account.facts.key_people
        start = since if since is not None else today - timedelta(days=within or 0)
        left = [
            p.left_on
            for p in people
            if p.role is role and p.left_on is not None and start <= p.left_on <= today
        ]
        if not left:
            return False if role in account.roles()[0] else None
        if successor != "any" and (role in account.roles()[1]) != (successor == "present"):
            return False
        return (RuleReason(key, {"left_on": max(left)}),)

    return test


def _grade_at_or_below(spec: GradeAtOrBelow, labels: Labels) -> Test:
    threshold, element = spec.grade, spec.element
    element_label = None if element is None else labels.elements[element]

    def test(account: AccountView) -> Outcome:
        grade = account.grade(element)
        if grade is None:
            return None
        if grade > threshold:
            return False
        if element_label is None:
            return (RuleReason("rules.reason.grade_at_or_below", {"grade": labels.grade(grade)}),)
        params = {"element": element_label, "grade": labels.grade(grade)}
        return (RuleReason("rules.reason.element_grade_at_or_below", params),)

    return test


def _past_grade(history: Sequence[GradePoint], day: date, element: Element | None) -> int | None:
    oldest = day - timedelta(days=HISTORY_TOLERANCE_DAYS)
    for point in reversed(history):
        if point.day <= day:
            return point.grade(element) if point.day >= oldest else None
    return None


def _grade_drop(spec: GradeDrop, labels: Labels) -> Test:
    levels, days, element = spec.levels, spec.days, spec.element
    element_label = None if element is None else labels.elements[element]

    def test(account: AccountView) -> Outcome:
        now = account.grade(element)
        if now is None:
            return None
        before = _past_grade(account.history, account.today - timedelta(days=days), element)
        if before is None:
            return None
        if before - now < levels:
            return False
        params: dict[str, object] = {"before": labels.grade(before), "after": labels.grade(now), "days": days}
        if element_label is None:
            return (RuleReason("rules.reason.grade_drop", params),)
        return (RuleReason("rules.reason.element_grade_drop", {**params, "element": element_label}),)

    return test


def _renewal_within(spec: RenewalWithin) -> Test:
    within = spec.days

    def test(account: AccountView) -> Outcome:
        renewal_on = account.renewal_on
        if renewal_on is None:
            return None
        days = (renewal_on - account.today).days
        if days < 0:
            return None  # a renewal date in the past has not been updated: unknown
        if days > within:
            return False
        return (RuleReason("rules.reason.renewal_within", {"renewal_on": renewal_on, "days": days}),)

    return test


def _onboarding_overdue(spec: OnboardingOverdue) -> Test:
    grace = spec.days

    def test(account: AccountView) -> Outcome:
        onboarding = account.facts.onboarding
        if onboarding is None or onboarding.planned_end is None:
            return None
        today = account.today
        if onboarding.completed_on is not None and onboarding.completed_on <= today:
            return False
        late = (today - onboarding.planned_end).days
        if late <= grace:
            return False
        params = {"planned_end": onboarding.planned_end, "days": late}
        return (RuleReason("rules.reason.onboarding_overdue", params),)

    return test
