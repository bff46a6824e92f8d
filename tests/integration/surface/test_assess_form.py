"""The assess modal's content read over a read-only connection, held to what the ORM reads give."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from handlers.forms import EDITABLE_ROLES
from handlers.services import assess as service
from handlers.services.access import AccessPolicy
from scoring.config_access import AccessAdmins, AccessSettings
from scoring.model import AnswerValue
from storage.db import Database
from storage.enums import AccountStatus, KeyPersonRole, RenewalForecast
from storage.repositories import accounts, assessments, key_people, surface
from storage.repositories.accounts import AccountInput
from tests.statements import sent_statements

OWNER = "U0OWNER"
COLLEAGUE = "U0COLLEAGUE"
ADMIN = "U0ADMIN"
TODAY = date(2025, 11, 20)
QUESTIONS = ("po_exists", "pl_exists", "driver", "homework")


class NoMemberships:
    def usergroup_members(self, usergroup: str) -> frozenset[str]:
        return frozenset()

    def channel_members(self, channel_id: str) -> frozenset[str]:
        return frozenset()


ACCESS = AccessPolicy(AccessSettings(admins=AccessAdmins(users=(ADMIN,))), NoMemberships())


def _seed(session: Session) -> dict[str, int]:
    ids: dict[str, int] = {}
    for n, (name, owner) in enumerate(
        (
            ("株式会社カミナシ", OWNER),
            ("カミナシ物流株式会社", COLLEAGUE),
            ("株式会社たきび", None),
            ("株式会社たきび商事", OWNER),
            ("株式会社さようなら", OWNER),
        )
    ):
        ids[name] = accounts.upsert_by_external_id(
            session,
            AccountInput(
                external_id=f"CRM-{n}",
                name=name,
                segment=("SMB", "MM", "EP")[n % 3],
                owner_slack_id=owner,
                mrr=Decimal("98000.50"),
                renewal_date=date(2026, 3, 31),
                renewal_forecast=RenewalForecast.UNCERTAIN if n % 2 else None,
                status=AccountStatus.CHURNED if name == "株式会社さようなら" else AccountStatus.ACTIVE,
            ),
        ).id
    kaminashi = ids["株式会社カミナシ"]
    history: tuple[tuple[int, dict[str, AnswerValue]], ...] = (
        (30, {"po_exists": True, "pl_exists": True, "driver": 4, "homework": "yes"}),
        (10, {"po_exists": False, "driver": None}),
        (10, {"pl_exists": None}),
        (2, {"homework": "no", "retired": 1}),
    )
    for day, answers in history:
        assessments.add(
            session,
            account_id=kaminashi,
            author_slack_id=OWNER,
            call_date=TODAY - timedelta(days=day),
            answers=answers,
            submitted_at=datetime(2025, 11, 1, tzinfo=UTC),
            config_version="test",
        )
    for role, name, since, left_on in (
        (KeyPersonRole.PO, "山田", date(2024, 1, 1), date(2025, 6, 1)),
        (KeyPersonRole.PO, "田中", date(2025, 6, 1), None),
        (KeyPersonRole.PL, "佐藤", date(2025, 1, 1), None),
        (KeyPersonRole.PL, "鈴木", date(2025, 9, 1), None),
        (KeyPersonRole.CHAMPION, "高橋", None, None),
    ):
        key_people.add(session, account_id=kaminashi, role=role, name=name, since=since, left_on=left_on)
    return ids


def _form_from_entities(session: Session, account_id: int | None, *, reader: str) -> service.AssessForm:
    """The form as it was read before the column reads: ORM entities in a unit of work."""
    account = surface.active_account(session, account_id) if account_id is not None else None
    if account is None:
        return service.AssessForm(today=TODAY, reader=reader)
    latest = assessments.latest_answers(session, [account.id], question_ids=QUESTIONS).get(account.id, ())
    seats: dict[KeyPersonRole, service.Person] = {}
    for person in key_people.current(session, account.id, today=TODAY):
        if person.role in EDITABLE_ROLES:
            seats.setdefault(person.role, service.Person(person.id, person.role, person.name, person.since))
    return service.AssessForm(
        today=TODAY,
        reader=reader,
        account=service.AccountBrief.of(account),
        previous={a.question_id: service.PreviousAnswer(a.value, a.answered_on) for a in latest},
        people=seats,
        may_change_people=ACCESS.may_change_key_people(reader, account.owner_slack_id),
    )


def _account_from_entities(session: Session, argument: str, *, reader: str) -> service.AccountBrief | None:
    if not argument.strip():
        return None
    found = accounts.search(session, argument, limit=20, prefer_owner=reader)
    if len(found) == 1:
        return service.AccountBrief.of(found[0])
    exact = surface.exactly_named(argument, found)
    return service.AccountBrief.of(exact[0]) if len(exact) == 1 else None


def _load(connection: Any, account_id: int | None, reader: str) -> service.AssessForm:
    return service.load_form(
        connection, account_id, reader=reader, access=ACCESS, today=TODAY, question_ids=QUESTIONS
    )


def test_the_form_is_what_the_orm_reads_give(database: Database) -> None:
    with database.unit_of_work() as session:
        ids = _seed(session)

    with database.unit_of_work() as session, database.read_only() as connection:
        for account_id in (*ids.values(), None, max(ids.values()) + 1):
            for reader in (OWNER, COLLEAGUE, ADMIN):
                assert _load(connection, account_id, reader) == _form_from_entities(
                    session, account_id, reader=reader
                )


def test_the_form_shows_the_newest_answers_and_the_current_po_and_pl(database: Database) -> None:
    with database.unit_of_work() as session:
        kaminashi = _seed(session)["株式会社カミナシ"]

    with database.read_only() as connection:
        form = _load(connection, kaminashi, OWNER)

    assert form.account is not None
    assert (form.account.name, form.account.mrr) == ("株式会社カミナシ", Decimal("98000.50"))
    assert {q: (p.value, (TODAY - p.answered_on).days) for q, p in form.previous.items()} == {
        "po_exists": (False, 10),
        "pl_exists": (None, 10),
        "driver": (None, 10),
        "homework": ("no", 2),
    }
    assert {role: person.name for role, person in form.people.items()} == {
        KeyPersonRole.PO: "田中",
        KeyPersonRole.PL: "佐藤",
    }
    assert form.may_change_people


def test_a_typed_name_means_what_it_meant_with_entities(database: Database) -> None:
    with database.unit_of_work() as session:
        _seed(session)

    arguments = (
        "カミナシ",
        "かみなし",
        "カミナ",
        "たきび",
        "たきび商事",
        "さようなら",
        "crm-1",
        "nothing",
        " ",
        "%",
    )
    with database.unit_of_work() as session, database.read_only() as connection:
        for argument in arguments:
            for reader in (OWNER, COLLEAGUE):
                expected = _account_from_entities(session, argument, reader=reader)
                assert service.command_account(connection, argument, reader=reader) == expected, argument


def test_building_the_form_sends_four_selects_and_nothing_else(database: Database) -> None:
    """One statement per read (the match, the account, its answers, its people): no BEGIN, no
    COMMIT or ROLLBACK statement, no write."""
    with database.unit_of_work() as session:
        _seed(session)
    with sent_statements(database) as sent, database.read_only() as connection:
        named = service.command_account(connection, "株式会社カミナシ", reader=OWNER)
        assert named is not None
        form = _load(connection, named.id, OWNER)

    assert form.previous
    assert len(sent) == 4
    assert all(statement.lstrip().upper().startswith("SELECT") for statement in sent)
