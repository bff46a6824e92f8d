"""The column reads behind the assess modal, held to the ORM reads they stand in for, and the read-only
connection they run on."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, literal_column, select, update
from sqlalchemy.orm import Session

from storage.db import Database
from storage.enums import AccountStatus, KeyPersonRole, RenewalForecast
from storage.models import Account, Assessment
from storage.repositories import accounts, assessments, key_people, surface
from storage.repositories.accounts import AccountInput
from tests.statements import sent_statements

OWNER = "U0OWNER"
OTHER = "U0OTHER"
TODAY = date(2025, 11, 20)
QUESTIONS = ("po_exists", "pl_exists", "driver", "homework", "retired")


def _account(session: Session, external_id: str, name: str, **fields: Any) -> Account:
    return accounts.upsert_by_external_id(
        session, AccountInput(external_id=external_id, name=name, **({"segment": "SMB"} | fields))
    )


def _brief_fields(account: Account) -> accounts.AccountHeader:
    header = accounts.AccountHeader
    return header(**{part.name: getattr(account, part.name) for part in fields(header)})


# --- the read-only connection --------------------------------------------------------------------


def test_a_read_only_connection_sends_nothing_but_its_selects(database: Database) -> None:
    with database.unit_of_work() as session:
        account_id = _account(session, "CRM-1", "株式会社カミナシ").id

    with sent_statements(database) as sent, database.read_only() as connection:
        first = surface.active_header(connection, account_id)
        second = surface.active_header(connection, account_id)
        dbapi = connection.connection.dbapi_connection
        assert dbapi is not None
        if database.engine.dialect.name == "sqlite":
            assert not dbapi.in_transaction
        else:
            assert dbapi.autocommit

    assert first == second is not None
    assert len(sent) == 2
    assert all(statement.lstrip().upper().startswith("SELECT") for statement in sent)


def test_a_read_only_connection_sees_what_was_committed_after_it_opened(database: Database) -> None:
    """No snapshot is held across its statements: each reads what is committed when it runs."""
    with database.unit_of_work() as session:
        account_id = _account(session, "CRM-1", "株式会社カミナシ").id

    with database.read_only() as connection:
        before = surface.active_header(connection, account_id)
        with database.unit_of_work() as session:
            _account(session, "CRM-1", "株式会社カミナシ", segment="EP")
        after = surface.active_header(connection, account_id)

    assert (before and before.segment, after and after.segment) == ("SMB", "EP")


# --- accounts.candidates against accounts.search ---------------------------------------------------


def test_candidates_are_accounts_search_as_headers(database: Database) -> None:
    with database.unit_of_work() as session:
        for n, name in enumerate(
            (
                "株式会社カミナシ",
                "カミナシ物流株式会社",
                "株式会社たきび",
                "たきび商事",
                "100%テック",
                "A_B ラボ",
                "AxB ラボ",
                "A/B 工房",
                "サクラ",
            )
        ):
            _account(
                session,
                f"CRM-{n}",
                name,
                owner_slack_id=(OWNER, OTHER, None)[n % 3],
                mrr=Decimal(f"{1000 + n}.50"),
                renewal_date=date(2026, 4, n + 1),
                renewal_forecast=(RenewalForecast.LIKELY, None)[n % 2],
            )
        _account(session, "CRM-GONE", "株式会社カミナシ旧", status=AccountStatus.CHURNED)

    queries = (
        "",
        "   ",
        "カミナ",
        "かみなし",
        "株式会社",
        "ﾀｷﾋﾞ",
        "%",
        "_",
        "/",
        "a_b",
        "a/b",
        "%テ",
        "crm-1",
        "x",
    )
    with database.unit_of_work() as session, database.read_only() as connection:
        for query in queries:
            for reader in (OWNER, OTHER, "U0NOBODY"):
                for limit in (1, 3, 20):
                    expected = accounts.search(session, query, limit=limit, prefer_owner=reader)
                    found = accounts.candidates(connection, query, prefer_owner=reader, limit=limit)
                    assert [c.header for c in found] == [_brief_fields(a) for a in expected], (query, reader)
                    assert [c.search_text for c in found] == [a.search_text for a in expected]


def test_exactly_named_picks_the_same_among_entities_and_candidates(database: Database) -> None:
    with database.unit_of_work() as session:
        _account(session, "CRM-1", "株式会社カミナシ")
        _account(session, "CRM-2", "カミナシ物流株式会社")

    with database.unit_of_work() as session, database.read_only() as connection:
        for query in ("カミナシ", "かみなし物流", "カミナ", "crm-2", ""):
            entities = surface.exactly_named(query, accounts.search(session, query))
            found = surface.exactly_named(
                query, accounts.candidates(connection, query, prefer_owner=OWNER, limit=20)
            )
            assert [c.header.id for c in found] == [a.id for a in entities], query


# --- surface.active_header against surface.active_account -------------------------------------------


def test_active_header_is_the_active_account_or_none(database: Database) -> None:
    with database.unit_of_work() as session:
        active = _account(
            session,
            "CRM-1",
            "株式会社カミナシ",
            owner_slack_id=OWNER,
            mrr=Decimal("120000.25"),
            currency="USD",
            renewal_date=date(2026, 3, 31),
            renewal_forecast=RenewalForecast.UNLIKELY,
        ).id
        churned = _account(session, "CRM-2", "株式会社さようなら", status=AccountStatus.CHURNED).id
        missing = (session.scalar(select(Account.id).order_by(Account.id.desc())) or 0) + 1

    with database.unit_of_work() as session, database.read_only() as connection:
        entity = surface.active_account(session, active)
        assert entity is not None
        assert surface.active_header(connection, active) == _brief_fields(entity)
        assert surface.active_header(connection, churned) is None
        assert surface.active_header(connection, missing) is None


# --- key_people.seats against key_people.current -------------------------------------------------


def test_seats_are_the_current_holders_in_the_same_order(database: Database) -> None:
    day = timedelta(days=1)
    with database.unit_of_work() as session:
        account_id = _account(session, "CRM-1", "株式会社カミナシ").id
        other_id = _account(session, "CRM-2", "株式会社たきび").id
        for role, name, since, left_on in (
            (KeyPersonRole.PO, "山田", TODAY - 30 * day, TODAY),  # left today: gone
            (KeyPersonRole.PO, "田中", TODAY, None),  # seated today
            (KeyPersonRole.PL, "佐藤", None, None),
            (KeyPersonRole.PL, "鈴木", TODAY + day, None),  # not yet
            (KeyPersonRole.CHAMPION, "高橋", TODAY - 3 * day, TODAY + day),
            (KeyPersonRole.OPPONENT, "伊藤", None, TODAY + 10 * day),
            (KeyPersonRole.CHAMPION, "渡辺", TODAY - 5 * day, None),
        ):
            key_people.add(session, account_id=account_id, role=role, name=name, since=since, left_on=left_on)
        key_people.add(session, account_id=other_id, role=KeyPersonRole.PO, name="他社")

    with database.unit_of_work() as session, database.read_only() as connection:
        for on in (TODAY - 40 * day, TODAY - day, TODAY, TODAY + day, TODAY + 20 * day):
            expected = [
                (p.id, p.role, p.name, p.since) for p in key_people.current(session, account_id, today=on)
            ]
            found = [
                (s.id, s.role, s.name, s.since) for s in key_people.seats(connection, account_id, today=on)
            ]
            assert found == expected, on


def test_a_holder_whose_start_is_unknown_comes_first_on_every_database(database: Database) -> None:
    """SQLite sorts NULL first and PostgreSQL last unless told: the form must show the same holder."""
    with database.unit_of_work() as session:
        account_id = _account(session, "CRM-1", "株式会社カミナシ").id
        key_people.add(session, account_id=account_id, role=KeyPersonRole.PO, name="田中", since=TODAY)
        key_people.add(session, account_id=account_id, role=KeyPersonRole.PO, name="山田", since=None)

    with database.unit_of_work() as session, database.read_only() as connection:
        assert [p.name for p in key_people.current(session, account_id, today=TODAY)] == ["山田", "田中"]
        assert [s.name for s in key_people.seats(connection, account_id, today=TODAY)] == ["山田", "田中"]


# --- assessments.latest_answers_of against assessments.latest_answers ------------------------------

answer = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=1, max_value=5), st.sampled_from(["a", "b"]), st.just(3.0)
)
assessment = st.fixed_dictionaries(
    {
        "day": st.integers(min_value=0, max_value=4),  # few days: ties on the call date
        "minute": st.integers(min_value=0, max_value=2),  # and on the submission time
        "answers": st.dictionaries(st.sampled_from(QUESTIONS), answer, max_size=len(QUESTIONS)),
    }
)
SAME_ANSWERS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


def test_latest_answers_of_agrees_with_latest_answers(database: Database) -> None:
    """Newest first with an early stop gives what oldest first with overrides gives, ties included."""
    with database.unit_of_work() as session:
        neighbour = _account(session, "CRM-N", "隣の会社").id
        _assess(session, neighbour, {"day": 9, "minute": 0, "answers": dict.fromkeys(QUESTIONS, 1)})
    serial = iter(range(1_000_000))

    @SAME_ANSWERS
    @given(history=st.lists(assessment, max_size=8), wanted=st.sets(st.sampled_from(QUESTIONS)))
    def check(history: list[dict[str, Any]], wanted: set[str]) -> None:
        with database.unit_of_work() as session:
            account_id = _account(session, f"CRM-{next(serial)}", "株式会社テスト").id
            for row in history:
                _assess(session, account_id, row)
        with database.unit_of_work() as session, database.read_only() as connection:
            expected = assessments.latest_answers(session, [account_id], question_ids=wanted).get(
                account_id, ()
            )
            found = assessments.latest_answers_of(connection, account_id, question_ids=wanted)
        assert _by_question(found) == _by_question(expected)
        assert len(found) == len(expected)

    check()


def _assess(session: Session, account_id: int, row: dict[str, Any]) -> None:
    call_date = TODAY - timedelta(days=row["day"])
    assessments.add(
        session,
        account_id=account_id,
        author_slack_id=OWNER,
        call_date=call_date,
        answers=row["answers"],
        submitted_at=datetime(2025, 11, 1, 9, row["minute"], tzinfo=UTC),
        config_version="test",
    )


def _by_question(answers: tuple[Any, ...]) -> dict[str, tuple[Any, date]]:
    return {a.question_id: (a.value, a.answered_on) for a in answers}


def test_latest_answers_of_an_account_never_assessed_is_empty(database: Database) -> None:
    with database.unit_of_work() as session:
        account_id = _account(session, "CRM-1", "株式会社カミナシ").id
    with database.read_only() as connection:
        assert assessments.latest_answers_of(connection, account_id, question_ids=QUESTIONS) == ()
        assert assessments.latest_answers_of(connection, account_id, question_ids=()) == ()


def test_latest_answers_of_reads_no_further_than_it_needs(database: Database) -> None:
    """The newest assessment answers every wanted question: older ones are never decoded (here, an old
    row that is not JSON at all would fail the read)."""
    if database.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite stores a JSON column as text that may be corrupted on purpose")
    with database.unit_of_work() as session:
        account_id = _account(session, "CRM-1", "株式会社カミナシ").id
        for day in range(10, 0, -1):
            _assess(session, account_id, {"day": day, "minute": 0, "answers": dict.fromkeys(QUESTIONS, day)})
        oldest = session.scalar(select(func.min(Assessment.id)).where(Assessment.account_id == account_id))
        session.execute(
            update(Assessment).where(Assessment.id == oldest).values(answers=literal_column("'{'"))
        )

    with database.read_only() as connection:
        found = assessments.latest_answers_of(connection, account_id, question_ids=QUESTIONS[:2])

    assert _by_question(found) == {q: (1, TODAY - timedelta(days=1)) for q in QUESTIONS[:2]}
