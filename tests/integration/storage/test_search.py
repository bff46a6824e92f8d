"""The folding behind account type-ahead (pure functions; here because storage owns them)."""

from __future__ import annotations

import pytest

from storage.search import SEPARATOR, build_search_text, normalize_for_search


@pytest.mark.parametrize(
    ("spelling", "folded"),
    [
        ("カミナシ", "かみなし"),  # katakana → hiragana
        ("ｶﾐﾅｼ", "かみなし"),  # half-width katakana
        ("ガ", "が"),  # voiced mark survives
        ("ｶﾞ", "が"),  # half-width voiced mark composes
        ("ＡＣＭＥ　Ｃｏｒｐ", "acmecorp"),  # full-width latin and ideographic space
        ("Straße", "strasse"),  # casefold, not lower
        ("ヴァ", "ゔぁ"),
        ("㈱カミナシ", "(株)かみなし"),
    ],
)
def test_spellings_of_the_same_name_fold_together(spelling: str, folded: str) -> None:
    assert normalize_for_search(spelling) == folded


def test_search_text_holds_each_term_once_and_the_name_without_its_designator() -> None:
    text = build_search_text(
        name="株式会社カミナシ", name_kana="カミナシ", aliases=["KAMINASHI", "かみなし"], external_id="SF-001"
    )

    assert text.split(SEPARATOR) == ["株式会社かみなし", "かみなし", "kaminashi", "sf-001"]
