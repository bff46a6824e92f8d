"""Once lit is not safe: answers and usage values age out, and key people leave.

The rules live here so the scoring hot path and anything that explains staleness (nudges, the status
card) agree on one definition: a value dated ``d`` is fresh on ``today`` while ``today - d <= max_age``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from scoring.model import KeyPerson, MetricSeries, Role


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    MISSING = "missing"


def fresh_from(today: date, max_age_days: int) -> date:
    """The oldest date still fresh on ``today``: anything dated before it is stale."""
    return today - timedelta(days=max_age_days)


def is_fresh(on: date, today: date, max_age_days: int) -> bool:
    return on >= fresh_from(today, max_age_days)


@dataclass(frozen=True, slots=True)
class Reading:
    """The latest value of a series as seen on one day, and whether it may still be used."""

    freshness: Freshness
    on: date | None = None
    value: float | None = None


def latest_reading(series: MetricSeries | None, today: date, fresh_days: int) -> Reading:
    """The latest value on or before ``today``; stale when older than ``fresh_days``."""
    point = None if series is None else series.latest(today)
    if point is None:
        return Reading(Freshness.MISSING)
    on, value = point
    return Reading(Freshness.FRESH if is_fresh(on, today, fresh_days) else Freshness.STALE, on, value)


def vacancies(people: Iterable[KeyPerson], today: date) -> dict[Role, date]:
    """Roles whose every holder has left by ``today``, with the day the last one left.

    A role nobody was ever recorded in is not vacant, only unknown: we only know a seat is empty when
    someone was seen leaving it.
    """
    left: dict[Role, date] = {}
    held: set[Role] = set()
    for person in people:
        if person.since is not None and person.since > today:
            continue
        if person.left_on is None or person.left_on > today:
            held.add(person.role)
        elif person.role not in left or person.left_on > left[person.role]:
            left[person.role] = person.left_on
    return {role: since for role, since in left.items() if role not in held} if held else left
