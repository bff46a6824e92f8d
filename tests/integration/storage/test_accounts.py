"""Account upsert from importers, and the type-ahead search over Japanese names."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from storage.db import Database
from storage.enums import AccountStatus, RenewalForecast
from storage.models import Account
from storage.repositories import accounts
from storage.repositories.accounts import AccountInput

OWNER = "U_OWNER"
OTHER = "U_OTHER"


def _upsert(database: Database, data: AccountInput) -> Account:
    with database.unit_of_work() as session:
        return accounts.upsert_by_external_id(session, data)


def _names(found: Sequence[Account]) -> list[str]:
    return [account.name for account in found]


def _search(database: Database, query: str, prefer_owner: str | None = None) -> list[str]:
    with database.unit_of_work() as session:
        return _names(accounts.search(session, query, limit=20, prefer_owner=prefer_owner))


def _seed(session: Session, *rows: tuple[str, str, str | None, str | None]) -> None:
    for external_id, name, kana, owner in rows:
        accounts.upsert_by_external_id(
            session,
            AccountInput(
                external_id=external_id, name=name, name_kana=kana, owner_slack_id=owner, segment="SMB"
            ),
        )


def test_upsert_creates_the_account_with_its_search_text(database: Database) -> None:
    created = _upsert(
        database,
        AccountInput(
            external_id="SF-1",
            name="株式会社カミナシ",
            name_kana="カミナシ",
            segment="MM",
            mrr=Decimal("120000"),
        ),
    )

    with database.unit_of_work() as session:
        stored = accounts.get_by_external_id(session, "SF-1")
    assert stored is not None
    assert stored.id == created.id
    assert (stored.segment, stored.mrr, stored.currency, stored.status) == (
        "MM",
        Decimal("120000.00"),
        "JPY",
        AccountStatus.ACTIVE,
    )
    assert "かみなし" in stored.search_text


def test_upsert_updates_only_the_fields_the_input_sets(database: Database) -> None:
    created = _upsert(database, AccountInput(external_id="SF-1", name="カミナシ", segment="SMB"))
    with database.unit_of_work() as session:
        account = accounts.get(session, created.id)
        assert account is not None
        account.alert_channel_id = "C_ALERTS"  # set in Slack, unknown to the CRM
        account.renewal_forecast = RenewalForecast.LIKELY

    _upsert(database, AccountInput(external_id="SF-1", name="株式会社カミナシ", segment="MM"))

    with database.unit_of_work() as session:
        updated = accounts.get(session, created.id)
    assert updated is not None
    assert (updated.name, updated.segment) == ("株式会社カミナシ", "MM")
    assert (updated.alert_channel_id, updated.renewal_forecast) == ("C_ALERTS", RenewalForecast.LIKELY)
    assert updated.search_text.startswith("株式会社かみなし")


def test_upsert_with_unchanged_data_does_not_touch_updated_at(database: Database) -> None:
    data = AccountInput(external_id="SF-1", name="カミナシ", segment="SMB", aliases=("KMN",))
    first = _upsert(database, data)

    second = _upsert(database, data)

    assert second.updated_at == first.updated_at


def test_input_refuses_a_negative_mrr() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        AccountInput(external_id="SF-1", name="x", segment="SMB", mrr=Decimal(-1))


def test_list_active_leaves_out_churned_accounts(database: Database) -> None:
    churned = AccountStatus.CHURNED
    _upsert(database, AccountInput(external_id="A", name="Active", segment="SMB"))
    _upsert(database, AccountInput(external_id="C", name="Churned", segment="SMB", status=churned))

    with database.unit_of_work() as session:
        assert _names(accounts.list_active(session)) == ["Active"]


@pytest.fixture
def japanese_accounts(database: Database) -> Database:
    with database.unit_of_work() as session:
        _seed(
            session,
            ("SF-1", "株式会社カミナシ", "カミナシ", OTHER),
            ("SF-2", "アカミナ商事", None, OWNER),  # contains "カミナ", but not at the start
            ("SF-3", "ＡＣＭＥ株式会社", "アクメ", OTHER),
            ("SF-4", "ｻﾝﾌﾟﾙ工業", None, OTHER),
            ("SF-5", "100%テック", None, OTHER),
        )
    return database


def test_katakana_fragment_finds_a_company_name_behind_its_designator(japanese_accounts: Database) -> None:
    assert "株式会社カミナシ" in _search(japanese_accounts, "カミナ")


def test_hiragana_query_finds_a_katakana_name(japanese_accounts: Database) -> None:
    assert _search(japanese_accounts, "かみなし") == ["株式会社カミナシ"]


def test_half_width_and_full_width_forms_match_each_other(japanese_accounts: Database) -> None:
    assert _search(japanese_accounts, "acme") == ["ＡＣＭＥ株式会社"]
    assert _search(japanese_accounts, "サンプル") == ["ｻﾝﾌﾟﾙ工業"]
    assert _search(japanese_accounts, "ｶﾐﾅｼ") == ["株式会社カミナシ"]


def test_reading_and_crm_id_are_searchable(japanese_accounts: Database) -> None:
    assert _search(japanese_accounts, "あくめ") == ["ＡＣＭＥ株式会社"]
    assert _search(japanese_accounts, "sf-4") == ["ｻﾝﾌﾟﾙ工業"]


def test_prefix_matches_come_before_matches_inside_a_name(japanese_accounts: Database) -> None:
    assert _search(japanese_accounts, "カミナ") == ["株式会社カミナシ", "アカミナ商事"]


def test_owners_accounts_come_first(japanese_accounts: Database) -> None:
    assert _search(japanese_accounts, "カミナ", prefer_owner=OWNER) == ["アカミナ商事", "株式会社カミナシ"]


def test_like_wildcards_in_the_query_are_literal(japanese_accounts: Database) -> None:
    assert _search(japanese_accounts, "100%") == ["100%テック"]
    assert _search(japanese_accounts, "%") == ["100%テック"]


def test_search_leaves_out_churned_accounts_unless_asked(database: Database) -> None:
    churned = AccountStatus.CHURNED
    _upsert(database, AccountInput(external_id="C", name="カミナシ", segment="SMB", status=churned))

    with database.unit_of_work() as session:
        assert accounts.search(session, "カミナシ") == []
        assert _names(accounts.search(session, "カミナシ", include_churned=True)) == ["カミナシ"]


def test_search_respects_the_limit(japanese_accounts: Database) -> None:
    with japanese_accounts.unit_of_work() as session:
        assert len(accounts.search(session, "", limit=2)) == 2
