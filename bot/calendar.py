"""The team's business calendar: Japanese national holidays from the ``holidays`` package, plus the
weekend, working hours and company days off of ``takibi.yml``'s ``schedule`` section.

The only module that imports ``holidays``. Its ``Japan`` calendar follows the 祝日法: national holidays,
substitute holidays (振替休日) and citizens' holidays (国民の休日, e.g. 2026-09-22), for 1949–2099.
A calendar is built for the years asked for and refuses dates outside them (``OutsideCalendarError``)
rather than answering as if those years had no holidays; :func:`calendar_around` covers the year
before and after a moment, which is what a job run needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from holidays.countries.japan import Japan

from bot.settings import SettingsError
from scoring.calendar import BusinessCalendar
from scoring.config_schedule import ScheduleConfig


class ScheduleError(SettingsError):
    """The schedule cannot be used (an unknown time zone, a job without a schedule); one printable line."""


def team_timezone(schedule: ScheduleConfig, default: tzinfo | str) -> tzinfo:
    """``schedule.timezone`` when the file sets one, else ``default`` (``TAKIBI_TIMEZONE``).

    The file's name is only checked for its shape when the file loads (``scoring`` reads no tz
    database); an unknown one is refused here, when the app starts.
    """
    name = schedule.timezone
    if name is None:
        return ZoneInfo(default) if isinstance(default, str) else default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"takibi.yml schedule.timezone: unknown time zone {name!r} (e.g. Asia/Tokyo)"
        raise ScheduleError(message) from None


def japanese_calendar(
    schedule: ScheduleConfig, years: Iterable[int], *, tz: tzinfo | None = None
) -> BusinessCalendar:
    """The business calendar for ``years`` (each year in between included) in the time zone ``tz``."""
    wanted = sorted(set(years))
    if not wanted:
        raise ValueError("a calendar needs at least one year")
    covered = range(wanted[0], wanted[-1] + 1)
    return _build(schedule, covered.start, covered.stop, tz)


def calendar_around(schedule: ScheduleConfig, moment: datetime, default_tz: tzinfo | str) -> BusinessCalendar:
    """A calendar covering the year of ``moment`` and the years either side of it, in the team's time
    zone (:func:`team_timezone`: the file's ``schedule.timezone``, else ``default_tz``)."""
    tz = team_timezone(schedule, default_tz)
    year = moment.astimezone(tz).year
    return _build(schedule, year - 1, year + 2, tz)


@lru_cache(maxsize=32)
def _build(schedule: ScheduleConfig, first_year: int, stop_year: int, tz: tzinfo | None) -> BusinessCalendar:
    """Cached: the configuration is frozen, and the holidays package takes milliseconds per year."""
    covered = range(first_year, stop_year)
    days_off = set(schedule.extra_holiday_dates(covered))
    if schedule.holidays == "japan":
        days_off |= set(Japan(years=covered))
    return BusinessCalendar(
        holidays=frozenset(days_off),
        weekend=schedule.weekend_days,
        work_start=schedule.working_hours.start_time,
        work_end=schedule.working_hours.end_time,
        tz=tz,
        covers=covered,
    )
