"""The scoring pass: one snapshot per account and day, replaced on re-run, with version and trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.i18n import Locale, Translator
from handlers.services.scoring import AccountNotFoundError, rescore_account, run_scoring_pass
from scoring.compiled import CompiledConfig
from scoring.config import TakibiConfig
from scoring.health import compile_config
from storage.db import Database
from storage.enums import AccountStatus, KeyPersonRole, TouchpointKind
from storage.mapping import reasons_from_json
from storage.models import HealthSnapshot
from storage.repositories import assessments, key_people, snapshots, touchpoints
from storage.repositories.metrics import DailyMetricRow, upsert_daily_metrics
from tests.integration.scoring.conftest import JST, TODAY, add_account, at, days_ago

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def _now() -> datetime:
    return NOW


def _account_with_facts(database: Database, external_id: str, *, po: int = 4, login: float = 0.5) -> int:
    with database.unit_of_work() as session:
        account = add_account(session, external_id)
        assessments.add(
            session,
            account_id=account,
            author_slack_id="U0SATO",
            call_date=days_ago(20),
            answers={"po_engagement": po, "adoption_reason": "company"},
            submitted_at=at(days_ago(20), 18),
            config_version="test",
        )
        touchpoints.add(session, account_id=account, kind=TouchpointKind.CALL, occurred_at=at(days_ago(5)))
        rows = [DailyMetricRow(account, "login_rate", days_ago(n), login, "test") for n in range(60)]
        upsert_daily_metrics(session, rows)
    return account


def _snapshots(database: Database) -> list[HealthSnapshot]:
    with database.unit_of_work() as session:
        return list(
            session.scalars(select(HealthSnapshot).order_by(HealthSnapshot.account_id, HealthSnapshot.day))
        )


def test_a_pass_writes_one_snapshot_per_active_account(database: Database, compiled: CompiledConfig) -> None:
    first = _account_with_facts(database, "A-1")
    second = _account_with_facts(database, "A-2", po=1)
    with database.unit_of_work() as session:
        add_account(session, "GONE", status=AccountStatus.CHURNED)

    report = run_scoring_pass(database, compiled, today=TODAY, now=_now)

    rows = _snapshots(database)
    assert [(r.account_id, r.day) for r in rows] == [(first, TODAY), (second, TODAY)]
    assert report.scored == 2
    by_id = {s.account_id: s for s in report.scores}
    for row in rows:
        result = by_id[row.account_id].result
        assert (row.overall_score, row.overall_grade, row.confidence) == (
            result.score,
            result.grade,
            result.confidence,
        )
        assert (row.firewood_grade, row.ember_grade, row.wind_grade, row.fire_grade) == tuple(
            e.grade for e in result.elements
        )
        assert row.computed_at == NOW
    assert sum(report.grades.values()) == 2


def test_re_running_the_day_replaces_its_snapshot(database: Database, compiled: CompiledConfig) -> None:
    account = _account_with_facts(database, "A-1", po=1)
    run_scoring_pass(database, compiled, today=TODAY)
    (before,) = _snapshots(database)
    with database.unit_of_work() as session:
        assessments.add(
            session,
            account_id=account,
            author_slack_id="U0SATO",
            call_date=TODAY,
            answers={"po_engagement": 5},
            submitted_at=at(TODAY, 18),
            config_version="test",
        )

    run_scoring_pass(database, compiled, today=TODAY)

    (after,) = _snapshots(database)
    assert after.id == before.id
    assert after.overall_score is not None
    assert before.overall_score is not None
    assert after.overall_score > before.overall_score


def test_the_snapshot_records_the_configuration_version(
    database: Database, compiled: CompiledConfig, shipped_config: TakibiConfig
) -> None:
    _account_with_facts(database, "A-1")
    run_scoring_pass(database, compiled, today=TODAY)
    changed = shipped_config.model_copy(update={"assessment_max_age_days": 90})
    other = compile_config(TakibiConfig.model_validate(changed.model_dump()))
    assert other.version != compiled.version

    run_scoring_pass(database, other, today=TODAY)

    assert [r.config_version for r in _snapshots(database)] == [other.version]


def test_the_report_compares_against_one_and_four_weeks_before(
    database: Database, compiled: CompiledConfig
) -> None:
    account = _account_with_facts(database, "A-1", po=5)
    earlier = {
        back: run_scoring_pass(database, compiled, today=TODAY - timedelta(days=back)).scores[0].result.score
        for back in (28, 8)
    }
    with database.unit_of_work() as session:
        key_people.add(
            session,
            account_id=account,
            role=KeyPersonRole.PO,
            name="山田 太郎",
            since=days_ago(500),
            left_on=days_ago(2),
        )

    (score,) = run_scoring_pass(database, compiled, today=TODAY).scores

    current = score.result.score
    assert current is not None
    assert earlier[28] is not None
    assert earlier[8] is not None
    assert score.trend.week_ago == earlier[8], "a snapshot up to 3 days older than a week ago stands for it"
    assert score.trend.change_7d == pytest.approx(current - earlier[8])
    assert score.trend.change_28d == pytest.approx(current - earlier[28])
    assert current < earlier[28], "the PO left after those snapshots"


def test_without_history_the_change_is_unknown(database: Database, compiled: CompiledConfig) -> None:
    _account_with_facts(database, "A-1")
    (score,) = run_scoring_pass(database, compiled, today=TODAY).scores
    assert (score.trend.change_7d, score.trend.change_28d) == (None, None)


def test_batches_cover_every_account_once(database: Database, compiled: CompiledConfig) -> None:
    ids = [_account_with_facts(database, f"A-{n}") for n in range(5)]

    report = run_scoring_pass(database, compiled, today=TODAY, batch_size=2)

    assert report.batches == 3
    assert [s.account_id for s in report.scores] == ids
    assert len(_snapshots(database)) == 5


def test_a_pass_over_chosen_accounts_scores_only_those(database: Database, compiled: CompiledConfig) -> None:
    ids = [_account_with_facts(database, f"A-{n}") for n in range(4)]

    report = run_scoring_pass(
        database, compiled, today=TODAY, account_ids=[ids[3], ids[1], 9999], batch_size=1
    )

    assert [s.account_id for s in report.scores] == [ids[1], ids[3]]
    assert [r.account_id for r in _snapshots(database)] == [ids[1], ids[3]]


def test_a_pass_can_keep_only_counts(database: Database, compiled: CompiledConfig) -> None:
    _account_with_facts(database, "A-1")
    report = run_scoring_pass(database, compiled, today=TODAY, keep_scores=False)
    assert (report.scored, report.scores) == (1, ())


def test_rescore_one_account_inside_the_callers_unit_of_work(
    database: Database, compiled: CompiledConfig
) -> None:
    account = _account_with_facts(database, "A-1", po=2)
    with database.unit_of_work() as session:
        assessments.add(
            session,
            account_id=account,
            author_slack_id="U0SATO",
            call_date=TODAY,
            answers={"po_engagement": 5},
            submitted_at=at(TODAY, 18),
            config_version="test",
        )
        score = rescore_account(session, compiled, account, today=TODAY, tz=JST)
        assert session.scalar(select(func.count()).select_from(HealthSnapshot)) == 1

    (row,) = _snapshots(database)
    assert row.overall_score == score.result.score
    assert score.external_id == "A-1"
    answers = {r.params.get("question") for r in score.result.reasons}
    assert any(q is not None for q in answers)


def test_rescore_of_a_missing_account_raises(database: Database, compiled: CompiledConfig) -> None:
    with database.unit_of_work() as session, pytest.raises(AccountNotFoundError):
        rescore_account(session, compiled, 12345, today=TODAY)


def test_stored_reasons_render_like_the_result_they_came_from(
    database: Database, compiled: CompiledConfig
) -> None:
    account = _account_with_facts(database, "A-1", po=1)
    with database.unit_of_work() as session:
        key_people.add(
            session,
            account_id=account,
            role=KeyPersonRole.PL,
            name="林",
            since=days_ago(300),
            left_on=days_ago(9),
        )
    (score,) = run_scoring_pass(database, compiled, today=TODAY).scores
    (row,) = _snapshots(database)

    reasons, unknowns = reasons_from_json(row.reasons)

    for locale in Locale:
        t = Translator(locale)
        assert [t(r.key, **r.params) for r in reasons] == [t(r.key, **r.params) for r in score.result.reasons]
        assert [t(r.key, **r.params) for r in unknowns] == [
            t(r.key, **r.params) for r in score.result.unknowns
        ]
    assert any(r.key == "scoring.reason.vacant.pl" for r in reasons)


def test_snapshot_queries_latest_history_and_grade_distribution(
    database: Database, compiled: CompiledConfig
) -> None:
    first = _account_with_facts(database, "A-1", po=5, login=0.7)
    second = _account_with_facts(database, "A-2", po=1, login=0.1)
    for back in (14, 7, 0):
        run_scoring_pass(database, compiled, today=TODAY - timedelta(days=back))

    with database.unit_of_work() as session:
        latest = snapshots.latest(session)
        latest_before = snapshots.latest(session, [first], on_or_before=days_ago(1))
        history = snapshots.history(session, [first, second], since=days_ago(10), until=TODAY)
        distribution = snapshots.grade_distribution(session, since=days_ago(14), until=TODAY)
        one = snapshots.get(session, second, days_ago(7))

    assert {a: s.day for a, s in latest.items()} == {first: TODAY, second: TODAY}
    assert {a: s.day for a, s in latest_before.items()} == {first: days_ago(7)}
    assert [d for d, _ in history[first]] == [days_ago(7), TODAY]
    assert set(distribution) == {days_ago(14), days_ago(7), TODAY}
    assert all(sum(counts.values()) == 2 for counts in distribution.values())
    assert one is not None
    assert one.day == days_ago(7)
