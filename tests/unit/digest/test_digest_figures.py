"""The digest's pure figures, on hand-made rows whose answers can be counted by eye."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from scoring.config_digest import DigestSettings
from scoring.digest import (
    DigestAccount,
    DigestCta,
    DigestInput,
    DigestSnapshot,
    DigestWeek,
    at_risk,
    build_digest,
    coverage,
    coverage_by_owner,
    cta_figures,
    grade_counts,
    lagging,
    mover_ids,
    movers,
)
from scoring.model import Reason

END = date(2026, 11, 22)  # a Sunday: the week is Mon 11/16 .. Sun 11/22
WEEK = DigestWeek(END)


def account(
    account_id: int,
    *,
    owner: str | None = "U1",
    mrr: int = 100_000,
    renewal: date | None = None,
    churned_on: date | None = None,
    churned: bool = False,
    assessed: date | None = None,
) -> DigestAccount:
    return DigestAccount(
        account_id=account_id,
        name=f"顧客{account_id}",
        segment="SMB",
        owner=owner,
        mrr=Decimal(mrr),
        renewal_date=renewal,
        churned=churned or churned_on is not None,
        churned_on=churned_on,
        last_assessed_on=assessed,
    )


def snap(account_id: int, day: date, score: float | None, grade: int | None) -> DigestSnapshot:
    return DigestSnapshot(account_id, day, score, grade, firewood_score=60.0, fire_score=40.0)


def cta(status: str, opened: date, due: date, closed: date | None = None) -> DigestCta:
    return DigestCta(account_id=1, status=status, opened_on=opened, due_on=due, closed_on=closed)


def test_the_week_is_the_seven_days_ending_on_its_end() -> None:
    assert WEEK.start == date(2026, 11, 16)
    assert WEEK.previous_end == date(2026, 11, 15)
    assert WEEK.history_ends(3) == (date(2026, 11, 8), date(2026, 11, 15), END)


def test_coverage_counts_assessments_within_the_last_n_days_including_the_end() -> None:
    rows = [
        account(1, assessed=END),
        account(2, assessed=END - timedelta(days=29)),
        account(3, assessed=END - timedelta(days=30)),
        account(4, assessed=None),
        account(5, assessed=END + timedelta(days=1)),
    ]
    assert coverage(rows, END, 30).covered == 2
    assert coverage(rows, END, 30).total == 5


def test_coverage_per_owner_lists_the_least_covered_first_and_no_owner_last() -> None:
    rows = [
        account(1, owner="U_A", assessed=END),
        account(2, owner="U_A", assessed=END),
        account(3, owner="U_B", assessed=None),
        account(4, owner="U_B", assessed=END),
        account(5, owner=None, assessed=None),
    ]
    found = coverage_by_owner(rows, END, 30)
    assert [(o.owner, o.coverage.covered, o.coverage.total) for o in found] == [
        ("U_B", 1, 2),
        ("U_A", 2, 2),
        (None, 0, 1),
    ]


def test_grade_distribution_counts_unscored_and_compares_with_last_week() -> None:
    rows = [account(1), account(2), account(3), account(4, churned_on=date(2026, 11, 18))]
    current = {1: snap(1, END, 82, 5), 2: snap(2, END, 30, 2)}
    previous = {
        1: snap(1, END - timedelta(7), 70, 4),
        2: snap(2, END - timedelta(7), 30, 2),
        4: snap(4, END - timedelta(7), 10, 1),
    }
    counts = {g.grade: (g.now, g.before) for g in grade_counts(rows, current, previous, WEEK)}
    assert counts == {5: (1, 0), 4: (0, 1), 3: (0, 0), 2: (1, 1), 1: (0, 1), None: (1, 1)}


def test_movers_put_grade_changes_first_and_explain_with_reasons_in_the_moves_direction() -> None:
    rows = [account(1), account(2), account(3)]
    before = END - timedelta(days=7)
    current = {1: snap(1, END, 40, 2), 2: snap(2, END, 79, 4), 3: snap(3, END, 55, 3)}
    previous = {1: snap(1, before, 50, 3), 2: snap(2, before, 60, 3), 3: snap(3, before, 55, 3)}
    reasons = {
        1: [Reason("a.good", {}, 5.0), Reason("a.po_left", {}, -12.0), Reason("a.silent", {}, -3.0)],
        2: [Reason("b.usage", {}, 9.0)],
    }
    found = movers(rows, current, previous, 5, reasons)
    assert [m.account_id for m in found] == [2, 1]  # 3 did not move; 2 moved 19 points, 1 ten
    assert found[0].up
    assert found[0].grade_change == 1
    assert not found[1].up
    assert [r.key for r in found[1].reasons] == ["a.po_left", "a.silent"]
    assert mover_ids(rows, current, previous, 1) == (2,)


def test_ctas_opened_closed_and_overdue_in_the_week() -> None:
    rows = [
        cta("open", date(2026, 11, 17), date(2026, 11, 24)),  # opened, not overdue
        cta("open", date(2026, 11, 2), date(2026, 11, 10)),  # overdue
        cta("done", date(2026, 11, 10), date(2026, 11, 20), date(2026, 11, 19)),  # on time
        cta("done", date(2026, 11, 10), date(2026, 11, 12), date(2026, 11, 18)),  # late; overdue? no, closed
        cta("dismissed", date(2026, 11, 16), date(2026, 11, 30), date(2026, 11, 16)),  # opened + closed
        cta("expired", date(2026, 10, 1), date(2026, 10, 10), date(2026, 11, 20)),
        cta("auto_closed", date(2026, 11, 1), date(2026, 11, 8), date(2026, 11, 20)),  # not counted
        cta(
            "done", date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 23)
        ),  # closed after: overdue? due later
        cta("done", date(2026, 11, 1), date(2026, 11, 5), date(2026, 11, 23)),  # open at the end, overdue
    ]
    found = cta_figures(rows, WEEK)
    assert (found.opened, found.closed, found.done_on_time, found.overdue) == (2, 4, 1, 2)
    assert found.completion_rate == pytest.approx(0.25)


def test_no_closed_cta_means_no_completion_rate_rather_than_zero() -> None:
    assert cta_figures([cta("open", END, END)], WEEK).completion_rate is None


def test_mrr_at_risk_needs_a_renewal_within_the_window_and_a_low_grade() -> None:
    settings = DigestSettings()
    rows = [
        account(1, mrr=100, renewal=END + timedelta(days=90)),  # grade 2: at risk
        account(2, mrr=200, renewal=END + timedelta(days=91)),  # too far
        account(3, mrr=400, renewal=END + timedelta(days=10)),  # grade 3: fine
        account(4, mrr=800, renewal=END - timedelta(days=1)),  # renewal passed
        account(5, mrr=1600, renewal=END),  # unscored: unknown is not bad
    ]
    current = {1: snap(1, END, 30, 2), 2: snap(2, END, 10, 1), 3: snap(3, END, 50, 3), 4: snap(4, END, 5, 1)}
    found = at_risk(rows, current, END, settings)
    assert (found.mrr, found.accounts, found.total_mrr) == (Decimal(100), 1, Decimal(3100))


def test_lagging_counts_renewals_due_this_week_churn_this_week_and_renewals_ahead() -> None:
    rows = [
        account(1, mrr=10, renewal=date(2026, 11, 20)),
        account(2, mrr=20, churned_on=date(2026, 11, 17)),
        account(3, mrr=40, renewal=date(2027, 1, 15)),
        account(4, mrr=80, churned_on=date(2026, 11, 1)),
    ]
    found = lagging(rows, WEEK, 90)
    assert (found.renewals_due, found.renewals_due_mrr) == (1, Decimal(10))
    assert (found.churned, found.churned_mrr) == (1, Decimal(20))
    assert (found.renewals_ahead, found.renewals_ahead_mrr) == (1, Decimal(40))


def test_build_digest_leaves_churned_accounts_out_of_the_book_and_keeps_map_points() -> None:
    rows = [account(1, assessed=END), account(2, churned_on=date(2026, 11, 17))]
    current = {1: snap(1, END, 70, 4), 2: snap(2, END, 20, 1)}
    data = DigestInput(
        week=WEEK, accounts=rows, current=current, previous={}, ctas=(), touchpoints=3, touchpoints_previous=5
    )
    digest = build_digest(data, DigestSettings())
    assert digest.accounts == 1
    assert [p.account_id for p in digest.map_points] == [1]
    assert digest.leading.score_now == 70
    assert digest.coincident.touchpoints == 3
    assert digest.on_target is None
