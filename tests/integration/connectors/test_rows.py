"""Row checking on its own (no database): which source values make a good row, and why a bad one is bad."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from storage.connectors.base import SourceRow
from storage.connectors.rows import BadReason, BadRow, GoodRow, RowChecker, RowField
from tests.integration.connectors.conftest import TODAY

CHECKER = RowChecker(
    accounts={"CUST-001": 1, "10234": 2},
    metrics={"login_rate": "login_rate", "ログイン率": "login_rate", "features": "key_feature_use"},
    today=TODAY,
)


def check(
    account: object = "CUST-001",
    day: object = "2024-11-14",
    metric: object = "login_rate",
    value: object = 0.5,
) -> GoodRow | BadRow:
    return CHECKER.check(SourceRow(7, account, day, metric, value))


@pytest.mark.parametrize(
    "day",
    [
        "2024-11-14",
        "20241114",
        "2024/11/14",
        "2024/11/14 ",
        " 2024-11-14",
        "2024-11-14T00:00:00",
        date(2024, 11, 14),
        datetime(2024, 11, 14),
    ],
)
def test_dates_as_exports_write_them(day: object) -> None:
    assert check(day=day) == (1, CHECKER.metric_ids.index("login_rate"), date(2024, 11, 14), 0.5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.53", 0.53),
        (" 12 ", 12.0),
        ("1,234.5", 1234.5),
        (3, 3.0),
        (Decimal("0.125"), 0.125),
        ("1e3", 1000.0),
    ],
)
def test_numbers_as_sources_give_them(value: object, expected: float) -> None:
    good = check(value=value)
    assert not isinstance(good, BadRow)
    assert good[3] == expected


def test_numeric_ids_and_mapped_names_are_matched() -> None:
    good = check(account=10234, metric="ログイン率")
    assert not isinstance(good, BadRow)
    assert good[:2] == (2, CHECKER.metric_ids.index("login_rate"))


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        (("CUST-404", "2024-11-14", "login_rate", 0.5), RowField.ACCOUNT, BadReason.UNKNOWN_ACCOUNT),
        ((" ", "2024-11-14", "login_rate", 0.5), RowField.ACCOUNT, BadReason.MISSING),
        (("CUST-001", "2024-02-30", "login_rate", 0.5), RowField.DATE, BadReason.BAD_DATE),
        (("CUST-001", "14/11/2024", "login_rate", 0.5), RowField.DATE, BadReason.BAD_DATE),
        (("CUST-001", 1731542400, "login_rate", 0.5), RowField.DATE, BadReason.BAD_DATE),
        (("CUST-001", "2024-11-14T09:30:00", "login_rate", 0.5), RowField.DATE, BadReason.BAD_DATE),
        (("CUST-001", "2024-11-16", "login_rate", 0.5), RowField.DATE, BadReason.FUTURE_DATE),
        (("CUST-001", None, "login_rate", 0.5), RowField.DATE, BadReason.MISSING),
        (("CUST-001", "2024-11-14", "onboarding_delay_days", 0.5), RowField.METRIC, BadReason.UNKNOWN_METRIC),
        (("CUST-001", "2024-11-14", "login_rate", True), RowField.VALUE, BadReason.NOT_A_NUMBER),
        (("CUST-001", "2024-11-14", "login_rate", "1.2.3"), RowField.VALUE, BadReason.NOT_A_NUMBER),
        (("CUST-001", "2024-11-14", "login_rate", float("inf")), RowField.VALUE, BadReason.NOT_FINITE),
        (("CUST-001", "2024-11-14", "login_rate", "-inf"), RowField.VALUE, BadReason.NOT_FINITE),
        (("CUST-001", "2024-11-14", "login_rate", None), RowField.VALUE, BadReason.MISSING),
    ],
)
def test_bad_rows_say_which_field_and_why(
    fields: tuple[object, object, object, object], field: RowField, reason: BadReason
) -> None:
    bad = check(*fields)
    assert isinstance(bad, BadRow)
    assert (bad.number, bad.field, bad.reason) == (7, field, reason)


def test_a_long_value_is_cut_in_the_report() -> None:
    bad = check(value="x" * 500)
    assert isinstance(bad, BadRow)
    assert len(bad.value) == 40
    assert bad.value.endswith("…")


def test_a_date_format_replaces_the_defaults() -> None:
    checker = RowChecker(accounts={"A": 1}, metrics={"m": "login_rate"}, today=TODAY, date_format="%d.%m.%Y")
    good = checker.check(SourceRow(2, "A", "14.11.2024", "m", 1))
    assert not isinstance(good, BadRow)
    assert good[2] == date(2024, 11, 14)
    bad = checker.check(SourceRow(3, "A", "2024-11-14", "m", 1))
    assert isinstance(bad, BadRow)
    assert bad.reason is BadReason.BAD_DATE
