"""The pure business calendar: business days, working hours and business hours, with a fixed holiday set."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.calendar import BusinessCalendar, NaiveDatetimeError, OutsideCalendarError

TOKYO = ZoneInfo("Asia/Tokyo")
# 2026-11: Mon 23 is 勤労感謝の日; Sat 28 / Sun 29 weekend.
LABOR_THANKSGIVING = date(2026, 11, 23)
CALENDAR = BusinessCalendar(holidays=frozenset({LABOR_THANKSGIVING}), tz=TOKYO)


def tokyo(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


# --- days -----------------------------------------------------------------------------------------


def test_weekdays_are_business_days_and_weekends_and_holidays_are_not() -> None:
    assert CALENDAR.is_business_day(date(2026, 11, 24))  # Tuesday
    assert not CALENDAR.is_business_day(date(2026, 11, 28))  # Saturday
    assert not CALENDAR.is_business_day(date(2026, 11, 29))  # Sunday
    assert not CALENDAR.is_business_day(LABOR_THANKSGIVING)  # a Monday holiday


def test_a_custom_weekend_is_respected() -> None:
    friday_saturday = BusinessCalendar(holidays=frozenset(), weekend=frozenset({4, 5}))
    assert friday_saturday.is_business_day(date(2026, 11, 29))  # Sunday
    assert not friday_saturday.is_business_day(date(2026, 11, 27))  # Friday


def test_add_business_days_skips_the_weekend_and_the_holiday() -> None:
    friday = date(2026, 11, 20)
    assert CALENDAR.add_business_days(friday, 1) == date(2026, 11, 24)  # Sat, Sun, holiday Mon skipped
    assert CALENDAR.add_business_days(friday, 3) == date(2026, 11, 26)


def test_add_business_days_from_a_day_off_counts_from_the_next_business_day() -> None:
    assert CALENDAR.add_business_days(date(2026, 11, 21), 1) == date(2026, 11, 24)  # from Saturday


def test_add_zero_business_days_is_the_same_day_and_negative_counts_back() -> None:
    assert CALENDAR.add_business_days(date(2026, 11, 22), 0) == date(2026, 11, 22)
    assert CALENDAR.add_business_days(date(2026, 11, 24), -1) == date(2026, 11, 20)


def test_next_business_day_is_strictly_after() -> None:
    assert CALENDAR.next_business_day(date(2026, 11, 24)) == date(2026, 11, 25)
    assert CALENDAR.next_business_day(date(2026, 11, 20)) == date(2026, 11, 24)


def test_business_days_between_counts_the_half_open_interval() -> None:
    assert CALENDAR.business_days_between(date(2026, 11, 20), date(2026, 11, 24)) == 1
    assert CALENDAR.business_days_between(date(2026, 11, 20), date(2026, 11, 30)) == 5
    assert CALENDAR.business_days_between(date(2026, 11, 24), date(2026, 11, 24)) == 0
    assert CALENDAR.business_days_between(date(2026, 11, 24), date(2026, 11, 20)) == -1


@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_business_days_between_inverts_add_business_days(start: date, n: int) -> None:
    end = CALENDAR.add_business_days(start, n)
    assert CALENDAR.business_days_between(start, end) == n
    assert n == 0 or CALENDAR.is_business_day(end)


def test_a_calendar_refuses_years_it_holds_no_holidays_for() -> None:
    calendar = BusinessCalendar(holidays=frozenset(), covers=range(2025, 2028))
    assert calendar.is_business_day(date(2027, 12, 31))
    with pytest.raises(OutsideCalendarError):
        calendar.is_business_day(date(2028, 1, 4))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"work_start": time(18), "work_end": time(9)},
        {"weekend": frozenset(range(7))},
        {"weekend": frozenset({7})},
    ],
)
def test_nonsense_calendars_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        BusinessCalendar(holidays=frozenset(), **kwargs)  # type: ignore[arg-type]


# --- hours ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        (tokyo(2026, 11, 24, 8, 59, second=59), False),
        (tokyo(2026, 11, 24, 9, 0), True),  # start included
        (tokyo(2026, 11, 24, 17, 59, second=59), True),
        (tokyo(2026, 11, 24, 18, 0), False),  # end excluded
        (tokyo(2026, 11, 23, 10, 0), False),  # holiday
        (tokyo(2026, 11, 28, 10, 0), False),  # Saturday
    ],
)
def test_working_time_edges(moment: datetime, working: bool) -> None:
    assert CALENDAR.is_working_time(moment) is working


def test_working_time_is_read_on_the_teams_wall_clock() -> None:
    # 00:30 UTC is 09:30 in Tokyo.
    assert CALENDAR.is_working_time(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))
    assert not CALENDAR.is_working_time(datetime(2026, 11, 24, 9, 30, tzinfo=UTC))  # 18:30 in Tokyo


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        CALENDAR.is_working_time(datetime(2026, 11, 24, 10, 0))


def test_next_working_time() -> None:
    assert CALENDAR.next_working_time(tokyo(2026, 11, 24, 10, 15)) == tokyo(2026, 11, 24, 10, 15)
    assert CALENDAR.next_working_time(tokyo(2026, 11, 24, 7, 0)) == tokyo(2026, 11, 24, 9, 0)
    assert CALENDAR.next_working_time(tokyo(2026, 11, 24, 18, 0)) == tokyo(2026, 11, 25, 9, 0)
    # Friday evening → Tuesday morning (weekend and the Monday holiday skipped).
    assert CALENDAR.next_working_time(tokyo(2026, 11, 20, 19, 0)) == tokyo(2026, 11, 24, 9, 0)


def test_business_hours_across_a_weekend_and_a_holiday() -> None:
    # Friday 17:00 → Tuesday 10:30: one hour on Friday, 1.5 on Tuesday.
    elapsed = CALENDAR.business_hours_between(tokyo(2026, 11, 20, 17, 0), tokyo(2026, 11, 24, 10, 30))
    assert elapsed == timedelta(hours=2, minutes=30)


def test_business_hours_outside_working_time_are_zero() -> None:
    assert CALENDAR.business_hours_between(
        tokyo(2026, 11, 20, 18, 0), tokyo(2026, 11, 24, 9, 0)
    ) == timedelta(0)
    assert CALENDAR.business_hours_between(
        tokyo(2026, 11, 24, 12, 0), tokyo(2026, 11, 24, 11, 0)
    ) == timedelta(0)


def test_a_full_business_day_has_nine_hours() -> None:
    elapsed = CALENDAR.business_hours_between(tokyo(2026, 11, 24, 0, 0), tokyo(2026, 11, 25, 0, 0))
    assert elapsed == timedelta(hours=9)


def test_add_business_hours_gives_the_escalation_deadline() -> None:
    # Raised Friday 17:00, escalate after 8 business hours: 1 h on Friday, 7 h on Tuesday → 16:00.
    deadline = CALENDAR.add_business_hours(tokyo(2026, 11, 20, 17, 0), timedelta(hours=8))
    assert deadline == tokyo(2026, 11, 24, 16, 0)
    # Exactly the rest of the day ends at closing time, not the next morning.
    assert CALENDAR.add_business_hours(tokyo(2026, 11, 24, 17, 0), timedelta(hours=1)) == tokyo(
        2026, 11, 24, 18, 0
    )


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 5),
        max_value=datetime(2026, 12, 20),
        timezones=st.just(TOKYO),
    ),
    minutes=st.integers(min_value=0, max_value=60 * 40),
)
def test_business_hours_between_inverts_add_business_hours(start: datetime, minutes: int) -> None:
    duration = timedelta(minutes=minutes)
    deadline = CALENDAR.add_business_hours(start, duration)
    assert CALENDAR.business_hours_between(start, deadline) == duration
