"""Per-rule statistics: is a rule worth its noise? (principle 5: few CTAs, each one earning its place)

Plain rows in, one ``RuleStats`` per rule out. Definitions:

* **completion rate** (実施率): CTAs done on or before their due date, over CTAs closed by a person or
  by expiry (done + dismissed + expired). Auto-closed CTAs are left out: their condition cleared (often
  because someone fixed the data the CTA was about), which says nothing about follow-through either way.
* **median days to close**: from opening to closing, over CTAs a person closed (done or dismissed).
* **usefulness shares**: over the CTAs that got feedback (useful / false alarm / too early).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

OPEN, IN_PROGRESS, DONE, DISMISSED, AUTO_CLOSED, EXPIRED = (
    "open",
    "in_progress",
    "done",
    "dismissed",
    "auto_closed",
    "expired",
)
USEFUL, FALSE_ALARM, TOO_EARLY = "useful", "false_alarm", "too_early"
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class CtaOutcome:
    """One CTA as statistics see it. ``closed_on`` is the team's local day of closing."""

    rule_id: str
    status: str
    opened_at: datetime
    due_on: date
    closed_at: datetime | None = None
    closed_on: date | None = None
    usefulness: str | None = None


@dataclass(frozen=True, slots=True)
class RuleStats:
    rule_id: str
    fired: int
    open: int
    done: int
    dismissed: int
    auto_closed: int
    expired: int
    done_on_time: int
    completion_rate: float | None
    """``None`` while nothing counted has closed."""
    median_days_to_close: float | None
    feedback: int
    useful_share: float | None
    false_alarm_share: float | None
    too_early_share: float | None


def rule_stats(outcomes: Iterable[CtaOutcome], rule_ids: Sequence[str] = ()) -> list[RuleStats]:
    """Statistics for ``rule_ids`` (in that order, even with no CTA yet), then any other rule seen."""
    by_rule: dict[str, list[CtaOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_rule[outcome.rule_id].append(outcome)
    order = list(dict.fromkeys([*rule_ids, *sorted(by_rule)]))
    return [_stats(rule_id, by_rule.get(rule_id, [])) for rule_id in order]


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _stats(rule_id: str, outcomes: list[CtaOutcome]) -> RuleStats:
    count: dict[str, int] = defaultdict(int)
    feedback: dict[str, int] = defaultdict(int)
    on_time = 0
    durations: list[float] = []
    for o in outcomes:
        count[o.status] += 1
        if o.usefulness is not None:
            feedback[o.usefulness] += 1
        if o.status == DONE and o.closed_on is not None and o.closed_on <= o.due_on:
            on_time += 1
        if o.status in (DONE, DISMISSED) and o.closed_at is not None:
            durations.append((o.closed_at - o.opened_at).total_seconds() / SECONDS_PER_DAY)
    counted = count[DONE] + count[DISMISSED] + count[EXPIRED]
    rated = sum(feedback.values())
    return RuleStats(
        rule_id=rule_id,
        fired=len(outcomes),
        open=count[OPEN] + count[IN_PROGRESS],
        done=count[DONE],
        dismissed=count[DISMISSED],
        auto_closed=count[AUTO_CLOSED],
        expired=count[EXPIRED],
        done_on_time=on_time,
        completion_rate=_share(on_time, counted),
        median_days_to_close=_median(durations),
        feedback=rated,
        useful_share=_share(feedback[USEFUL], rated),
        false_alarm_share=_share(feedback[FALSE_ALARM], rated),
        too_early_share=_share(feedback[TOO_EARLY], rated),
    )
