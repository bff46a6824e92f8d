"""Is the fire growing or dying? The change of a score against one week and four weeks before.

Takes plain history (date, score) pairs, as stored with each health snapshot; snapshots are not taken
every day without fail, so the value "7 days before" is the latest snapshot on or before that day,
as long as it is not more than ``tolerance_days`` older.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

WEEK = 7
FOUR_WEEKS = 28


@dataclass(frozen=True, slots=True)
class Trend:
    """The current score and its change; ``None`` where either end is unknown."""

    current: float | None
    week_ago: float | None
    four_weeks_ago: float | None
    change_7d: float | None
    change_28d: float | None


def value_on(
    history: Iterable[tuple[date, float | None]], day: date, *, tolerance_days: int = 3
) -> float | None:
    """The latest value dated on or before ``day`` and at most ``tolerance_days`` older than it."""
    points = [(d, v) for d, v in history if d <= day]
    if not points:
        return None
    on, value = max(points, key=lambda p: p[0])
    return value if on >= day - timedelta(days=tolerance_days) else None


def trend(
    current: float | None,
    history: Iterable[tuple[date, float | None]],
    today: date,
    *,
    tolerance_days: int = 3,
) -> Trend:
    """Change of ``current`` against the snapshots 7 and 28 days before ``today``."""
    points = list(history)
    week = value_on(points, today - timedelta(days=WEEK), tolerance_days=tolerance_days)
    month = value_on(points, today - timedelta(days=FOUR_WEEKS), tolerance_days=tolerance_days)
    return Trend(
        current=current,
        week_ago=week,
        four_weeks_ago=month,
        change_7d=None if current is None or week is None else current - week,
        change_28d=None if current is None or month is None else current - month,
    )
