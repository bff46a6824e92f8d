"""The pure cron check (``scoring`` may not import APScheduler) never lets through what APScheduler refuses.

It is a strict subset on purpose: weekday numbers and steps on names are refused although APScheduler 3
takes them (the first means another day than in cron, the second is silently dropped).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.config_schedule import cron_error

TOKYO = ZoneInfo("Asia/Tokyo")
START = datetime(2026, 11, 24, tzinfo=TOKYO)

# (low, high, names) per field: minute, hour, day, month, weekday; values stray a little out of range.
_DOMAINS = (
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ("last",)),
    (1, 12, ("jan", "feb", "jun", "DEC", "xyz")),
    (0, 6, ("mon", "tue", "fri", "SAT", "sun", "xyz")),
)


_JUNK = ("", "?", "-", "1-", "*-1", "1//2", "L", "５", "last")


def _field(low: int, high: int, names: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Mostly in range and well formed, with a little of everything that is not."""
    number = st.integers(min_value=max(low - 1, 0), max_value=high + 1).map(str)
    value = st.one_of(number, st.sampled_from(names)) if names else number
    step = st.integers(min_value=0, max_value=high + 1).map(str)
    well_formed = st.one_of(
        st.just("*"),
        step.map("*/{}".format),
        value,
        st.tuples(value, value).map("-".join),
        st.tuples(value, value, step).map(lambda t: f"{t[0]}-{t[1]}/{t[2]}"),
        st.tuples(value, step).map("/".join),
    )
    item = st.one_of(well_formed, well_formed, well_formed, st.sampled_from(_JUNK))
    return st.lists(item, min_size=1, max_size=2).map(",".join)


_EXPRESSION = st.tuples(*(_field(*domain) for domain in _DOMAINS)).flatmap(
    lambda fields: st.sampled_from([" ".join(fields), " ".join(fields[:4]), " ".join((*fields, "*"))])
)
"""Anything cron-shaped: most of it refused."""


def _plausible_field(low: int, high: int, names: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Ordered ranges and steps that fit, so that most lines are valid for both."""
    bounds = st.tuples(st.integers(low, high), st.integers(low, high)).map(sorted)
    named = st.sampled_from([n for n in names if n != "xyz"]) if names else st.nothing()
    item = st.one_of(
        st.just("*"),
        st.integers(1, high - low).map("*/{}".format),
        st.integers(low, high).map(str),
        named,
        bounds.map(lambda b: f"{b[0]}-{b[1]}"),
        bounds.filter(lambda b: b[1] > b[0]).flatmap(
            lambda b: st.integers(1, b[1] - b[0]).map(lambda step: f"{b[0]}-{b[1]}/{step}")
        ),
    )
    return st.lists(item, min_size=1, max_size=3).map(",".join)


_PLAUSIBLE = st.tuples(
    *(_plausible_field(*domain) for domain in _DOMAINS[:4]),
    st.sampled_from(["*", "mon-fri", "sat,sun", "mon", "tue-thu", "1-5"]),
).map(" ".join)
"""Mostly valid lines (the day-of-month/month pairs that never fire and weekday numbers aside)."""


def _apscheduler_accepts(expression: str) -> bool:
    try:
        CronTrigger.from_crontab(expression, timezone=TOKYO)
    except ValueError:
        return False
    return True


@settings(max_examples=300)
@given(st.one_of(_EXPRESSION, _PLAUSIBLE))
def test_what_the_check_accepts_apscheduler_accepts(expression: str) -> None:
    if cron_error(expression) is None:
        assert _apscheduler_accepts(expression)
        assert CronTrigger.from_crontab(expression, timezone=TOKYO).get_next_fire_time(None, START)


@pytest.mark.parametrize(
    "expression",
    ["0 5 * * *", "30 9 * * mon-fri", "0 8 * * mon", "*/10 9-17 * * mon-fri", "0 0 last * *", "0 0 29 2 *"],
)
def test_accepted_lines_fire(expression: str) -> None:
    assert cron_error(expression) is None
    assert CronTrigger.from_crontab(expression, timezone=TOKYO).get_next_fire_time(None, START) is not None


@pytest.mark.parametrize("expression", ["30 9 * * 1-5", "30 9 * * mon-fri/2", "0 5 * * 0"])
def test_traps_apscheduler_takes_are_refused(expression: str) -> None:
    assert _apscheduler_accepts(expression)
    assert cron_error(expression) is not None


def test_weekday_numbers_mean_other_days_in_apscheduler_3() -> None:
    """Why numbers are refused: "1-5" (Mon–Fri in cron) fires on a Saturday in APScheduler 3."""
    trigger = CronTrigger.from_crontab("0 9 * * 1-5", timezone=TOKYO)
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=TOKYO)
    assert trigger.get_next_fire_time(None, friday).weekday() == 5  # Saturday
