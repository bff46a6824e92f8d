"""Text normalisation for account type-ahead.

Japanese company names come in many spellings of the same thing: full- and half-width forms, katakana
or hiragana readings, spaces or none, "株式会社" before or after the name. Both the stored
``accounts.search_text`` and the user's query go through the same folding, so a plain ``LIKE`` on the
folded text finds them all on SQLite and PostgreSQL alike, with no database extension.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Katakana ァ (U+30A1) .. ヶ (U+30F6) and the iteration marks ヽヾ sit exactly 0x60 above their hiragana.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in (*range(0x30A1, 0x30F7), 0x30FD, 0x30FE)}
_WHITESPACE = re.compile(r"\s+")

# Corporate designators that users leave out when they type a name; after NFKC "㈱" is "(株)".
_CORPORATE_DESIGNATORS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|\(株\)|\(有\)|\(同\)"
)

SEPARATOR = "\n"
"""Joins the folded terms of one account; the query never contains it, so a match never spans two terms,
and ``SEPARATOR + query`` finds a prefix of any term."""


def normalize_for_search(text: str) -> str:
    """Fold ``text`` so that spellings a person considers equal compare equal.

    NFKC (full/half width), casefold, katakana to hiragana, and all whitespace removed (people type
    "カミナシ 株式会社" and "カミナシ株式会社" for the same company).
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_KATAKANA_TO_HIRAGANA)
    return _WHITESPACE.sub("", folded)


def build_search_text(*, name: str, name_kana: str | None, aliases: Iterable[str], external_id: str) -> str:
    """The value stored in ``accounts.search_text``: every folded term, one per line.

    The name is also stored without its corporate designator, so typing the start of the distinctive
    part ("カミナ" for "株式会社カミナシ") counts as a prefix match.
    """
    folded_name = normalize_for_search(name)
    candidates = (
        folded_name,
        _CORPORATE_DESIGNATORS.sub("", folded_name),
        *(normalize_for_search(raw) for raw in (name_kana or "", *aliases, external_id)),
    )
    terms: list[str] = []
    for term in candidates:
        if term and term not in terms:
            terms.append(term)
    return SEPARATOR.join(terms)
