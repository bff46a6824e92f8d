"""Importing accounts from CSV: upsert by external id, every bad line reported, all-or-nothing by default."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.i18n import Locale, Translator
from bot.sandbox import SlackStandIn
from handlers.services.accounts_import import Action, ImportReport, SlackEmailLookup, import_accounts
from storage.db import Database
from storage.enums import AccountStatus
from storage.models import Account
from storage.repositories import accounts

SEGMENTS = frozenset({"SMB", "MM", "EP"})
HEADER = (
    "external_id,name,name_kana,aliases,owner,segment,alert_channel,mrr,plan,renewal_date,status,churned_on"
)
GOOD = (
    f"{HEADER}\n"
    'CRM-1,株式会社カミナシ,カミナシ,カミナシ|Kaminashi,U0SATO,MM,C0CSMM,"¥1,200,000",プロ,2027/4/1,,\n'
    "CRM-2,有限会社さくら弁当,サクラベントウ,,U0SUZUKI,SMB,,50000,ライト,2027-01-15,active,\n"
    "CRM-3,株式会社いなほ精米,,,,SMB,,0,,,churned,2026-10-01\n"
)


def _import(database: Database, text: str | bytes, **options: object) -> ImportReport:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with database.unit_of_work() as session:
        return import_accounts(session, data, segments=SEGMENTS, **options)  # type: ignore[arg-type]


def _count(database: Database) -> int:
    with database.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Account)) or 0)


def test_a_good_file_creates_every_account(database: Database) -> None:
    report = _import(database, GOOD)

    assert (report.rows, report.problems, report.written) == (3, (), True)
    assert report.count(Action.CREATED) == 3
    with database.unit_of_work() as session:
        kaminashi = accounts.get_by_external_id(session, "CRM-1")
        churned = accounts.get_by_external_id(session, "CRM-3")
        assert kaminashi is not None
        assert churned is not None
        assert kaminashi.aliases == ["カミナシ", "Kaminashi"]
        assert kaminashi.mrr == Decimal("1200000")
        assert kaminashi.renewal_date == date(2027, 4, 1)
        assert (kaminashi.owner_slack_id, kaminashi.alert_channel_id) == ("U0SATO", "C0CSMM")
        assert (churned.status, churned.churned_on) == (AccountStatus.CHURNED, date(2026, 10, 1))
        assert "かみなし" in kaminashi.search_text


def test_importing_again_changes_nothing_and_an_edit_is_an_update(database: Database) -> None:
    _import(database, GOOD)

    again = _import(database, GOOD)
    edited = _import(database, GOOD.replace("50000,ライト", "80000,スタンダード"))

    assert again.count(Action.UNCHANGED) == 3
    assert [
        (c.external_id, c.action, c.fields) for c in edited.changes if c.action is not Action.UNCHANGED
    ] == [("CRM-2", Action.UPDATED, ("mrr", "plan"))]


def test_columns_absent_from_the_file_are_left_alone(database: Database) -> None:
    _import(database, GOOD)

    _import(database, "external_id,name,segment\nCRM-1,株式会社カミナシ,EP\n")

    with database.unit_of_work() as session:
        account = accounts.get_by_external_id(session, "CRM-1")
        assert account is not None
        assert (account.segment, account.alert_channel_id, account.plan) == ("EP", "C0CSMM", "プロ")


BAD = (
    "external_id,name,segment,owner,mrr,renewal_date,contract_start,status,alert_channel\n"
    "CRM-1,株式会社カミナシ,MM,U0SATO,1000,2027-04-01,2026-04-01,active,C0CSMM\n"
    'CRM-2,"株式会社\n改行入り",XL,sato,abc,2027-02-30,,active,#general\n'
    "CRM-3,,SMB,,,,,,\n"
    "CRM-1,重複,SMB,,,,,,\n"
    "CRM-4,日付の順,SMB,,-5,2026-01-01,2026-04-01,churned,\n"
    "CRM-5,列が足りない\n"
)


def test_every_bad_line_is_reported_with_its_number_and_reason(database: Database) -> None:
    report = _import(database, BAD)

    found = {(p.line, p.column, p.key) for p in report.problems}
    assert found == {
        (3, "segment", "import.error.segment"),
        (3, "owner", "import.error.owner"),
        (3, "mrr", "import.error.number"),
        (3, "renewal_date", "import.error.date"),
        (3, "alert_channel", "import.error.channel"),
        (5, "name", "import.error.required"),
        (6, "external_id", "import.error.duplicate"),
        (7, "mrr", "import.error.negative"),
        (8, None, "import.error.cells"),
    }, "line 3 holds a quoted line break, so the next record starts on line 5"
    assert report.bad_lines == (3, 5, 6, 7, 8)


def test_problems_read_in_both_languages(database: Database) -> None:
    report = _import(database, BAD)
    segment = next(p for p in report.problems if p.key == "import.error.segment")

    assert (
        Translator(Locale.JA)(segment.key, **segment.params)
        == "設定にないセグメント「XL」です (使えるもの: EP, MM, SMB)"
    )
    assert (
        Translator(Locale.EN)(segment.key, **segment.params)
        == "Segment “XL” is not in the configuration (known: EP, MM, SMB)"
    )
    for problem in report.problems:
        for locale in Locale:
            assert Translator(locale)(problem.key, **problem.params)


def test_a_later_date_before_an_earlier_one_and_churn_without_date_are_refused(database: Database) -> None:
    text = (
        "external_id,name,segment,contract_start,renewal_date,status,churned_on\n"
        "A,株式会社A,SMB,2026-04-01,2026-01-01,,\n"
        "B,株式会社B,SMB,,,churned,\n"
        "C,株式会社C,SMB,,,active,2026-01-01\n"
    )
    report = _import(database, text)
    assert [(p.line, p.key, dict(p.params)) for p in report.problems] == [
        (2, "import.error.date_order", {"column": "renewal_date", "other": "contract_start"}),
        (3, "import.error.churned_without_date", {}),
        (4, "import.error.churn_date_but_active", {}),
    ]


def test_nothing_is_written_when_a_line_is_bad(database: Database) -> None:
    report = _import(database, BAD)

    assert not report.written
    assert _count(database) == 0


def test_skip_bad_writes_the_good_lines(database: Database) -> None:
    report = _import(database, BAD, skip_bad=True)

    assert report.written
    assert report.count(Action.CREATED) == 1
    assert _count(database) == 1


def test_a_dry_run_writes_nothing_and_says_what_would_change(database: Database) -> None:
    _import(database, GOOD)
    text = GOOD.replace("50000,ライト", "80000,ライト") + "CRM-4,株式会社新規,,,,EP,,0,,,,\n"

    report = _import(database, text, dry_run=True)

    assert not report.written
    assert {c.external_id: c.action for c in report.changes} == {
        "CRM-1": Action.UNCHANGED,
        "CRM-2": Action.UPDATED,
        "CRM-3": Action.UNCHANGED,
        "CRM-4": Action.CREATED,
    }
    assert _count(database) == 3
    with database.unit_of_work() as session:
        crm2 = accounts.get_by_external_id(session, "CRM-2")
        assert crm2 is not None
        assert crm2.mrr == Decimal("50000")


def test_header_problems_stop_the_file(database: Database) -> None:
    report = _import(database, "external_id,name,segmnet,name\nA,B,SMB,C\n")
    assert {(p.line, p.key) for p in report.problems} == {
        (1, "import.error.unknown_column"),
        (1, "import.error.missing_column"),
        (1, "import.error.duplicate_column"),
    }
    assert _import(database, "").problems[0].key == "import.error.empty"
    assert _import(database, b"external_id\x81\x20name").problems[0].key == "import.error.encoding"


def test_a_shift_jis_file_from_excel_is_read(database: Database) -> None:
    report = _import(database, GOOD.replace("¥", "￥").encode("cp932"))  # Excel writes the full-width yen
    assert report.problems == ()
    assert report.count(Action.CREATED) == 3


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


def test_an_owner_given_by_e_mail_is_resolved_through_slack_once_per_address(
    database: Database, standin: SlackStandIn
) -> None:
    lookup = SlackEmailLookup(WebClient(token="xoxb-test", base_url=standin.base_url))
    text = (
        "external_id,name,segment,owner\n"
        "A,株式会社A,SMB,sato@takibi.example\n"
        "B,株式会社B,SMB,Sato@Takibi.example\n"
        "C,株式会社C,SMB,nobody@takibi.example\n"
        "D,株式会社D,SMB,emily@takibi.example\n"
    )

    report = _import(database, text, lookup=lookup, skip_bad=True)

    assert [(p.line, p.key) for p in report.problems] == [(4, "import.error.owner_not_found")]
    with database.unit_of_work() as session:
        owners = {a.external_id: a.owner_slack_id for a in session.scalars(select(Account))}
    assert owners == {"A": "U0SATO", "B": "U0SATO", "D": "U0EMILY"}
    asked = [str(call.params.get("email")) for call in standin.calls_to("users.lookupByEmail")]
    assert sorted(asked) == ["emily@takibi.example", "nobody@takibi.example", "sato@takibi.example"]


def test_without_slack_an_e_mail_owner_is_a_bad_line(database: Database) -> None:
    report = _import(database, "external_id,name,segment,owner\nA,株式会社A,SMB,sato@takibi.example\n")
    assert [(p.line, p.key) for p in report.problems] == [(2, "import.error.owner_email_needs_slack")]
