"""``storage.repositories.nudges`` on SQLite and PostgreSQL: what counts as due, pauses, records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from storage.db import Database
from storage.enums import AccountStatus, CtaStatus, NudgeOutcome
from storage.models import Account, Cta
from storage.repositories import nudges
from tests.integration.nudges.conftest import SATO, Seeded

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_account_facts_carry_the_latest_call_date_of_active_accounts(
    database: Database, seeded: Seeded
) -> None:
    with database.unit_of_work() as session:
        facts = {f.account_id: f for f in nudges.account_facts(session)}
    assert facts[seeded.stale].last_assessed == date(2026, 5, 1)
    assert facts[seeded.missing].last_assessed is None
    assert facts[seeded.fresh].owner == "U0EMILY"


def test_an_overdue_cta_falls_back_to_the_account_owner(database: Database, seeded: Seeded) -> None:
    with database.unit_of_work() as session:
        (overdue,) = nudges.overdue_ctas(session, today=TODAY, now=NOW)
    assert (overdue.cta_id, overdue.owner, overdue.due_on) == (seeded.cta, SATO, date(2026, 11, 20))


def test_snoozed_closed_and_churned_ctas_are_not_overdue(database: Database, seeded: Seeded) -> None:
    with database.unit_of_work() as session:
        cta = session.get(Cta, seeded.cta)
        assert cta is not None
        cta.snoozed_until = NOW + timedelta(days=1)
    with database.unit_of_work() as session:
        assert nudges.overdue_ctas(session, today=TODAY, now=NOW) == []
        cta = session.get(Cta, seeded.cta)
        assert cta is not None
        cta.snoozed_until, cta.status = None, CtaStatus.DONE
    with database.unit_of_work() as session:
        assert nudges.overdue_ctas(session, today=TODAY, now=NOW) == []
        cta = session.get(Cta, seeded.cta)
        assert cta is not None
        cta.status = CtaStatus.OPEN
        account = session.scalars(select(Account).where(Account.id == seeded.cta_account)).one()
        account.status = AccountStatus.CHURNED
    with database.unit_of_work() as session:
        assert nudges.overdue_ctas(session, today=TODAY, now=NOW) == []


def test_a_preference_keeps_the_language_when_a_pause_is_lifted(database: Database) -> None:
    with database.unit_of_work() as session:
        nudges.set_preference(session, SATO, paused_through=date(2026, 11, 30), locale="en", now=NOW)
    with database.unit_of_work() as session:
        nudges.set_preference(session, SATO, paused_through=None, locale=None, now=NOW)
    with database.unit_of_work() as session:
        assert nudges.preferences(session) == {SATO: nudges.Preference(SATO, None, "en")}


def test_only_the_latest_unresolved_nudge_before_a_day_is_previous(database: Database) -> None:
    with database.unit_of_work() as session:
        for day in (date(2026, 11, 20), date(2026, 11, 24)):
            nudges.add(
                session,
                user=SATO,
                day=day,
                items=["assess:1"],
                total=1,
                streak=0,
                steward_told=False,
                now=NOW,
            )
    with database.unit_of_work() as session:
        assert [p.day for p in nudges.unresolved_before(session, TODAY).values()] == [date(2026, 11, 20)]
        assert nudges.resolve(session, SATO, date(2026, 11, 20), NudgeOutcome.IGNORED, on=TODAY)
        assert not nudges.resolve(session, SATO, date(2026, 11, 20), NudgeOutcome.FIXED, on=TODAY)
    with database.unit_of_work() as session:
        assert nudges.unresolved_before(session, TODAY) == {}
        assert nudges.nudged_on(session, TODAY) == {SATO}
