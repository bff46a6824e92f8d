"""The CTA rules engine: which rules fire on an account today, and why.

``compile_rules`` turns the ``rules`` and ``cta`` sections into plain closures once per configuration;
``evaluate`` runs them on one account's facts, its health result of the day and its grade history, and
returns a ``RuleHit`` per rule that fired, each with the reasons that fired it (catalog keys and values,
for the alert and for ``takibi rules preview``) and its due date in business days.

Missing data never raises a risk CTA: every check is three-valued (satisfied, not, unknown; see
``scoring.rules_checks``) and unknown never counts as satisfied. ``check`` also reports which rules
were undecided, so an open CTA is auto-closed only when its condition is known to be cleared, never
because its data went missing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from scoring.calendar import BusinessCalendar
from scoring.config_rules import (
    Change,
    Condition,
    CtaSettings,
    Priority,
    Rule,
)
from scoring.model import ELEMENTS, AccountFacts, Element, HealthResult, Text
from scoring.rules_checks import (
    HISTORY_TOLERANCE_DAYS,
    AccountView,
    GradePoint,
    Labels,
    RuleReason,
    Test,
    compile_condition,
)

if TYPE_CHECKING:
    from scoring.config import TakibiConfig

__all__ = [
    "CompiledRule",
    "CompiledRules",
    "GradePoint",
    "Priority",
    "RuleCheck",
    "RuleHit",
    "RuleReason",
    "check",
    "compile_rules",
    "due_on",
    "evaluate",
    "rules_version",
]

# --- plain data in and out -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule firing on one account: what to open a CTA with."""

    rule_id: str
    priority: Priority
    due_on: date
    reasons: tuple[RuleReason, ...]


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """All rules run on one account: those that fired, and those that could not be decided."""

    hits: tuple[RuleHit, ...]
    undetermined: frozenset[str]


