"""CLI tables line up Japanese text: a full-width character takes two columns."""

from __future__ import annotations

from bot.cli_rules import display_width, table


def test_display_width_counts_wide_characters_twice() -> None:
    assert display_width("abc") == 3
    assert display_width("顧客") == 4
    assert display_width("ＡＢ") == 4
    assert display_width("ｶﾅ") == 2
    assert display_width("e\u0301") == 1


def test_columns_line_up_by_display_width() -> None:
    lines = table(["顧客", "状態"], [["株式会社アルファ", "新規"], ["Beta Inc.", "CTA #3"]], indent="  ")
    assert lines == [
        "  顧客              状態",
        "  株式会社アルファ  新規",
        "  Beta Inc.         CTA #3",
    ]


def test_right_aligned_number_columns() -> None:
    assert table(["ルール", "発動"], [["a", "3"], ["bb", "12"]], right=[1]) == [
        "ルール  発動",
        "a          3",
        "bb        12",
    ]
