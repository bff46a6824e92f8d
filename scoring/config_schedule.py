"""The ``schedule`` section of ``takibi.yml``: when the scheduled jobs run, and which days and hours are
business time (営業日・営業時間) for nudges, reminders and escalations.

Every part has a default a Japanese CS team can start with (Asia/Tokyo, 9:00–18:00, Saturday and Sunday
off, Japanese national holidays, 年末年始 12/29–1/3), so a file without the section still schedules
everything. A job written with only some keys (``nudges: {enabled: false}``) keeps the defaults of the
others.

Cron expressions use the five fields of APScheduler's ``CronTrigger.from_crontab`` (minute hour day
month weekday) and are checked here, without APScheduler, because ``scoring`` imports no I/O library.
The check accepts a strict subset of what APScheduler 3 accepts (a test holds the two together) and
refuses two traps:

* weekday *numbers*: APScheduler 3 counts 0 as Monday where cron counts 0 as Sunday, so a ``1-5``
  copied from a crontab would run Tuesday to Saturday. Weekdays are written as names (``mon-fri``).
* a step on names (``mon-fri/2``), which APScheduler 3 silently reads as ``mon-fri``.

Note that when both the day and the weekday are restricted, APScheduler (unlike cron) requires both:
``0 9 1-7 * mon`` is the first Monday of the month.

This module stands alone (it imports nothing from ``scoring.config``), so the two can import each other
in either order; ``scoring.config`` adds the section to ``TakibiConfig`` and wraps the problems found
here (paths relative to the section) into its ``ConfigProblem``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from scoring.model import Text

Loc = tuple[str | int, ...]
JobName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS: tuple[str, ...] = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DIGITS = frozenset("0123456789")
_MAX_HOLIDAY_SPAN_DAYS = 366


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _time_text(value: object) -> object:
    """Whole hours may be written as numbers (``9``); anything else numeric is kept for the check.

    YAML 1.1 reads an unquoted ``18:00`` as the sexagesimal number 1080, so a number outside 0–23 is
    turned into text and refused with a message that says to put the time in quotes.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:02d}:00" if 0 <= value <= 23 else str(value)
    return value


class WorkingHours(_Model):
    """Working hours on the team's wall clock: ``start`` included, ``end`` excluded (``"09:30"`` or ``9``)."""

    start: str = "09:00"
    end: str = "18:00"

    @field_validator("start", "end", mode="before")
    @classmethod
    def _hours_as_text(cls, value: object) -> object:
        return _time_text(value)

    @property
    def start_time(self) -> time:
        return _parse_clock(self.start) or time(9)

    @property
    def end_time(self) -> time:
        return _parse_clock(self.end) or time(18)


class ExtraHoliday(_Model):
    """A company day off, or a run of them.

    ``start``/``end`` as ``MM-DD`` repeat every year (``12-29`` to ``01-03`` wraps over the new year);
    as dates (``2026-08-13``) they are one-off. ``end`` defaults to ``start``. In the list, a bare date
    is short for ``{start: <date>}``.
    """

    start: str
    end: str | None = None
    label: NonEmpty | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _dates_as_text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, date) else value


class CronJob(_Model):
    """A job fired by a cron expression; ``then`` lists jobs to run right after it succeeds."""

    enabled: bool = True
    cron: str
    then: tuple[JobName, ...] = ()


class IntervalJob(_Model):
    """A job that runs continuously, every ``interval_seconds``."""

    enabled: bool = True
    interval_seconds: Annotated[int, Field(ge=1, le=86_400)]


JobSchedule = CronJob | IntervalJob

DEFAULT_JOBS: Mapping[str, Mapping[str, Any]] = {
    "usage_pull": {"cron": "0 5 * * *", "then": ("scoring",)},
    "scoring": {"cron": "30 5 * * *"},
    "outbox": {"interval_seconds": 5},
    "nudges": {"cron": "30 9 * * mon-fri"},
    "digest": {"cron": "30 8 * * mon-fri"},
    "cta_reminders": {"cron": "0 10 * * mon-fri"},
}
"""The schedule of every job a file leaves out. ``digest`` fires on weekdays but is a weekly job: it runs
on the first business day of the week (Monday, or Tuesday after a holiday Monday) and the ledger keeps
the other days from running it again."""


