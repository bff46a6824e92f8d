"""Business days and working hours (営業日・営業時間): when a nudge may go out, when a CTA is due, when an
alert nobody took escalates.

Pure: the holidays arrive as a set of dates (``bot.calendar`` builds it from the ``holidays`` package
and ``takibi.yml``), and every function takes the moment it asks about; nothing here reads the clock.

Conventions, chosen so the functions agree with one another:

* ``add_business_days(d, n)`` is the n-th business day *after* ``d`` (``d`` itself never counts, even
  when it is a business day): a CTA raised on Friday and due in 1 business day is due on Monday, and
  one raised on Saturday is due on Monday too. ``n = 0`` returns ``d``; a negative ``n`` counts back.
* ``business_days_between(a, b)`` counts the business days in ``(a, b]``, so
  ``business_days_between(d, add_business_days(d, n)) == n``.
* Working time is ``[work_start, work_end)`` on business days, on the local wall clock of ``tz``.
  Every datetime must be aware; a naive one is refused (whose clock would it be?). Results come back
  in ``tz``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

SATURDAY, SUNDAY = 5, 6
ONE_DAY = timedelta(days=1)
MAX_SEARCH_DAYS = 3_660
"""A guard: a calendar with (almost) every day off must not make a search loop for ever."""


class OutsideCalendarError(ValueError):
    """A date outside the years whose holidays the calendar holds: answering would silently ignore them."""


class NaiveDatetimeError(ValueError):
    """A naive datetime was given; working hours are on a wall clock, so the time zone must be known."""


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Which days are business days, and which hours of them are working time.

    ``holidays`` are the days off besides the weekend (national holidays, substitute holidays, company
    days off). ``weekend`` holds ``date.weekday()`` numbers (Monday is 0). ``tz`` is the team's time
    zone; ``None`` reads each datetime on its own wall clock. ``covers``, when given, is the range of
    years the holidays were computed for: asking about another year raises ``OutsideCalendarError``
    instead of answering as if it had no holidays.
    """

    holidays: frozenset[date]
    weekend: frozenset[int] = frozenset({SATURDAY, SUNDAY})
    work_start: time = time(9)
    work_end: time = time(18)
    tz: tzinfo | None = None
    covers: range | None = field(default=None)

    def __post_init__(self) -> None:
        if self.work_start >= self.work_end:
            raise ValueError(f"working hours must end after they start ({self.work_start}–{self.work_end})")
        if self.work_start.tzinfo is not None or self.work_end.tzinfo is not None:
            raise ValueError("working hours are wall-clock times; give the time zone as tz")
        if not set(self.weekend) <= set(range(7)):
            raise ValueError(f"weekend days are 0 (Monday) to 6 (Sunday), got {sorted(self.weekend)}")
        if len(set(self.weekend)) == 7:
            raise ValueError("every day is a weekend day: there would be no business days")
        object.__setattr__(self, "weekend", frozenset(self.weekend))

    # --- days ------------------------------------------------------------------------------------

    def is_business_day(self, d: date) -> bool:
        """Not a weekend day and not a holiday."""
        if self.covers is not None and d.year not in self.covers:
            years = f"{self.covers.start}–{self.covers.stop - 1}"
            raise OutsideCalendarError(f"{d} is outside the calendar's years ({years})")
        return d.weekday() not in self.weekend and d not in self.holidays

    def next_business_day(self, d: date) -> date:
        """The first business day strictly after ``d``."""
        return self.add_business_days(d, 1)

    def add_business_days(self, d: date, n: int) -> date:
        """The n-th business day after ``d`` (before it when ``n`` is negative); ``d`` itself never counts."""
        step = ONE_DAY if n >= 0 else -ONE_DAY
        remaining = abs(n)
        current = d
        days_off = 0
        while remaining:
            current += step
            if self.is_business_day(current):
                remaining -= 1
                days_off = 0
            else:
                days_off += 1
                if days_off > MAX_SEARCH_DAYS:
                    raise OutsideCalendarError(f"no business day within {MAX_SEARCH_DAYS} days of {current}")
        return current

    def business_days_between(self, a: date, b: date) -> int:
        """Business days in ``(a, b]``; negative (``-count`` of ``(b, a]``) when ``b`` is before ``a``."""
        if b < a:
            return -self.business_days_between(b, a)
        return sum(1 for d in _days(a + ONE_DAY, b) if self.is_business_day(d))

    # --- hours -----------------------------------------------------------------------------------

    def is_working_time(self, moment: datetime) -> bool:
        """Within ``[work_start, work_end)`` of a business day, on the team's wall clock."""
        local = self._local(moment)
        return self.is_business_day(local.date()) and self.work_start <= local.time() < self.work_end

    def next_working_time(self, moment: datetime) -> datetime:
        """``moment`` itself if it is working time, else the start of the next working period."""
        local = self._local(moment)
        day = local.date()
        if self.is_business_day(day):
            if local.time() < self.work_start:
                return self._at(day, self.work_start, local)
            if local.time() < self.work_end:
                return local
        return self._at(self.next_business_day(day), self.work_start, local)

    def business_hours_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time elapsed from ``a`` to ``b`` (zero when ``b`` is not after ``a``).

        For "an alert nobody takes within N business hours is escalated": a CTA raised on Friday at
        17:00 has had one business hour by Monday 09:00, two by Monday 10:00.
        """
        start, end = self._local(a), self._local(b)
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        for opens, closes in self._working_periods(start.date(), end.date(), start):
            lower, upper = max(opens, start), min(closes, end)
            if upper > lower:
                total += upper.astimezone(UTC) - lower.astimezone(UTC)
        return total

    def add_business_hours(self, moment: datetime, duration: timedelta) -> datetime:
        """The moment when ``duration`` of working time has passed since ``moment`` (an escalation deadline).

        A zero duration gives the next working moment; the result is always working time or the end of
        a working period (``work_end`` when the duration runs out exactly at closing).
        """
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        current = self.next_working_time(moment)
        remaining = duration
        for _ in range(MAX_SEARCH_DAYS):
            closes = self._at(current.date(), self.work_end, current)
            available = closes.astimezone(UTC) - current.astimezone(UTC)
            if remaining <= available:
                return (current.astimezone(UTC) + remaining).astimezone(current.tzinfo)
            remaining -= available
            current = self._at(self.next_business_day(current.date()), self.work_start, current)
        raise OutsideCalendarError(f"{duration} of working time does not fit in {MAX_SEARCH_DAYS} days")

    # --- helpers ---------------------------------------------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise NaiveDatetimeError(f"naive datetime {moment.isoformat()} refused; attach a time zone")
        return moment.astimezone(self.tz) if self.tz is not None else moment

    def _at(self, day: date, wall: time, like: datetime) -> datetime:
        """``day`` at the wall-clock time ``wall`` in the calendar's zone (or ``like``'s zone)."""
        zone = self.tz if self.tz is not None else like.tzinfo
        return datetime.combine(day, wall, tzinfo=zone)

    def _working_periods(
        self, first: date, last: date, like: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        for day in _days(first, last):
            if self.is_business_day(day):
                yield self._at(day, self.work_start, like), self._at(day, self.work_end, like)


def _days(first: date, last: date) -> Iterable[date]:
    """Every date from ``first`` to ``last``, both included."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)
