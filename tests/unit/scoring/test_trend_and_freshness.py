"""Trend against one and four weeks before; staleness and key-person vacancies."""

from __future__ import annotations

from datetime import date, timedelta

from scoring.freshness import Freshness, fresh_from, is_fresh, latest_reading, vacancies
from scoring.model import KeyPerson, MetricSeries, Role
from scoring.trend import trend, value_on

TODAY = date(2024, 11, 15)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def test_trend_against_seven_and_twenty_eight_days() -> None:
    history = [(ago(28), 40.0), (ago(7), 55.0), (ago(1), 58.0)]
    result = trend(60.0, history, TODAY)
    assert (result.week_ago, result.four_weeks_ago) == (55.0, 40.0)
    assert (result.change_7d, result.change_28d) == (5.0, 20.0)


def test_trend_uses_the_latest_snapshot_within_tolerance() -> None:
    history = [(ago(9), 50.0), (ago(40), 30.0)]
    result = trend(60.0, history, TODAY)
    assert result.change_7d == 10.0
    assert result.change_28d is None  # 40 days back is too far from 28


def test_trend_without_a_current_score() -> None:
    result = trend(None, [(ago(7), 50.0)], TODAY)
    assert result.change_7d is None


def test_value_on_ignores_later_snapshots() -> None:
    assert value_on([(ago(5), 1.0), (ago(8), 2.0)], ago(7)) == 2.0


def test_freshness_boundary_is_inclusive() -> None:
    assert fresh_from(TODAY, 14) == ago(14)
    assert is_fresh(ago(14), TODAY, 14)
    assert not is_fresh(ago(15), TODAY, 14)


def test_latest_reading() -> None:
    series = MetricSeries.from_points({ago(20): 0.5, ago(3): 0.7, TODAY + timedelta(days=1): 0.9})
    assert latest_reading(series, TODAY, 14).value == 0.7
    assert latest_reading(series, TODAY, 2).freshness is Freshness.STALE
    assert latest_reading(None, TODAY, 2).freshness is Freshness.MISSING


def test_vacancy_needs_someone_seen_leaving() -> None:
    people = [
        KeyPerson(Role.PL, since=ago(300), left_on=ago(40)),
        KeyPerson(Role.PL, since=ago(500), left_on=ago(300)),
        KeyPerson(Role.PO, since=ago(300)),
        KeyPerson(Role.CHAMPION, since=ago(100), left_on=ago(10)),
        KeyPerson(Role.CHAMPION, since=TODAY + timedelta(days=5)),
    ]
    assert vacancies(people, TODAY) == {Role.PL: ago(40), Role.CHAMPION: ago(10)}


def test_leaving_in_the_future_is_not_yet_vacant() -> None:
    assert vacancies([KeyPerson(Role.PO, left_on=TODAY + timedelta(days=3))], TODAY) == {}