class JobSchedules(_Model):
    """One entry per scheduled job; the key is the job's stable id (its ledger and APScheduler id)."""

    usage_pull: CronJob = CronJob.model_validate(DEFAULT_JOBS["usage_pull"])
    scoring: CronJob = CronJob.model_validate(DEFAULT_JOBS["scoring"])
    outbox: IntervalJob = IntervalJob.model_validate(DEFAULT_JOBS["outbox"])
    nudges: CronJob = CronJob.model_validate(DEFAULT_JOBS["nudges"])
    digest: CronJob = CronJob.model_validate(DEFAULT_JOBS["digest"])
    cta_reminders: CronJob = CronJob.model_validate(DEFAULT_JOBS["cta_reminders"])

    @model_validator(mode="before")
    @classmethod
    def _keep_defaults_of_unwritten_keys(cls, data: object) -> object:
        if not isinstance(data, Mapping):
            return data
        merged = dict(data)
        for key, value in data.items():
            if key in DEFAULT_JOBS and isinstance(value, Mapping):
                merged[key] = {**DEFAULT_JOBS[key], **value}
        return merged

    def ids(self) -> tuple[str, ...]:
        return tuple(type(self).model_fields)

    def get(self, job_id: str) -> JobSchedule | None:
        if job_id not in type(self).model_fields:
            return None
        entry: JobSchedule = getattr(self, job_id)
        return entry


DEFAULT_EXTRA_HOLIDAYS = (ExtraHoliday(start="12-29", end="01-03", label="年末年始"),)


