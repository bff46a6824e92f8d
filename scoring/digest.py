"""The weekly digest's figures: plain rows of one team's book in, plain numbers out (principle 9).

Definitions (the week is ``start``..``end``, seven local days, both included; "as of" means ``end``):

* **in the book**: an account not churned as of ``end`` (status active, or churned after ``end``).
* **coverage**: accounts in the book whose last assessment (call date, on or before ``end``) is within
  ``coverage_days`` days, i.e. on or after ``end - coverage_days + 1``; in total and per CSM (owner).
* **grade distribution**: accounts in the book per overall grade of their latest snapshot on or before
  ``end`` (``None`` = 未評価, including accounts never scored); the previous week's uses ``end - 7``.
* **movers**: accounts whose overall score moved between the two snapshots, largest grade change first,
  then largest score change; each with the reasons of its current snapshot that push in the direction
  of the move (largest impact first; unknown items left out).
* **CTAs**: opened this week (opened on a day of the week), closed this week (done, dismissed or
  expired on a day of the week; auto-closed ones are left out as in ``rules_stats``), overdue (open as
  of ``end``: opened on or before it, not closed by it, due before it).
* **completion rate** (実施率): CTAs closed this week as done on or before their due date ÷ CTAs closed
  this week (same definition as ``scoring.rules_stats``); ``None`` when nothing closed.
* **MRR by grade**: MRR of the accounts in the book per current grade; **MRR at risk**: renewal on
  ``end``..``end + at_risk_renewal_days`` and current grade at or below ``at_risk_grade_at_or_below``.
* **leading** (先行): average overall score and average fire (usage) score, this week and last;
  **coincident** (一致): touchpoints this week and last, and the completion rate; **lagging** (遅行):
  renewals due this week (and their MRR), churned this week (and their MRR), renewals in the next 90
  days.

Money stays :class:`~decimal.Decimal`. Nothing here reads the clock, the database or the network.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from scoring.config_digest import DigestSettings
from scoring.model import Reason

WEEK = timedelta(days=7)
CLOSED_COUNTED = frozenset({"done", "dismissed", "expired"})
"""Closings that count for the completion rate (auto-closed CTAs are left out)."""
DONE = "done"
MAX_MOVER_REASONS = 2

Grade = int | None


@dataclass(frozen=True, slots=True)
class DigestWeek:
    """Seven local days ending on ``end`` (included)."""

    end: date

    @property
    def start(self) -> date:
        return self.end - timedelta(days=6)

    @property
    def previous_end(self) -> date:
        return self.end - WEEK

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def history_ends(self, weeks: int) -> tuple[date, ...]:
        """The last day of each of the last ``weeks`` weeks, oldest first (this week last)."""
        return tuple(self.end - WEEK * back for back in range(weeks - 1, -1, -1))


@dataclass(frozen=True, slots=True)
class DigestAccount:
    account_id: int
    name: str
    segment: str
    owner: str | None
    mrr: Decimal
    renewal_date: date | None
    churned: bool
    churned_on: date | None
    last_assessed_on: date | None

    def in_book(self, day: date) -> bool:
        """Not churned as of ``day``; a churned account without a date is out."""
        if not self.churned:
            return True
        return self.churned_on is not None and self.churned_on > day


@dataclass(frozen=True, slots=True)
class DigestSnapshot:
    account_id: int
    day: date
    overall_score: float | None
    overall_grade: int | None
    firewood_score: float | None
    fire_score: float | None


@dataclass(frozen=True, slots=True)
class DigestCta:
    account_id: int
    status: str
    opened_on: date
    due_on: date
    closed_on: date | None


@dataclass(frozen=True, slots=True)
class WeekGrades:
    """How many accounts had each overall grade at the end of one week."""

    end: date
    counts: Mapping[Grade, int]


@dataclass(frozen=True, slots=True)
class DigestInput:
    """One team's rows for one week. ``current`` / ``previous``: each account's latest snapshot on or
    before ``week.end`` / ``week.previous_end``. ``touchpoints``: contacts on the week's days;
    ``touchpoints_previous``: on the week before's."""

    week: DigestWeek
    accounts: Sequence[DigestAccount]
    current: Mapping[int, DigestSnapshot]
    previous: Mapping[int, DigestSnapshot]
    ctas: Sequence[DigestCta]
    touchpoints: int
    touchpoints_previous: int
    history: Sequence[WeekGrades] = ()
    reasons: Mapping[int, Sequence[Reason]] = field(default_factory=dict)
    """The reasons of the current snapshot, known (not unknown) ones, per account: at least for the
    movers (:func:`mover_ids` names them, so a large book loads a handful of reason lists, not all)."""


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coverage:
    covered: int
    total: int

    @property
    def rate(self) -> float | None:
        return None if self.total == 0 else self.covered / self.total


