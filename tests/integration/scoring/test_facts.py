"""The facts loader reads exactly what scoring can use on the day, a batch at a time, in a few queries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from scoring.compiled import CompiledConfig
from scoring.model import AccountFacts, Answer, Expectation, KeyPerson, Onboarding, Role
from storage.db import Database
from storage.enums import ExpectationFit, KeyPersonRole, TouchpointKind
from storage.repositories import assessments, key_people, touchpoints
from storage.repositories.facts import FactWindows, accounts_by_ids, load_facts, metric_series
from storage.repositories.metrics import DailyMetricRow, upsert_daily_metrics
from tests.integration.scoring.conftest import JST, TODAY, add_account, at, days_ago
from tests.statements import sent_statements


def _facts(
    database: Database, compiled: CompiledConfig, account_id: int, today: date = TODAY
) -> AccountFacts:
    with database.unit_of_work() as session:
        refs = accounts_by_ids(session, [account_id])
        (facts,) = load_facts(session, refs, FactWindows.of(compiled, today), tz=JST)
    return facts


def _assess(session: Session, account_id: int, call_date: date, answers: dict[str, Any]) -> None:
    assessments.add(
        session,
        account_id=account_id,
        author_slack_id="U0SATO",
        call_date=call_date,
        answers=answers,
        submitted_at=at(call_date, 18),
        config_version="test",
    )


def test_the_latest_answer_per_question_wins_across_assessments(
    database: Database, compiled: CompiledConfig
) -> None:
    with database.unit_of_work() as session:
        account = add_account(session, "A-1")
        _assess(
            session, account, days_ago(90), {"po_engagement": 2, "pl_engagement": 3, "open_opposition": True}
        )
        _assess(session, account, days_ago(10), {"po_engagement": 4})

    answers = {a.question_id: a for a in _facts(database, compiled, account).answers}

    assert answers["po_engagement"] == Answer("po_engagement", 4, days_ago(10))
    assert answers["pl_engagement"] == Answer("pl_engagement", 3, days_ago(90)), "left out: older stands"
    assert answers["open_opposition"] == Answer("open_opposition", True, days_ago(90))


def test_a_later_unknown_answer_overrides_an_older_known_one(
    database: Database, compiled: CompiledConfig
) -> None:
    with database.unit_of_work() as session:
        account = add_account(session, "A-1")
        _assess(session, account, days_ago(60), {"adoption_reason": "company"})
        _assess(session, account, days_ago(5), {"adoption_reason": None})

    (answer,) = _facts(database, compiled, account).answers

    assert answer == Answer("adoption_reason", None, days_ago(5))


def test_assessments_after_the_scoring_day_and_unknown_questions_are_left_out(
    database: Database, compiled: CompiledConfig
) -> None:
    with database.unit_of_work() as session:
        account = add_account(session, "A-1")
        _assess(session, account, days_ago(30), {"po_engagement": 2, "removed_question": 5})
        _assess(session, account, days_ago(-3), {"po_engagement": 5})

    assert _facts(database, compiled, account).answers == (Answer("po_engagement", 2, days_ago(30)),)


def test_touchpoints_fall_on_the_teams_day_and_the_last_old_one_is_kept_for_recency(
    database: Database, compiled: CompiledConfig
) -> None:
    window = max(compiled.frequency_days, compiled.fit_days)
    with database.unit_of_work() as session:
        busy = add_account(session, "BUSY")
        silent = add_account(session, "SILENT")
        # 00:30 JST on the 20th is still the 19th in UTC: it counts on the team's day, the 20th.
        touchpoints.add(
            session,
            account_id=busy,
            kind=TouchpointKind.CALL,
            occurred_at=at(days_ago(3), hour=0) + timedelta(minutes=30),
            expectation_fit=ExpectationFit.FIT,
        )
        touchpoints.add(
            session, account_id=busy, kind=TouchpointKind.VISIT, occurred_at=at(days_ago(window + 30))
        )
        touchpoints.add(
            session, account_id=silent, kind=TouchpointKind.EMAIL, occurred_at=at(days_ago(window + 40))
        )
        touchpoints.add(
            session, account_id=silent, kind=TouchpointKind.CALL, occurred_at=at(days_ago(window + 5))
        )
        touchpoints.add(session, account_id=busy, kind=TouchpointKind.CALL, occurred_at=at(days_ago(-1)))

    busy_facts = _facts(database, compiled, busy)
    silent_facts = _facts(database, compiled, silent)

    assert [(t.on, t.kind, t.expectation) for t in busy_facts.touchpoints] == [
        (days_ago(3), "call", Expectation.FIT)
    ], "older ones and tomorrow's are not read when the window has one"
    assert [(t.on, t.kind) for t in silent_facts.touchpoints] == [(days_ago(window + 5), "call")]


def _metric_rows(account_id: int, metric: str, first: int, last: int, value: float) -> list[DailyMetricRow]:
    return [
        DailyMetricRow(account_id, metric, days_ago(n), value + n / 1000, "test")
        for n in range(last, first + 1)
    ]


def _usage_account(database: Database) -> int:
    with database.unit_of_work() as session:
        account = add_account(session, "A-1")
        rows = _metric_rows(account, "login_rate", 90, -2, 0.5) + _metric_rows(
            account, "key_feature_use", 90, 1, 0.4
        )
        upsert_daily_metrics(session, rows)
    return account


def test_scoring_gets_each_metrics_latest_fresh_value(database: Database, compiled: CompiledConfig) -> None:
    account = _usage_account(database)

    metrics = _facts(database, compiled, account).metrics

    assert (metrics["login_rate"].dates, metrics["login_rate"].values) == ((TODAY,), (0.5,)), (
        "nothing after the scoring day"
    )
    assert (metrics["key_feature_use"].dates, metrics["key_feature_use"].values) == ((days_ago(1),), (0.401,))


def test_the_daily_series_is_read_within_each_metrics_freshness_window_only(
    database: Database, compiled: CompiledConfig
) -> None:
    account = _usage_account(database)
    windows = FactWindows.of(compiled, TODAY)

    with database.unit_of_work() as session:
        metrics = metric_series(session, [account], windows, latest_only=False)[account]

    login, feature = metrics["login_rate"], metrics["key_feature_use"]
    login_from, feature_from = windows.metrics_from["login_rate"], windows.metrics_from["key_feature_use"]
    assert login.dates == tuple(days_ago(n) for n in range((TODAY - login_from).days, -1, -1))
    assert feature.dates == tuple(days_ago(n) for n in range((TODAY - feature_from).days, 0, -1))
    assert login.values[-1] == 0.5


def test_a_metric_with_nothing_fresh_brings_its_last_value_to_be_reported_stale(
    database: Database, compiled: CompiledConfig
) -> None:
    with database.unit_of_work() as session:
        account = add_account(session, "A-1")
        upsert_daily_metrics(session, _metric_rows(account, "weekly_active_user_ratio", 80, 40, 0.3))

    series = _facts(database, compiled, account).metrics["weekly_active_user_ratio"]

    assert series.dates == (days_ago(40),)
    assert series.values == (0.3 + 40 / 1000,)


def test_key_people_past_and_present_and_onboarding_dates(
    database: Database, compiled: CompiledConfig
) -> None:
    with database.unit_of_work() as session:
        account = add_account(session, "A-1", planned_end=days_ago(20), completed_on=None)
        po = key_people.add(
            session, account_id=account, role=KeyPersonRole.PO, name="山田 太郎", since=days_ago(400)
        )
        key_people.replace(session, po.id, name="鈴木 花子", on=days_ago(30))
        key_people.add(session, account_id=account, role=KeyPersonRole.OPPONENT, name="反対 一郎")

    facts = _facts(database, compiled, account)

    assert facts.key_people == (
        KeyPerson(Role.PO, since=days_ago(400), left_on=days_ago(30), name="山田 太郎"),
        KeyPerson(Role.PO, since=days_ago(30), left_on=None, name="鈴木 花子"),
    ), "an opponent holds no seat scoring knows"
    assert facts.onboarding == Onboarding(planned_end=days_ago(20), completed_on=None)
    assert facts.segment == "MM"
    assert facts.account_id == str(account)


def test_an_account_with_nothing_recorded_has_empty_facts(
    database: Database, compiled: CompiledConfig
) -> None:
    with database.unit_of_work() as session:
        account = add_account(session, "A-1")

    facts = _facts(database, compiled, account)

    assert (facts.answers, facts.touchpoints, dict(facts.metrics), facts.key_people, facts.onboarding) == (
        (),
        (),
        {},
        (),
        None,
    )


def _busy_accounts(database: Database, count: int, start: int) -> list[int]:
    ids = []
    with database.unit_of_work() as session:
        for n in range(start, start + count):
            account = add_account(session, f"N-{n}")
            _assess(session, account, days_ago(10), {"po_engagement": 3})
            touchpoints.add(
                session, account_id=account, kind=TouchpointKind.CALL, occurred_at=at(days_ago(400))
            )
            key_people.add(session, account_id=account, role=KeyPersonRole.PL, name="林 修")
            upsert_daily_metrics(session, _metric_rows(account, "login_rate", 100, 30, 0.4))
            ids.append(account)
    return ids


def test_a_batch_costs_the_same_few_queries_however_many_accounts_it_holds(
    database: Database, compiled: CompiledConfig
) -> None:
    small, large = _busy_accounts(database, 2, 0), _busy_accounts(database, 25, 100)
    windows = FactWindows.of(compiled, TODAY)

    counts = []
    for ids in (small, large):
        with sent_statements(database) as statements, database.unit_of_work() as session:
            facts = load_facts(session, accounts_by_ids(session, ids), windows, tz=JST)
        assert len(facts) == len(ids)
        assert all(f.touchpoints and f.answers and f.metrics for f in facts)
        counts.append(len(statements))

    assert counts[0] == counts[1]
    assert counts[1] <= 10


def test_facts_come_back_in_the_order_asked(database: Database, compiled: CompiledConfig) -> None:
    ids = _busy_accounts(database, 3, 0)
    with database.unit_of_work() as session:
        refs = accounts_by_ids(session, ids)
        facts = load_facts(session, list(reversed(refs)), FactWindows.of(compiled, TODAY))
    assert [f.account_id for f in facts] == [str(i) for i in reversed(ids)]


def test_windows_follow_the_configuration(compiled: CompiledConfig) -> None:
    windows = FactWindows.of(compiled, TODAY)
    assert windows.touchpoints_from == TODAY - timedelta(days=max(compiled.frequency_days, compiled.fit_days))
    assert set(windows.metrics_from) == {"login_rate", "weekly_active_user_ratio", "key_feature_use"}
    assert windows.metrics_from["key_feature_use"] == TODAY - timedelta(days=30)
    assert "po_engagement" in windows.question_ids