class ScheduleConfig(_Model):
    """When jobs run and what counts as business time."""

    timezone: str | None = None
    """An IANA name (``Asia/Tokyo``); ``None`` uses ``TAKIBI_TIMEZONE`` (default Asia/Tokyo)."""
    working_hours: WorkingHours = WorkingHours()
    weekend: tuple[Weekday, ...] = ("sat", "sun")
    holidays: Literal["japan", "none"] = "japan"
    """``japan``: national holidays (substitute holidays and 国民の休日 included) are days off."""
    extra_holidays: tuple[ExtraHoliday, ...] = DEFAULT_EXTRA_HOLIDAYS
    jobs: JobSchedules = JobSchedules()

    @field_validator("extra_holidays", mode="before")
    @classmethod
    def _bare_dates_as_ranges(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return [item if isinstance(item, Mapping) else {"start": item} for item in value]
        return value

    @property
    def weekend_days(self) -> frozenset[int]:
        """``date.weekday()`` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(day) for day in self.weekend)

    def extra_holiday_dates(self, years: Iterable[int]) -> frozenset[date]:
        """Every configured company day off that falls in one of ``years`` (checked config only)."""
        wanted = set(years)
        found: set[date] = set()
        for holiday in self.extra_holidays:
            for day in _expand_holiday(holiday, wanted):
                if day.year in wanted:
                    found.add(day)
        return frozenset(found)


# --- parsing helpers (pure, no ``re``) --------------------------------------------------------------


def _parse_clock(text: str) -> time | None:
    """``"9:30"`` / ``"09:30"`` → ``time(9, 30)``; anything else → ``None``."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not _is_number(hours) or len(hours) > 2 or not _is_number(minutes) or len(minutes) != 2:
        return None
    h, m = int(hours), int(minutes)
    return time(h, m) if h <= 23 and m <= 59 else None


def _is_number(text: str) -> bool:
    return bool(text) and set(text) <= _DIGITS


def _parse_month_day(text: str) -> tuple[int, int] | None:
    month, sep, day = text.partition("-")
    if not sep or not (_is_number(month) and _is_number(day)) or len(month) > 2 or len(day) > 2:
        return None
    m, d = int(month), int(day)
    if not 1 <= m <= 12:
        return None
    return (m, d) if 1 <= d <= _days_in_month(m) else None


def _parse_date(text: str) -> date | None:
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _days_in_month(month: int) -> int:
    """The most days a month can have (February: 29)."""
    return 29 if month == 2 else (30 if month in (4, 6, 9, 11) else 31)


def _expand_holiday(holiday: ExtraHoliday, years: set[int]) -> Iterator[date]:
    end_text = holiday.end or holiday.start
    first, last = _parse_date(holiday.start), _parse_date(end_text)
    if first is not None and last is not None:
        yield from _span(first, last)
        return
    start_md, end_md = _parse_month_day(holiday.start), _parse_month_day(end_text)
    if start_md is None or end_md is None or not years:
        return
    wraps = end_md < start_md  # 12-29 to 01-03 ends in the next year
    for year in range(min(years) - 1, max(years) + 1):
        first = _on_or_after(year, start_md)
        last = _on_or_before(year + 1 if wraps else year, end_md)
        if first <= last:
            yield from _span(first, last)


def _on_or_after(year: int, month_day: tuple[int, int]) -> date:
    """``month_day`` in ``year``; a 02-29 in a common year becomes 03-01."""
    return date(year, 3, 1) if month_day == (2, 29) and not _leap(year) else date(year, *month_day)


def _on_or_before(year: int, month_day: tuple[int, int]) -> date:
    """``month_day`` in ``year``; a 02-29 in a common year becomes 02-28."""
    return date(year, 2, 28) if month_day == (2, 29) and not _leap(year) else date(year, *month_day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _span(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


# --- cron ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CronField:
    name: Text
    low: int
    high: int
    names: tuple[str, ...] = ()
    """Names for the values ``low``, ``low + 1``, ... (months from 1, weekdays from 0 = Monday)."""
    numbers: bool = True
    last: bool = False
    allowed: str = ""


_CRON_FIELDS: tuple[_CronField, ...] = (
    _CronField(Text("分", "minute"), 0, 59, allowed="0-59"),
    _CronField(Text("時", "hour"), 0, 23, allowed="0-23"),
    _CronField(Text("日", "day"), 1, 31, last=True, allowed="1-31, last"),
    _CronField(Text("月", "month"), 1, 12, names=MONTHS, allowed="1-12, jan-dec"),
    _CronField(Text("曜日", "weekday"), 0, 6, names=WEEKDAYS, numbers=False, allowed="mon-sun"),
)


@dataclass(frozen=True, slots=True)
class CronError:
    """Why a cron expression was refused: a catalog key and its values."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


def cron_error(expression: str) -> CronError | None:
    """``None`` when ``expression`` is a valid five-field cron line, else why it is not."""
    parts = expression.split()
    if len(parts) != len(_CRON_FIELDS):
        return CronError("config.error.schedule.cron_fields", {"count": len(parts)})
    allowed: list[set[int]] = []
    last_day = False
    for spec, text in zip(_CRON_FIELDS, parts, strict=True):
        values: set[int] = set()
        for item in text.split(","):
            result = _cron_item(spec, item.lower())
            if isinstance(result, CronError):
                return result
            if result is None:
                last_day = True
            else:
                values |= result
        allowed.append(values)
    days, months = allowed[2], allowed[3]
    if not last_day and not any(d <= _days_in_month(m) for d in days for m in months):
        return CronError("config.error.schedule.cron_never", {})
    return None


def _cron_item(spec: _CronField, item: str) -> set[int] | CronError | None:
    """The values one comma-separated item allows; ``None`` for the day field's ``last``."""

    def invalid() -> CronError:
        return CronError(
            "config.error.schedule.cron_value", {"field": spec.name, "value": item, "allowed": spec.allowed}
        )

    if spec.last and item == "last":
        return None
    body, slash, step_text = item.partition("/")
    if slash and (not _is_number(step_text) or int(step_text) == 0):
        return invalid()
    step = int(step_text) if slash else 1
    if body == "*":
        first, last = spec.low, spec.high
    else:
        low_text, dash, high_text = body.partition("-")
        texts = (low_text, high_text) if dash else (low_text,)
        named = [not _is_number(text) for text in texts]
        if (slash and any(named)) or len(set(named)) > 1:
            return invalid()  # a step on names (APScheduler 3 would drop it silently), or "1-mar"
        values: list[int] = []
        for text in texts:
            value = _cron_value(spec, text)
            if value is None:
                return invalid()
            if isinstance(value, CronError):
                return value
            values.append(value)
        first = values[0]
        last = values[-1] if dash else (spec.high if slash else first)
        if first > last:
            return CronError("config.error.schedule.cron_order", {"field": spec.name, "value": item})
    if slash and step > last - first:
        return CronError(
            "config.error.schedule.cron_step", {"field": spec.name, "value": item, "range": last - first}
        )
    return set(range(first, last + 1, step))


def _cron_value(spec: _CronField, text: str) -> int | CronError | None:
    if _is_number(text):
        if not spec.numbers:
            return CronError("config.error.schedule.cron_weekday_number", {"value": text})
        value = int(text)
        return value if spec.low <= value <= spec.high else None
    if text in spec.names:
        return spec.low + spec.names.index(text)
    return None


# --- cross-field checks ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectionProblem:
    """A problem inside ``schedule``: ``loc`` relative to the section; a catalog key and values."""

    loc: Loc
    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    on_key: bool = False


def schedule_problems(schedule: ScheduleConfig) -> Iterator[SectionProblem]:
    """Time zone shape, working hours, holiday dates, cron expressions and ``then`` chains."""
    if schedule.timezone is not None and not _looks_like_zone(schedule.timezone):
        yield SectionProblem(("timezone",), "config.error.schedule.timezone", {"value": schedule.timezone})
    yield from _working_hours_problems(schedule.working_hours)
    for index, holiday in enumerate(schedule.extra_holidays):
        yield from _holiday_problems(holiday, ("extra_holidays", index))
    yield from _job_problems(schedule.jobs)


def _looks_like_zone(name: str) -> bool:
    """An IANA-shaped name; whether the zone exists is checked when the scheduler is built (needs tzdata)."""
    allowed = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-/")
    return bool(name) and name[0].isascii() and name[0].isalpha() and set(name) <= allowed


def _working_hours_problems(hours: WorkingHours) -> Iterator[SectionProblem]:
    start, end = _parse_clock(hours.start), _parse_clock(hours.end)
    if start is None:
        yield SectionProblem(("working_hours", "start"), "config.error.schedule.time", {"value": hours.start})
    if end is None:
        yield SectionProblem(("working_hours", "end"), "config.error.schedule.time", {"value": hours.end})
    if start is not None and end is not None and end <= start:
        yield SectionProblem(
            ("working_hours", "end"), "config.error.schedule.hours_order", {"start": hours.start}
        )


def _holiday_problems(holiday: ExtraHoliday, base: Loc) -> Iterator[SectionProblem]:
    end_text = holiday.end if holiday.end is not None else holiday.start
    start_date, end_date = _parse_date(holiday.start), _parse_date(end_text)
    start_md, end_md = _parse_month_day(holiday.start), _parse_month_day(end_text)
    if start_date is None and start_md is None:
        yield SectionProblem((*base, "start"), "config.error.schedule.holiday_date", {"value": holiday.start})
        return
    if end_date is None and end_md is None:
        yield SectionProblem((*base, "end"), "config.error.schedule.holiday_date", {"value": end_text})
        return
    if (start_date is None) != (end_date is None):
        yield SectionProblem((*base, "end"), "config.error.schedule.holiday_mixed", {})
        return
    if start_date is not None and end_date is not None:
        if end_date < start_date:
            yield SectionProblem(
                (*base, "end"), "config.error.schedule.holiday_order", {"start": holiday.start}
            )
        elif (end_date - start_date).days >= _MAX_HOLIDAY_SPAN_DAYS:
            yield SectionProblem(
                (*base, "end"), "config.error.schedule.holiday_span", {"limit": _MAX_HOLIDAY_SPAN_DAYS}
            )


def _job_problems(jobs: JobSchedules) -> Iterator[SectionProblem]:
    known = jobs.ids()
    for job_id in known:
        entry = jobs.get(job_id)
        if not isinstance(entry, CronJob):
            continue
        error = cron_error(entry.cron)
        if error is not None:
            yield SectionProblem(("jobs", job_id, "cron"), error.key, {**error.params, "cron": entry.cron})
        for index, target in enumerate(entry.then):
            loc: Loc = ("jobs", job_id, "then", index)
            if target not in known:
                yield SectionProblem(
                    loc, "config.error.schedule.unknown_job", {"job": target, "known": ", ".join(known)}
                )
            elif _reaches(jobs, target, job_id):
                yield SectionProblem(loc, "config.error.schedule.then_cycle", {"job": target})


def _reaches(jobs: JobSchedules, start: str, goal: str) -> bool:
    """Whether following ``then`` from ``start`` comes back to ``goal`` (a chain that never ends)."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        current = pending.pop()
        if current == goal:
            return True
        if current in seen:
            continue
        seen.add(current)
        entry = jobs.get(current)
        if isinstance(entry, CronJob):
            pending.extend(entry.then)
    return False
