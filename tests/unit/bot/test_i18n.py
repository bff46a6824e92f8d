import re
from string import Formatter

import pytest

from bot.i18n import Locale, Translator, catalog


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def test_every_key_exists_in_both_languages() -> None:
    assert set(catalog(Locale.JA)) == set(catalog(Locale.EN))


def test_both_languages_use_the_same_fields() -> None:
    ja, en = catalog(Locale.JA), catalog(Locale.EN)
    mismatched = {key for key in ja if _fields(ja[key]) != _fields(en[key])}
    assert not mismatched


def test_japanese_catalog_is_japanese() -> None:
    kana_or_kanji = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    untranslated = [key for key, text in catalog(Locale.JA).items() if not kana_or_kanji.search(text)]
    allowed = {key for key in untranslated if catalog(Locale.JA)[key] == catalog(Locale.EN)[key]}
    assert set(untranslated) == allowed, "a Japanese message written only in English"


@pytest.mark.parametrize(
    ("slack_locale", "expected"),
    [
        ("ja-JP", Locale.JA),
        ("en-US", Locale.EN),
        ("en-GB", Locale.EN),
        ("fr-FR", Locale.JA),
        (None, Locale.JA),
    ],
)
def test_slack_locales_map_to_ours(slack_locale: str | None, expected: Locale) -> None:
    assert Locale.from_slack(slack_locale, Locale.JA) is expected


def test_translator_formats_and_resolves_lazily() -> None:
    calls: list[int] = []

    def resolve() -> Locale:
        calls.append(1)
        return Locale.EN

    t = Translator(resolve)
    assert calls == []
    assert t("error.unexpected", error_id="ab12").endswith("`ab12`.")
    t("help.title")
    assert calls == [1]


def test_unknown_key_is_a_bug_not_a_blank() -> None:
    with pytest.raises(KeyError):
        Translator(Locale.JA)("no.such.key")
