"""The sample book, generated: 60 customers laid out relative to a given day, the same on every run.

Everything is drawn from a random generator seeded per account (``random.Random(f"{SEED}:…")``), so
the book is identical on every machine and adding an account changes no other. Dates are offsets
from ``today``: the committed ``accounts.csv`` is this book at :data:`ANCHOR`, and ``load_sample``
lays it out again around the day it is given. Usage is computed on demand, one account at a time
(:meth:`SampleBook.usage`); the bundled ``usage.csv`` (what the shipped CSV connector pulls) is its
export at :data:`ANCHOR`, made with::

    python -m storage.sample.generate --out var/sample [--today 2026-11-23]

which writes ``accounts.csv`` and ``usage.csv`` (``account_external_id,date,metric,value``).

The usage metrics are the shipped configuration's pulled fire metrics, read as rolling rates (share of
seats that logged in during the last 7 days, …), so they move smoothly and a weekend does not change a
grade.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from scoring.model import AnswerValue
from storage.sample.companies import COMPANIES, Company
from storage.sample.profiles import (
    EFFORT,
    FAMILY,
    GIVEN,
    KIND_NOTES,
    LEVELS,
    ONBOARDING_DELAY,
    SEED,
    Plan,
    generic,
    rng_for,
)
from storage.sample.stories import STORIES, STORY_LEVEL

ANCHOR = date(2026, 11, 23)
"""The day the committed ``accounts.csv`` is laid out for."""

USAGE_DAYS = 90
ACCOUNT_COLUMNS = (
    "external_id",
    "name",
    "name_kana",
    "aliases",
    "owner",
    "segment",
    "alert_channel",
    "mrr",
    "plan",
    "contract_start",
    "renewal_date",
    "onboarding_started_on",
    "onboarding_planned_end",
    "onboarding_completed_on",
    "status",
    "churned_on",
)
USAGE_COLUMNS = ("account_external_id", "date", "metric", "value")

METRIC_BOUNDS: Mapping[str, Mapping[str, tuple[float, float]]] = {
    "login_rate": {"SMB": (0.5, 0.1), "MM": (0.6, 0.1), "EP": (0.7, 0.2)},
    "weekly_active_user_ratio": {"SMB": (0.4, 0.1), "MM": (0.5, 0.1), "EP": (0.6, 0.15)},
    "key_feature_use": {"SMB": (0.5, 0.1), "MM": (0.7, 0.2), "EP": (0.7, 0.2)},
}
"""(target, floor) per segment of the shipped ``takibi.yml``'s pulled metrics: levels are drawn as a
share of the way from floor to target, so "A" means at target whatever the segment."""

CHANNELS = {"SMB": "C0CSSMB", "MM": "C0CSMM", "EP": "C0CSEP"}
ONBOARDING_DAYS = {"SMB": 45, "MM": 60, "EP": 90}


# --- the book ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SampleAccount:
    external_id: str
    name: str
    name_kana: str
    aliases: tuple[str, ...]
    owner: str
    segment: str
    alert_channel: str
    mrr: int
    plan: str
    contract_start: date
    renewal_date: date | None
    onboarding_started_on: date | None
    onboarding_planned_end: date | None
    onboarding_completed_on: date | None
    status: str
    churned_on: date | None
    profile: str

    def csv_row(self) -> dict[str, str]:
        values: dict[str, object] = {
            "external_id": self.external_id,
            "name": self.name,
            "name_kana": self.name_kana,
            "aliases": "|".join(self.aliases),
            "owner": self.owner,
            "segment": self.segment,
            "alert_channel": self.alert_channel,
            "mrr": self.mrr,
            "plan": self.plan,
            "contract_start": self.contract_start,
            "renewal_date": self.renewal_date,
            "onboarding_started_on": self.onboarding_started_on,
            "onboarding_planned_end": self.onboarding_planned_end,
            "onboarding_completed_on": self.onboarding_completed_on,
            "status": self.status,
            "churned_on": self.churned_on,
        }
        return {
            k: "" if v is None else v.isoformat() if isinstance(v, date) else str(v)
            for k, v in values.items()
        }


@dataclass(frozen=True, slots=True)
class SamplePerson:
    external_id: str
    role: str
    name: str
    title: str
    department: str
    in_using_department: bool | None
    since: date | None
    left_on: date | None = None


@dataclass(frozen=True, slots=True)
class SampleAssessment:
    external_id: str
    author: str
    call_date: date
    answers: Mapping[str, AnswerValue]
    note: str


@dataclass(frozen=True, slots=True)
class SampleTouchpoint:
    external_id: str
    author: str
    on: date
    hour: int
    kind: str
    fit: str | None
    effort_minutes: int
    note: str


@dataclass(frozen=True, slots=True)
class Curve:
    """Usage as a share of the way from floor to target: ``start`` until ``turn_from`` days ago, then a
    straight line to ``end`` reached ``turn_to`` days ago; rows exist on ``first``..``last``."""

    start: float
    end: float
    turn_from: int
    turn_to: int
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class UsageRow:
    account_external_id: str
    day: date
    metric: str
    value: float


@dataclass(frozen=True, slots=True)
class SampleBook:
    today: date
    accounts: tuple[SampleAccount, ...]
    people: tuple[SamplePerson, ...]
    assessments: tuple[SampleAssessment, ...]
    touchpoints: tuple[SampleTouchpoint, ...]
    curves: Mapping[str, Curve] = field(default_factory=dict)

    def usage(self) -> Iterator[UsageRow]:
        """Every daily value, account by account, computed as it is consumed (nothing is kept)."""
        for account in self.accounts:
            curve = self.curves.get(account.external_id)
            if curve is not None:
                yield from _usage(account, curve, self.today)


def generate(today: date = ANCHOR) -> SampleBook:
    """The whole book laid out around ``today``."""
    plans = [_plan(company) for company in COMPANIES]
    accounts = tuple(_account(p, today) for p in plans)
    people: list[SamplePerson] = []
    assessments: list[SampleAssessment] = []
    touchpoints: list[SampleTouchpoint] = []
    curves: dict[str, Curve] = {}
    for plan, account in zip(plans, accounts, strict=True):
        people.extend(_people(plan, today))
        assessments.extend(_assessments(plan, today))
        touchpoints.extend(_touchpoints(plan, today))
        if plan.usage is not None and account.onboarding_started_on is not None:
            start, end, turn_from, turn_to = plan.usage
            last = (account.churned_on or today) - timedelta(days=1)
            first = max(account.onboarding_started_on, today - timedelta(days=USAGE_DAYS))
            curves[account.external_id] = Curve(start, end, turn_from, turn_to, first, last)
    return SampleBook(today, accounts, tuple(people), tuple(assessments), tuple(touchpoints), curves)


def _plan(company: Company) -> Plan:
    rng = rng_for(company, "plan")
    level = company.profile if company.profile in LEVELS else STORY_LEVEL.get(company.profile, "C")
    low, high = ONBOARDING_DELAY[level]
    plan = Plan(
        company=company,
        rng=rng,
        level=level,
        contract_ago=rng.randint(150, 1000),
        onboarding_delay=rng.randint(low, high),
    )
    generic(plan)
    story = STORIES.get(company.profile)
    if story is not None:
        story(plan)
    return plan


# --- from plans to rows --------------------------------------------------------------------------


def _ago(today: date, days: int) -> date:
    return today - timedelta(days=days)


def _next_anniversary(start: date, today: date) -> date:
    year = today.year
    while True:
        try:
            candidate = start.replace(year=year)
        except ValueError:  # 29 February
            candidate = date(year, 3, 1)
        if candidate > today:
            return candidate
        year += 1


def _account(plan: Plan, today: date) -> SampleAccount:
    company, rng = plan.company, rng_for(plan.company, "account")
    segment = company.segment
    contract_start = _ago(today, plan.contract_ago)
    started = contract_start + timedelta(days=5) if plan.onboarding_planned else None
    planned = started + timedelta(days=ONBOARDING_DAYS[segment]) if started else None
    completed = None
    if planned is not None and plan.onboarding_delay is not None:
        completed = planned + timedelta(days=plan.onboarding_delay)
        if completed > today:
            completed = None
    churned_on = None if plan.churned_ago is None else _ago(today, plan.churned_ago)
    if plan.renewal_in is not None:
        renewal: date | None = today + timedelta(days=plan.renewal_in)
    else:
        renewal = None if churned_on else _next_anniversary(contract_start, today)
    mrr_range, plans = {
        "SMB": ((30, 120), ("ライト", "スタンダード")),
        "MM": ((150, 600), ("スタンダード", "プロ")),
        "EP": ((800, 3500), ("エンタープライズ",)),
    }[segment]
    return SampleAccount(
        external_id=company.external_id,
        name=company.name,
        name_kana=company.name_kana,
        aliases=company.aliases,
        owner=company.owner,
        segment=segment,
        alert_channel=CHANNELS[segment],
        mrr=rng.randint(*mrr_range) * 1000,
        plan=rng.choice(plans),
        contract_start=contract_start,
        renewal_date=renewal,
        onboarding_started_on=started,
        onboarding_planned_end=planned,
        onboarding_completed_on=completed,
        status="churned" if churned_on else "active",
        churned_on=churned_on,
        profile=company.profile,
    )


def _people(plan: Plan, today: date) -> Iterator[SamplePerson]:
    rng = rng_for(plan.company, "people")
    for role, title, department, in_department, since, left in plan.people:
        yield SamplePerson(
            external_id=plan.company.external_id,
            role=role,
            name=f"{rng.choice(FAMILY.split())} {rng.choice(GIVEN.split())}",
            title=title,
            department=department,
            in_using_department=in_department,
            since=None if since is None else _ago(today, since),
            left_on=None if left is None else _ago(today, left),
        )


def _assessments(plan: Plan, today: date) -> Iterator[SampleAssessment]:
    for ago, answers, note in sorted(plan.assessments, key=lambda a: -a[0]):
        yield SampleAssessment(plan.company.external_id, plan.company.owner, _ago(today, ago), answers, note)


def _touchpoints(plan: Plan, today: date) -> Iterator[SampleTouchpoint]:
    rng = rng_for(plan.company, "touchpoints")
    for ago, kind, fit in sorted(plan.touchpoints, key=lambda t: -t[0]):
        if plan.churned_ago is not None and ago < plan.churned_ago:
            continue
        yield SampleTouchpoint(
            external_id=plan.company.external_id,
            author=plan.company.owner,
            on=_ago(today, ago),
            hour=rng.choice((10, 11, 14, 15, 16)),
            kind=kind,
            fit=fit,
            effort_minutes=EFFORT[kind],
            note=KIND_NOTES[kind],
        )


def _usage(account: SampleAccount, curve: Curve, today: date) -> Iterator[UsageRow]:
    rng = random.Random(f"{SEED}:usage:{account.external_id}")
    for metric, bounds in METRIC_BOUNDS.items():
        target, floor = bounds[account.segment]
        tilt = rng.uniform(-0.08, 0.08)  # metrics of one account differ a little
        day = curve.first
        while day <= curve.last:
            ago = (today - day).days
            if ago >= curve.turn_from:
                share = curve.start
            elif ago <= curve.turn_to:
                share = curve.end
            else:
                progress = (curve.turn_from - ago) / (curve.turn_from - curve.turn_to)
                share = curve.start + (curve.end - curve.start) * progress
            value = floor + (share + tilt) * (target - floor) + rng.gauss(0.0, 0.01)
            yield UsageRow(account.external_id, day, metric, round(min(1.0, max(0.0, value)), 3))
            day += timedelta(days=1)


# --- files ---------------------------------------------------------------------------------------


def write_accounts_csv(book: SampleBook, out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=ACCOUNT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for account in book.accounts:
        writer.writerow(account.csv_row())


def write_usage_csv(book: SampleBook, out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(USAGE_COLUMNS)
    count = 0
    for row in book.usage():
        writer.writerow((row.account_external_id, row.day.isoformat(), row.metric, f"{row.value:.3f}"))
        count += 1
    return count


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the sample book's accounts.csv and usage.csv.")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into (created)")
    parser.add_argument(
        "--today", type=date.fromisoformat, default=ANCHOR, help="lay the book out around this day"
    )
    args = parser.parse_args(argv)
    book = generate(args.today)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "accounts.csv").open("w", encoding="utf-8", newline="") as f:
        write_accounts_csv(book, f)
    with (args.out / "usage.csv").open("w", encoding="utf-8", newline="") as f:
        rows = write_usage_csv(book, f)
    print(f"{len(book.accounts)} accounts, {rows} usage rows → {args.out}")


if __name__ == "__main__":
    main()
