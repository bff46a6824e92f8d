"""The digest's figures on the sample book, checked against an independent count: plain SQL over the
tables and a few lines of Python per figure, not the repository and ``scoring.digest`` code path."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from handlers.services.digest import DigestTeam, digest_teams, load_digest, week_before
from scoring.digest import Digest
from tests.integration.digest.conftest import TODAY, TZ, Book

WEEK_END = TODAY - timedelta(days=1)
WEEK_START = WEEK_END - timedelta(days=6)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _local(value: Any) -> date:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TZ).date()


class Oracle:
    """Every figure recomputed from raw rows for one team (segments) and the week ending WEEK_END."""

    def __init__(self, session: Session, segments: tuple[str, ...] | None) -> None:
        self.accounts = {
            row.id: row
            for row in session.execute(
                text(
                    "SELECT id, segment, owner_slack_id, mrr, renewal_date, status, churned_on FROM accounts"
                )
            )
            if segments is None or row.segment in segments
        }
        ids = set(self.accounts)
        self.snapshots: dict[int, list[tuple[date, int | None, float | None, float | None]]] = defaultdict(
            list
        )
        for row in session.execute(
            text("SELECT account_id, day, overall_grade, overall_score, fire_score FROM health_snapshots")
        ):
            if row.account_id in ids:
                self.snapshots[row.account_id].append(
                    (_day(row.day), row.overall_grade, row.overall_score, row.fire_score)
                )
        self.last_call: dict[int, date] = {}
        for row in session.execute(text("SELECT account_id, call_date FROM assessments")):
            day = _day(row.call_date)
            if row.account_id in ids and day <= WEEK_END:
                self.last_call[row.account_id] = max(day, self.last_call.get(row.account_id, day))
        self.ctas = [
            (
                row.status,
                _local(row.opened_at),
                _day(row.due_on),
                None if row.closed_at is None else _local(row.closed_at),
            )
            for row in session.execute(
                text("SELECT account_id, status, opened_at, due_on, closed_at FROM ctas")
            )
            if row.account_id in ids
        ]
        self.touch_days = [
            _local(row.occurred_at)
            for row in session.execute(text("SELECT account_id, occurred_at FROM touchpoints"))
            if row.account_id in ids
        ]

    def alive(self, account_id: int, day: date) -> bool:
        row = self.accounts[account_id]
        return row.status == "active" or (row.churned_on is not None and _day(row.churned_on) > day)

    def state(self, account_id: int, day: date) -> tuple[date, int | None, float | None, float | None] | None:
        within = [s for s in self.snapshots[account_id] if day - timedelta(days=6) <= s[0] <= day]
        return max(within, default=None)

    def grades(self, day: date) -> Counter[int | None]:
        counts: Counter[int | None] = Counter()
        for account_id in self.accounts:
            if self.alive(account_id, day):
                state = self.state(account_id, day)
                counts[None if state is None else state[1]] += 1
        return counts

    def book(self) -> list[int]:
        return [i for i in self.accounts if self.alive(i, WEEK_END)]


@pytest.fixture
def teams(book: Book) -> tuple[DigestTeam, ...]:
    return digest_teams(book.config)


def _digests(book: Book) -> list[tuple[DigestTeam, Digest, Oracle]]:
    with book.database.unit_of_work() as session:
        return [
            (
                team,
                load_digest(session, book.config, team, week_before(TODAY), TZ),
                Oracle(session, team.segments),
            )
            for team in digest_teams(book.config)
        ]


def test_the_sample_book_has_a_digest_per_team_channel(teams: tuple[DigestTeam, ...]) -> None:
    assert [(t.channel, t.segments) for t in teams] == [
        ("C0CSSMB", ("SMB",)),
        ("C0CSMM", ("MM",)),
        ("C0CSEP", ("EP",)),
    ]


def test_coverage_and_grade_distribution_match_an_independent_count(book: Book) -> None:
    for _team, digest, oracle in _digests(book):
        in_book = oracle.book()
        since = WEEK_END - timedelta(days=book.config.digest.coverage_days - 1)
        covered = [i for i in in_book if i in oracle.last_call and oracle.last_call[i] >= since]
        assert (digest.coverage.covered, digest.coverage.total) == (len(covered), len(in_book))
        per_owner = Counter(oracle.accounts[i].owner_slack_id for i in covered)
        assert {o.owner: o.coverage.covered for o in digest.coverage_by_owner} == {
            owner: per_owner[owner] for owner in {oracle.accounts[i].owner_slack_id for i in in_book}
        }
        now, before = oracle.grades(WEEK_END), oracle.grades(WEEK_END - timedelta(days=7))
        assert {g.grade: (g.now, g.before) for g in digest.grades} == {
            g: (now[g], before[g]) for g in (5, 4, 3, 2, 1, None)
        }
        history = {w.end: {g: c for g, c in w.counts.items() if c} for w in digest.history}
        for end, counts in history.items():
            assert counts == {g: c for g, c in oracle.grades(end).items() if c}
        assert len(history) == 8


def in_week(day: date | None) -> bool:
    return day is not None and WEEK_START <= day <= WEEK_END


def test_ctas_and_completion_rate_match_an_independent_count(book: Book) -> None:
    total_closed = 0
    for _team, digest, oracle in _digests(book):
        opened = sum(1 for _s, o, _d, _c in oracle.ctas if in_week(o))
        closed = [
            (s, d, c) for s, _o, d, c in oracle.ctas if in_week(c) and s in ("done", "dismissed", "expired")
        ]
        on_time = sum(1 for s, d, c in closed if s == "done" and c is not None and c <= d)
        overdue = sum(
            1 for _s, o, d, c in oracle.ctas if o <= WEEK_END and (c is None or c > WEEK_END) and d < WEEK_END
        )
        assert (digest.ctas.opened, digest.ctas.closed, digest.ctas.done_on_time, digest.ctas.overdue) == (
            opened,
            len(closed),
            on_time,
            overdue,
        )
        assert digest.ctas.completion_rate == (on_time / len(closed) if closed else None)
        total_closed += len(closed)
    assert total_closed > 0  # the sample exercises the rate, not only its absence


def test_mrr_by_grade_and_mrr_at_risk_match_an_independent_sum(book: Book) -> None:
    settings = book.config.digest
    at_risk_total = Decimal(0)
    for _team, digest, oracle in _digests(book):
        by_grade: dict[int | None, Decimal] = defaultdict(Decimal)
        risk = Decimal(0)
        for account_id in oracle.book():
            row = oracle.accounts[account_id]
            state = oracle.state(account_id, WEEK_END)
            grade = None if state is None else state[1]
            by_grade[grade] += Decimal(row.mrr)
            renewal = None if row.renewal_date is None else _day(row.renewal_date)
            near = renewal is not None and WEEK_END <= renewal <= WEEK_END + timedelta(
                days=settings.at_risk_renewal_days
            )
            if near and grade is not None and grade <= settings.at_risk_grade_at_or_below:
                risk += Decimal(row.mrr)
        assert {m.grade: m.mrr for m in digest.mrr_by_grade if m.accounts} == dict(by_grade)
        assert digest.at_risk.mrr == risk
        at_risk_total += risk
    assert at_risk_total > 0


def test_leading_coincident_and_lagging_numbers_match_an_independent_count(book: Book) -> None:
    churned_seen = 0
    for _team, digest, oracle in _digests(book):
        states = [oracle.state(i, WEEK_END) for i in oracle.book()]
        scores = [s[2] for s in states if s is not None and s[2] is not None]
        assert digest.leading.score_now == pytest.approx(sum(scores) / len(scores))
        fires = [s[3] for s in states if s is not None and s[3] is not None]
        assert digest.leading.fire_now == pytest.approx(sum(fires) / len(fires))
        assert digest.coincident.touchpoints == sum(
            1 for d in oracle.touch_days if WEEK_START <= d <= WEEK_END
        )
        assert digest.coincident.touchpoints_before == sum(
            1
            for d in oracle.touch_days
            if WEEK_START - timedelta(days=7) <= d <= WEEK_END - timedelta(days=7)
        )
        churned = [
            r
            for r in oracle.accounts.values()
            if r.churned_on is not None and WEEK_START <= _day(r.churned_on) <= WEEK_END
        ]
        assert digest.lagging.churned == len(churned)
        assert digest.lagging.churned_mrr == sum((Decimal(r.mrr) for r in churned), Decimal(0))
        churned_seen += len(churned)
    assert churned_seen == 1


def test_movers_are_the_largest_moves_and_carry_reasons(book: Book) -> None:
    for _team, digest, oracle in _digests(book):
        moves = []
        for account_id in oracle.book():
            now, before = (
                oracle.state(account_id, WEEK_END),
                oracle.state(account_id, WEEK_END - timedelta(days=7)),
            )
            if now is None or before is None or now[2] is None or before[2] is None or now[0] == before[0]:
                continue
            grade_move = 0 if now[1] is None or before[1] is None else abs(now[1] - before[1])
            if now[2] != before[2] or now[1] != before[1]:
                moves.append((-grade_move, -abs(now[2] - before[2]), account_id))
        expected = [m[2] for m in sorted(moves)[: book.config.digest.movers]]
        assert [m.account_id for m in digest.movers] == expected
