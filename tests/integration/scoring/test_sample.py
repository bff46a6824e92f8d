"""The sample book loads, spreads over all five grades, and tells the stories it is meant to tell."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from handlers.services.accounts_import import Action, import_accounts
from handlers.services.scoring import AccountScore, ScoringReport, run_scoring_pass
from scoring.compiled import CompiledConfig
from scoring.config import TakibiConfig
from scoring.model import Element
from storage.db import Database
from storage.models import Account, DailyMetric
from storage.sample import accounts_csv_path
from storage.sample.generate import ANCHOR, generate, write_accounts_csv
from storage.sample.load import SampleAlreadyLoadedError, load_sample, remove_sample, sample_external_ids
from tests.integration.scoring.conftest import JST

TODAY = date(2027, 2, 10)
"""Not the anchor: the book is laid out around whatever day it is given."""


def _load_and_score(database: Database, compiled: CompiledConfig) -> dict[str, AccountScore]:
    with database.unit_of_work() as session:
        load_sample(session, TODAY, tz=JST)
    for back in (28, 7):
        run_scoring_pass(database, compiled, today=TODAY - timedelta(days=back), tz=JST)
    report: ScoringReport = run_scoring_pass(database, compiled, today=TODAY, tz=JST)
    return {s.external_id: s for s in report.scores}


@pytest.fixture
def scores(database: Database, compiled: CompiledConfig) -> dict[str, AccountScore]:
    return _load_and_score(database, compiled)


def test_the_sample_loads_everything(database: Database, scores: dict[str, AccountScore]) -> None:
    book = generate(TODAY)
    with database.unit_of_work() as session:
        accounts = session.scalar(select(func.count()).select_from(Account))
        usage = session.scalar(select(func.count()).select_from(DailyMetric))
        last_day = session.scalar(select(func.max(DailyMetric.day)))
    assert accounts == 60
    assert usage == sum(1 for _ in book.usage())
    assert last_day == TODAY - timedelta(days=1), "usage is pulled up to yesterday"
    assert len(scores) == 59, "the churned account is not scored"
    assert {a.segment for a in book.accounts} == {"SMB", "MM", "EP"}


def test_grades_spread_over_all_five_levels(scores: dict[str, AccountScore]) -> None:
    grades = [s.result.grade for s in scores.values()]
    assert {g for g in grades if g is not None} == {1, 2, 3, 4, 5}
    assert all(grades.count(g) >= 3 for g in range(1, 6)), grades


def test_the_references_are_clearly_healthy_and_clearly_at_risk(scores: dict[str, AccountScore]) -> None:
    healthy, at_risk = scores["CRM-0001"].result, scores["CRM-0002"].result
    assert healthy.grade == 5
    assert [e.grade for e in healthy.elements] == [5, 5, 5, 5]
    assert at_risk.grade == 1
    assert [e.grade for e in at_risk.elements] == [1, 1, 1, 1]


def test_the_po_who_left_shows_as_a_firewood_reason_before_usage_falls(
    scores: dict[str, AccountScore],
) -> None:
    score = scores["CRM-0003"]
    result = score.result
    vacancy = [r for r in result.reasons if r.key == "scoring.reason.vacant.po"]
    assert vacancy
    assert vacancy[0].impact < 0
    fire, firewood = result.element(Element.FIRE).grade, result.element(Element.FIREWOOD).grade
    assert fire is not None
    assert fire >= 4, "usage still fine for now"
    assert firewood is not None
    assert firewood <= 3
    assert score.trend.change_28d is not None
    assert score.trend.change_28d < 0


def test_usage_without_a_pl_is_capped_by_the_firewood(scores: dict[str, AccountScore]) -> None:
    result = scores["CRM-0004"].result
    assert result.capped_by is Element.FIREWOOD
    assert result.reasons[0].key == "scoring.reason.capped"
    assert result.element(Element.FIRE).grade == 5


def test_the_silent_account_has_a_wind_reason(scores: dict[str, AccountScore]) -> None:
    result = scores["CRM-0007"].result
    recency = [r for r in result.reasons if r.key == "scoring.reason.wind.recency"]
    assert recency
    assert recency[0].params["days"] == 75
    assert recency[0].impact < 0


def test_the_ember_found_late_improves_the_score(scores: dict[str, AccountScore]) -> None:
    score = scores["CRM-0006"]
    assert score.trend.change_28d is not None
    assert score.trend.change_28d > 30
    assert score.result.grade is not None
    assert score.result.grade >= 4


def test_the_stalled_onboarding_weighs_on_the_fire(scores: dict[str, AccountScore]) -> None:
    result = scores["CRM-0005"].result
    assert result.element(Element.FIRE).grade == 1
    assert result.grade is not None
    assert result.grade <= 2


def test_unknown_is_not_the_worst_grade(scores: dict[str, AccountScore]) -> None:
    brand_new, stale, merged = scores["CRM-0011"].result, scores["CRM-0008"].result, scores["CRM-0010"].result
    assert brand_new.grade is None
    assert brand_new.confidence == 0.0
    assert stale.element(Element.FIREWOOD).score is None
    assert any(u.key == "scoring.stale.question" for u in stale.unknowns)
    assert merged.confidence < 0.9
    assert merged.grade is not None
    assert merged.grade >= 3


def test_loading_twice_refuses_and_removing_lets_it_load_again(database: Database) -> None:
    with database.unit_of_work() as session:
        load_sample(session, TODAY)
    with database.unit_of_work() as session, pytest.raises(SampleAlreadyLoadedError):
        load_sample(session, TODAY)
    with database.unit_of_work() as session:
        assert remove_sample(session, sample_external_ids()) == 60
        summary = load_sample(session, TODAY)
    assert summary.accounts == 60


def test_the_bundled_accounts_csv_is_the_generated_book_at_the_anchor() -> None:
    out = io.StringIO()
    write_accounts_csv(generate(ANCHOR), out)
    assert accounts_csv_path().read_text(encoding="utf-8") == out.getvalue()


def test_the_import_service_reads_the_bundled_csv_as_the_loader_writes_it(
    database: Database, shipped_config: TakibiConfig
) -> None:
    data = accounts_csv_path().read_bytes()
    segments = shipped_config.segment_ids()
    with database.unit_of_work() as session:
        first = import_accounts(session, data, segments=segments)
    with database.unit_of_work() as session:
        load_sample(session, ANCHOR)
    with database.unit_of_work() as session:
        again = import_accounts(session, data, segments=segments, dry_run=True)

    assert first.problems == ()
    assert first.count(Action.CREATED) == 60
    assert [c for c in again.changes if c.action is not Action.UNCHANGED] == []


def test_the_book_answers_the_shipped_questions_and_metrics(shipped_config: TakibiConfig) -> None:
    book = generate(ANCHOR)
    questions = {q.id: q for q in shipped_config.questions}
    for assessment in book.assessments:
        assert set(assessment.answers) <= set(questions)
    metrics = {m.id for m in shipped_config.fire.metrics}
    assert {row.metric for row in book.usage()} == metrics - {"onboarding_delay_days"}
    owners = {a.owner for a in book.accounts}
    assert owners == {"U0SATO", "U0SUZUKI", "U0EMILY", "U0JAMES"}
    soon = [a for a in book.accounts if a.renewal_date and a.renewal_date <= ANCHOR + timedelta(days=90)]
    assert len(soon) >= 5
    assert generate(ANCHOR) == book, "the same book on every run"