# --- compiled rules ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRule:
    """A rule ready to run; ``test`` is its condition as a closure over the configuration."""

    id: str
    title: Text
    element: Element | None
    priority: Priority
    due_business_days: int
    playbook: tuple[Text, ...]
    enabled: bool
    cooldown_days: int
    test: Test = field(repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRules:
    """Every rule of one configuration, and the CTA settings they run under."""

    version: str
    rules: tuple[CompiledRule, ...]
    enabled: tuple[CompiledRule, ...]
    """The rules that run; switched-off ones only run in a preview."""
    settings: CtaSettings
    history_days: int
    """How many days of grade history the rules look back (0 when none needs history)."""
    metric_days: Mapping[str, int]
    """Per metric whose change a rule checks, how many days of values before today it reads."""
    by_id: Mapping[str, CompiledRule] = field(repr=False)

    def get(self, rule_id: str) -> CompiledRule | None:
        return self.by_id.get(rule_id)

    def channel_for(self, segment: str, account_channel: str | None = None) -> str | None:
        """Where an account's alerts go: its own channel, else its segment's, else the default."""
        if account_channel:
            return account_channel
        return self.settings.channels.get(segment, self.settings.default_channel)

    def lead_for(self, segment: str) -> str | None:
        return self.settings.segment_leads.get(segment)


def due_on(calendar: BusinessCalendar, today: date, business_days: int) -> date:
    """The due date of a CTA opened on ``today``: ``business_days`` business days later."""
    return calendar.add_business_days(today, business_days)


@lru_cache(maxsize=64)
def _due_dates(rules: CompiledRules, calendar: BusinessCalendar, today: date) -> dict[int, date]:
    """Every due date the rules can give on ``today``, computed once per day, not once per hit."""
    return {n: due_on(calendar, today, n) for n in {rule.due_business_days for rule in rules.rules}}


def rules_version(config: TakibiConfig) -> str:
    """A short hash of the ``rules`` and ``cta`` sections, recorded on every CTA they raise."""
    data = config.model_dump(mode="json", include={"rules", "cta"}, exclude_defaults=True)
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


def compile_rules(config: TakibiConfig) -> CompiledRules:
    """Turn the validated ``rules`` and ``cta`` sections into closures; build once per configuration."""
    labels = Labels(
        metrics={m.id: (m.label.text(), m.unit, m.fresh_days) for m in config.fire.metrics},
        grades=tuple(g.label.text() for g in sorted(config.grades, key=lambda g: g.grade)),
        elements={e: config.elements.get(e).label.text() for e in ELEMENTS},
    )
    compiled = tuple(_compile_rule(rule, labels) for rule in config.rules)
    history_days = max((_history_days(rule.condition) for rule in config.rules), default=0)
    metric_days: dict[str, int] = {}
    for rule in config.rules:
        for change in _changes(rule.condition):
            needed = change.days + labels.metrics[change.metric][2]
            metric_days[change.metric] = max(metric_days.get(change.metric, 0), needed)
    return CompiledRules(
        version=rules_version(config),
        rules=compiled,
        enabled=tuple(rule for rule in compiled if rule.enabled),
        settings=config.cta,
        history_days=history_days,
        metric_days=MappingProxyType(metric_days),
        by_id=MappingProxyType({rule.id: rule for rule in compiled}),
    )


def _history_days(condition: Condition) -> int:
    days = 0
    if condition.grade_drop is not None:
        days = condition.grade_drop.days + HISTORY_TOLERANCE_DAYS
    for group in (condition.all or (), condition.any or ()):
        for child in group:
            days = max(days, _history_days(child))
    return days


def _changes(condition: Condition) -> Iterator[Change]:
    if condition.change is not None:
        yield condition.change
    for group in (condition.all or (), condition.any or ()):
        for child in group:
            yield from _changes(child)


def _compile_rule(rule: Rule, labels: Labels) -> CompiledRule:
    return CompiledRule(
        id=rule.id,
        title=rule.title.text(),
        element=rule.element,
        priority=rule.priority,
        due_business_days=rule.due_business_days,
        playbook=tuple(step.text() for step in rule.playbook),
        enabled=rule.enabled,
        cooldown_days=rule.cooldown_days,
        test=compile_condition(rule.condition, labels),
    )


# --- running -------------------------------------------------------------------------------------


def check(
    facts: AccountFacts,
    health: HealthResult,
    history: Sequence[GradePoint],
    rules: CompiledRules,
    today: date,
    *,
    calendar: BusinessCalendar,
    renewal_on: date | None = None,
    only: Collection[CompiledRule] | None = None,
) -> RuleCheck:
    """Run the enabled rules (or ``only`` those given, enabled or not) on one account as of ``today``.

    ``history`` is the account's grade snapshots before today, oldest first; ``renewal_on`` its renewal
    date; ``calendar`` the team's business days, for due dates. Pure: the same inputs give the same
    result.
    """
    account = AccountView(facts, health, history, today, renewal_on)
    hits: list[RuleHit] = []
    undetermined: list[str] = []
    due: dict[int, date] | None = None
    for rule in rules.enabled if only is None else only:
        outcome = rule.test(account)
        if outcome is None:
            undetermined.append(rule.id)
        elif outcome is not False:
            if due is None:
                due = _due_dates(rules, calendar, today)
            hits.append(RuleHit(rule.id, rule.priority, due[rule.due_business_days], outcome))
    return RuleCheck(tuple(hits), frozenset(undetermined))


def evaluate(
    facts: AccountFacts,
    health: HealthResult,
    history: Sequence[GradePoint],
    rules: CompiledRules,
    today: date,
    *,
    calendar: BusinessCalendar,
    renewal_on: date | None = None,
    only: Collection[CompiledRule] | None = None,
) -> list[RuleHit]:
    """The rules that fire on one account today, each with its reasons and due date."""
    result = check(facts, health, history, rules, today, calendar=calendar, renewal_on=renewal_on, only=only)
    return list(result.hits)