@dataclass(frozen=True, slots=True)
class OwnerCoverage:
    owner: str | None
    coverage: Coverage


@dataclass(frozen=True, slots=True)
class GradeCount:
    grade: Grade
    now: int
    before: int

    @property
    def change(self) -> int:
        return self.now - self.before


@dataclass(frozen=True, slots=True)
class Mover:
    account_id: int
    name: str
    owner: str | None
    grade_before: Grade
    grade_now: Grade
    score_before: float | None
    score_now: float | None
    reasons: tuple[Reason, ...]

    @property
    def score_change(self) -> float:
        if self.score_before is None or self.score_now is None:
            return 0.0
        return self.score_now - self.score_before

    @property
    def grade_change(self) -> int:
        if self.grade_before is None or self.grade_now is None:
            return 0
        return self.grade_now - self.grade_before

    @property
    def up(self) -> bool:
        return (self.grade_change, self.score_change) > (0, 0.0)


@dataclass(frozen=True, slots=True)
class CtaFigures:
    opened: int
    closed: int
    done_on_time: int
    overdue: int

    @property
    def completion_rate(self) -> float | None:
        return None if self.closed == 0 else self.done_on_time / self.closed


@dataclass(frozen=True, slots=True)
class MrrByGrade:
    grade: Grade
    mrr: Decimal
    accounts: int


@dataclass(frozen=True, slots=True)
class AtRisk:
    mrr: Decimal
    accounts: int
    total_mrr: Decimal

    @property
    def share(self) -> float | None:
        return None if self.total_mrr == 0 else float(self.mrr / self.total_mrr)


@dataclass(frozen=True, slots=True)
class Leading:
    """先行: health score and usage (fire) averages over scored accounts, now and a week before."""

    score_now: float | None
    score_before: float | None
    fire_now: float | None
    fire_before: float | None


@dataclass(frozen=True, slots=True)
class Coincident:
    """一致: what we did — touchpoints and CTA completion."""

    touchpoints: int
    touchpoints_before: int
    completion_rate: float | None
    completion_target: float


@dataclass(frozen=True, slots=True)
class Lagging:
    """遅行: renewals and churn."""

    renewals_due: int
    renewals_due_mrr: Decimal
    churned: int
    churned_mrr: Decimal
    renewals_ahead: int
    renewals_ahead_mrr: Decimal


@dataclass(frozen=True, slots=True)
class MapPoint:
    """One account on the firewood × fire map."""

    account_id: int
    firewood: float
    fire: float
    mrr: Decimal
    grade: Grade


@dataclass(frozen=True, slots=True)
class Digest:
    week: DigestWeek
    accounts: int
    coverage: Coverage
    coverage_by_owner: tuple[OwnerCoverage, ...]
    grades: tuple[GradeCount, ...]
    """Grades 5..1 then ``None`` (未評価), each with this week's and last week's count."""
    movers: tuple[Mover, ...]
    ctas: CtaFigures
    completion_target: float
    mrr_by_grade: tuple[MrrByGrade, ...]
    at_risk: AtRisk
    leading: Leading
    coincident: Coincident
    lagging: Lagging
    map_points: tuple[MapPoint, ...]
    history: tuple[WeekGrades, ...]

    @property
    def on_target(self) -> bool | None:
        rate = self.ctas.completion_rate
        return None if rate is None else rate >= self.completion_target


GRADE_ORDER: tuple[Grade, ...] = (5, 4, 3, 2, 1, None)


# --- computations --------------------------------------------------------------------------------


def coverage(accounts: Iterable[DigestAccount], end: date, days: int) -> Coverage:
    since = end - timedelta(days=days - 1)
    rows = list(accounts)
    covered = sum(1 for a in rows if a.last_assessed_on is not None and since <= a.last_assessed_on <= end)
    return Coverage(covered=covered, total=len(rows))


def coverage_by_owner(accounts: Iterable[DigestAccount], end: date, days: int) -> tuple[OwnerCoverage, ...]:
    """Per CSM, least covered first (the ones to talk to), then by owner id; no owner last."""
    by_owner: dict[str | None, list[DigestAccount]] = defaultdict(list)
    for account in accounts:
        by_owner[account.owner].append(account)
    found = [OwnerCoverage(owner, coverage(rows, end, days)) for owner, rows in by_owner.items()]
    return tuple(sorted(found, key=lambda o: (o.owner is None, o.coverage.rate or 0.0, o.owner or "")))


