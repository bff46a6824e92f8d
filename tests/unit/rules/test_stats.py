"""Per-rule statistics from plain CTA outcomes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from scoring.rules_stats import CtaOutcome, rule_stats

OPENED = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
DUE = date(2026, 11, 9)


def closed(status: str, days: float, *, usefulness: str | None = None, rule_id: str = "a") -> CtaOutcome:
    at = OPENED + timedelta(days=days)
    return CtaOutcome(rule_id, status, OPENED, DUE, at, at.date(), usefulness)


def test_counts_rates_median_and_shares() -> None:
    outcomes = [
        closed("done", 2, usefulness="useful"),
        closed("done", 10, usefulness="too_early"),  # done after its due date
        closed("dismissed", 1, usefulness="false_alarm"),
        closed("expired", 40),
        closed("auto_closed", 3),
        CtaOutcome("a", "open", OPENED, DUE),
        CtaOutcome("a", "in_progress", OPENED, DUE, usefulness=None),
    ]
    (stats,) = rule_stats(outcomes, ["a"])
    assert (stats.fired, stats.open, stats.done, stats.dismissed, stats.auto_closed, stats.expired) == (
        7,
        2,
        2,
        1,
        1,
        1,
    )
    assert stats.done_on_time == 1
    assert stats.completion_rate == 1 / 4  # done on time / (done + dismissed + expired)
    assert stats.median_days_to_close == 2  # over done and dismissed: 1, 2, 10
    assert stats.feedback == 3
    assert (stats.useful_share, stats.false_alarm_share, stats.too_early_share) == (1 / 3, 1 / 3, 1 / 3)


def test_configured_rules_come_first_even_without_ctas_then_the_others() -> None:
    result = rule_stats([closed("done", 1, rule_id="old")], ["b", "a"])
    assert [s.rule_id for s in result] == ["b", "a", "old"]
    empty = result[0]
    assert (empty.fired, empty.completion_rate, empty.median_days_to_close, empty.useful_share) == (
        0,
        None,
        None,
        None,
    )


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    (stats,) = rule_stats([closed("done", 1), closed("done", 3)], ["a"])
    assert stats.median_days_to_close == 2
