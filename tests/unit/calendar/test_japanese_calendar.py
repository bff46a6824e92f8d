"""The team's calendar: Japanese national holidays (the ``holidays`` package) plus takibi.yml's days off."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import ScheduleError, calendar_around, japanese_calendar, team_timezone
from scoring.calendar import OutsideCalendarError
from scoring.config_schedule import ScheduleConfig

TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULT = ScheduleConfig()
CALENDAR_2026 = japanese_calendar(DEFAULT, [2026], tz=TOKYO)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 12), "成人の日 (Happy Monday)"),
        (date(2026, 2, 23), "天皇誕生日"),
        (date(2026, 3, 20), "春分の日"),
        (date(2026, 4, 29), "昭和の日"),
        (date(2026, 5, 4), "みどりの日"),
        (date(2026, 5, 5), "こどもの日"),
        (date(2026, 5, 6), "振替休日 (憲法記念日 5/3 was a Sunday)"),
        (date(2026, 7, 20), "海の日"),
        (date(2026, 9, 21), "敬老の日"),
        (date(2026, 9, 22), "国民の休日 (between two holidays)"),
        (date(2026, 9, 23), "秋分の日"),
        (date(2026, 11, 3), "文化の日"),
        (date(2026, 11, 23), "勤労感謝の日"),
    ],
)
def test_japanese_national_holidays_of_2026_are_days_off(day: date, name: str) -> None:
    assert day.weekday() < 5, name  # each one falls on a weekday: only the holiday makes it a day off
    assert not CALENDAR_2026.is_business_day(day), name


def test_golden_week_2026_leaves_two_business_days_in_nine() -> None:
    # Wed 4/29 holiday … Wed 5/6 substitute holiday: only Thu 4/30 and Fri 5/1 are business days.
    golden_week = [date(2026, 4, 29) + timedelta(days=i) for i in range(8)]
    assert [d for d in golden_week if CALENDAR_2026.is_business_day(d)] == [
        date(2026, 4, 30),
        date(2026, 5, 1),
    ]


def test_ordinary_weekdays_around_the_holidays_are_business_days() -> None:
    for day in (date(2026, 11, 24), date(2026, 5, 7), date(2026, 9, 24)):
        assert CALENDAR_2026.is_business_day(day)


def test_the_year_end_company_holidays_are_days_off_every_year() -> None:
    calendar = japanese_calendar(DEFAULT, [2026, 2027], tz=TOKYO)
    assert not calendar.is_business_day(date(2026, 12, 29))  # Tuesday
    assert calendar.is_business_day(date(2027, 1, 4))  # Monday: back at work
    assert not calendar.is_business_day(date(2027, 1, 1))
    assert calendar.next_business_day(date(2026, 12, 28)) == date(2027, 1, 4)


def test_one_off_and_bare_date_company_holidays() -> None:
    schedule = ScheduleConfig.model_validate(
        {"extra_holidays": [{"start": date(2026, 8, 13), "end": date(2026, 8, 14)}, date(2026, 10, 30)]}
    )
    calendar = japanese_calendar(schedule, [2026], tz=TOKYO)
    assert not calendar.is_business_day(date(2026, 8, 13))
    assert not calendar.is_business_day(date(2026, 8, 14))
    assert not calendar.is_business_day(date(2026, 10, 30))
    assert calendar.is_business_day(date(2026, 12, 29))  # the default year-end was replaced


def test_holidays_none_keeps_only_the_weekend_and_company_days_off() -> None:
    calendar = japanese_calendar(ScheduleConfig(holidays="none", extra_holidays=()), [2026], tz=TOKYO)
    assert calendar.is_business_day(date(2026, 11, 23))


def test_working_hours_come_from_the_schedule() -> None:
    schedule = ScheduleConfig.model_validate({"working_hours": {"start": "09:30", "end": 18}})
    calendar = japanese_calendar(schedule, [2026], tz=TOKYO)
    assert (calendar.work_start, calendar.work_end) == (time(9, 30), time(18))
    assert not calendar.is_working_time(datetime(2026, 11, 24, 9, 15, tzinfo=TOKYO))


def test_a_calendar_refuses_dates_outside_its_years() -> None:
    with pytest.raises(OutsideCalendarError):
        CALENDAR_2026.is_business_day(date(2027, 3, 1))


def test_calendar_around_covers_the_year_either_side() -> None:
    calendar = calendar_around(DEFAULT, datetime(2026, 12, 31, 20, 0, tzinfo=TOKYO), TOKYO)
    assert calendar.covers == range(2025, 2028)
    assert calendar.add_business_days(date(2026, 12, 28), 1) == date(2027, 1, 4)


def test_the_schedule_time_zone_wins_over_the_default() -> None:
    assert team_timezone(DEFAULT, "Asia/Tokyo") == TOKYO
    assert team_timezone(ScheduleConfig(timezone="Europe/Paris"), "Asia/Tokyo") == ZoneInfo("Europe/Paris")


def test_an_unknown_time_zone_is_refused_with_its_setting_name() -> None:
    with pytest.raises(ScheduleError, match=r"schedule\.timezone.*Asia/Tokio"):
        team_timezone(ScheduleConfig(timezone="Asia/Tokio"), "Asia/Tokyo")