def grade_of(snapshots: Mapping[int, DigestSnapshot], account_id: int) -> Grade:
    snapshot = snapshots.get(account_id)
    return None if snapshot is None else snapshot.overall_grade


def grade_counts(
    accounts: Sequence[DigestAccount],
    current: Mapping[int, DigestSnapshot],
    previous: Mapping[int, DigestSnapshot],
    week: DigestWeek,
) -> tuple[GradeCount, ...]:
    now = Counter(grade_of(current, a.account_id) for a in accounts if a.in_book(week.end))
    before = Counter(grade_of(previous, a.account_id) for a in accounts if a.in_book(week.previous_end))
    return tuple(GradeCount(g, now[g], before[g]) for g in GRADE_ORDER)


def _pushing(reasons: Iterable[Reason], up: bool) -> tuple[Reason, ...]:
    """The reasons that explain a move: same sign as the move, strongest first."""
    signed = [r for r in reasons if (r.impact > 0 if up else r.impact < 0)]
    signed.sort(key=lambda r: abs(r.impact), reverse=True)
    return tuple(signed[:MAX_MOVER_REASONS])


def mover_ids(
    accounts: Iterable[DigestAccount],
    current: Mapping[int, DigestSnapshot],
    previous: Mapping[int, DigestSnapshot],
    count: int,
) -> tuple[int, ...]:
    """The accounts :func:`movers` will list, so their reasons can be loaded before."""
    return tuple(m.account_id for m in movers(accounts, current, previous, count, {}))


def movers(
    accounts: Iterable[DigestAccount],
    current: Mapping[int, DigestSnapshot],
    previous: Mapping[int, DigestSnapshot],
    count: int,
    reasons: Mapping[int, Sequence[Reason]],
) -> tuple[Mover, ...]:
    """The ``count`` biggest moves: by grade change, then score change (both absolute); ties by id.

    Ranks plain tuples and builds :class:`Mover` only for the chosen few (a book has thousands of
    accounts and the digest lists five)."""
    ranked: list[tuple[int, float, int, DigestAccount, DigestSnapshot, DigestSnapshot, float, float]] = []
    for account in accounts:
        now = current.get(account.account_id)
        before = previous.get(account.account_id)
        if now is None or before is None or now.day == before.day:
            continue
        if now.overall_score is None or before.overall_score is None:
            continue
        if now.overall_score == before.overall_score and now.overall_grade == before.overall_grade:
            continue
        grades = 0
        if now.overall_grade is not None and before.overall_grade is not None:
            grades = abs(now.overall_grade - before.overall_grade)
        points = abs(now.overall_score - before.overall_score)
        ranked.append(
            (
                -grades,
                -points,
                account.account_id,
                account,
                now,
                before,
                now.overall_score,
                before.overall_score,
            )
        )
    found: list[Mover] = []
    for *_rank, account, now, before, score_now, score_before in heapq.nsmallest(
        count, ranked, key=lambda r: r[:3]
    ):
        up = (now.overall_grade or 0, score_now) > (before.overall_grade or 0, score_before)
        found.append(
            Mover(
                account_id=account.account_id,
                name=account.name,
                owner=account.owner,
                grade_before=before.overall_grade,
                grade_now=now.overall_grade,
                score_before=score_before,
                score_now=score_now,
                reasons=_pushing(reasons.get(account.account_id, ()), up),
            )
        )
    return tuple(found)


def cta_figures(ctas: Iterable[DigestCta], week: DigestWeek) -> CtaFigures:
    opened = closed = on_time = overdue = 0
    for cta in ctas:
        if week.contains(cta.opened_on):
            opened += 1
        if cta.closed_on is not None and week.contains(cta.closed_on) and cta.status in CLOSED_COUNTED:
            closed += 1
            if cta.status == DONE and cta.closed_on <= cta.due_on:
                on_time += 1
        open_at_end = cta.opened_on <= week.end and (cta.closed_on is None or cta.closed_on > week.end)
        if open_at_end and cta.due_on < week.end:
            overdue += 1
    return CtaFigures(opened=opened, closed=closed, done_on_time=on_time, overdue=overdue)


