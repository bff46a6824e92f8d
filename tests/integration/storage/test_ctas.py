"""At most one open CTA per account and rule, enforced by the database itself."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.enums import CtaPriority, CtaStatus
from storage.models import Account, Cta


def _new_account(database: Database) -> int:
    with database.unit_of_work() as session:
        account = Account(external_id="crm-1", name="株式会社カミナシ", segment="SMB")
        session.add(account)
        session.flush()
        return account.id


def _statuses(database: Database, rule_id: str = "po_left") -> list[CtaStatus]:
    with database.unit_of_work() as session:
        return list(session.scalars(select(Cta.status).where(Cta.rule_id == rule_id).order_by(Cta.id)))


def _cta(account_id: int, rule_id: str = "po_left", status: CtaStatus = CtaStatus.OPEN) -> Cta:
    return Cta(
        account_id=account_id,
        rule_id=rule_id,
        status=status,
        priority=CtaPriority.HIGH,
        due_on=date(2026, 11, 30),
        config_version="v1",
    )


@pytest.mark.parametrize("first_status", [CtaStatus.OPEN, CtaStatus.IN_PROGRESS])
def test_second_open_cta_for_the_same_account_and_rule_is_refused(
    database: Database, first_status: CtaStatus
) -> None:
    account_id = _new_account(database)
    with database.unit_of_work() as session:
        session.add(_cta(account_id, status=first_status))

    with pytest.raises(IntegrityError), database.unit_of_work() as session:
        session.add(_cta(account_id))

    assert _statuses(database) == [first_status]


def test_new_cta_is_allowed_once_the_previous_one_is_closed(database: Database) -> None:
    account_id = _new_account(database)
    with database.unit_of_work() as session:
        first = _cta(account_id)
        session.add(first)
    with database.unit_of_work() as session:
        session.add(first)
        first.status = CtaStatus.DONE

    with database.unit_of_work() as session:
        session.add(_cta(account_id))

    assert _statuses(database) == [CtaStatus.DONE, CtaStatus.OPEN]


def test_open_ctas_of_different_rules_coexist(database: Database) -> None:
    account_id = _new_account(database)
    with database.unit_of_work() as session:
        session.add_all([_cta(account_id, "po_left"), _cta(account_id, "silent_month")])

    assert _statuses(database, "po_left") == _statuses(database, "silent_month") == [CtaStatus.OPEN]


def test_closed_ctas_for_the_same_rule_accumulate(database: Database) -> None:
    account_id = _new_account(database)
    with database.unit_of_work() as session:
        session.add_all([_cta(account_id, status=CtaStatus.DONE), _cta(account_id, status=CtaStatus.EXPIRED)])

    assert _statuses(database) == [CtaStatus.DONE, CtaStatus.EXPIRED]