def mrr_by_grade(
    accounts: Iterable[DigestAccount], current: Mapping[int, DigestSnapshot]
) -> tuple[MrrByGrade, ...]:
    mrr: dict[Grade, Decimal] = defaultdict(Decimal)
    counts: Counter[Grade] = Counter()
    for account in accounts:
        grade = grade_of(current, account.account_id)
        mrr[grade] += account.mrr
        counts[grade] += 1
    return tuple(MrrByGrade(g, mrr[g], counts[g]) for g in GRADE_ORDER)


def at_risk(
    accounts: Iterable[DigestAccount],
    current: Mapping[int, DigestSnapshot],
    end: date,
    settings: DigestSettings,
) -> AtRisk:
    last_day = end + timedelta(days=settings.at_risk_renewal_days)
    mrr = total = Decimal(0)
    count = 0
    for account in accounts:
        total += account.mrr
        grade = grade_of(current, account.account_id)
        renewal = account.renewal_date
        if grade is None or renewal is None or not end <= renewal <= last_day:
            continue
        if grade <= settings.at_risk_grade_at_or_below:
            mrr += account.mrr
            count += 1
    return AtRisk(mrr=mrr, accounts=count, total_mrr=total)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return None if not present else sum(present) / len(present)


def leading(
    accounts: Sequence[DigestAccount],
    current: Mapping[int, DigestSnapshot],
    previous: Mapping[int, DigestSnapshot],
) -> Leading:
    now = [current[a.account_id] for a in accounts if a.account_id in current]
    before = [previous[a.account_id] for a in accounts if a.account_id in previous]
    return Leading(
        score_now=_mean(s.overall_score for s in now),
        score_before=_mean(s.overall_score for s in before),
        fire_now=_mean(s.fire_score for s in now),
        fire_before=_mean(s.fire_score for s in before),
    )


def lagging(accounts: Iterable[DigestAccount], week: DigestWeek, ahead_days: int) -> Lagging:
    """Renewals due this week among accounts still in the book, churn this week, renewals ahead."""
    due = churned = ahead = 0
    due_mrr = churned_mrr = ahead_mrr = Decimal(0)
    ahead_end = week.end + timedelta(days=ahead_days)
    for account in accounts:
        if account.churned and account.churned_on is not None and week.contains(account.churned_on):
            churned += 1
            churned_mrr += account.mrr
        if not account.in_book(week.end) or account.renewal_date is None:
            continue
        if week.contains(account.renewal_date):
            due += 1
            due_mrr += account.mrr
        elif week.end < account.renewal_date <= ahead_end:
            ahead += 1
            ahead_mrr += account.mrr
    return Lagging(
        renewals_due=due,
        renewals_due_mrr=due_mrr,
        churned=churned,
        churned_mrr=churned_mrr,
        renewals_ahead=ahead,
        renewals_ahead_mrr=ahead_mrr,
    )


def map_points(
    accounts: Iterable[DigestAccount], current: Mapping[int, DigestSnapshot]
) -> tuple[MapPoint, ...]:
    points: list[MapPoint] = []
    for account in accounts:
        snapshot = current.get(account.account_id)
        if snapshot is None or snapshot.firewood_score is None or snapshot.fire_score is None:
            continue
        points.append(
            MapPoint(
                account.account_id,
                snapshot.firewood_score,
                snapshot.fire_score,
                account.mrr,
                snapshot.overall_grade,
            )
        )
    return tuple(points)


def build_digest(rows: DigestInput, settings: DigestSettings) -> Digest:
    """Every figure of one team's digest for one week."""
    week = rows.week
    book = [a for a in rows.accounts if a.in_book(week.end)]
    ctas = cta_figures(rows.ctas, week)
    return Digest(
        week=week,
        accounts=len(book),
        coverage=coverage(book, week.end, settings.coverage_days),
        coverage_by_owner=coverage_by_owner(book, week.end, settings.coverage_days),
        grades=grade_counts(rows.accounts, rows.current, rows.previous, week),
        movers=movers(book, rows.current, rows.previous, settings.movers, rows.reasons),
        ctas=ctas,
        completion_target=settings.completion_target,
        mrr_by_grade=mrr_by_grade(book, rows.current),
        at_risk=at_risk(book, rows.current, week.end, settings),
        leading=leading(book, rows.current, rows.previous),
        coincident=Coincident(
            touchpoints=rows.touchpoints,
            touchpoints_before=rows.touchpoints_previous,
            completion_rate=ctas.completion_rate,
            completion_target=settings.completion_target,
        ),
        lagging=lagging(rows.accounts, week, settings.at_risk_renewal_days),
        map_points=map_points(book, rows.current),
        history=tuple(rows.history),
    )
