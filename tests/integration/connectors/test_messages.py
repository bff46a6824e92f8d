"""Every message a pull or the connectors section can show exists in Japanese and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import Locale, catalog
from storage.connectors.rows import BadReason, RowField

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    *sorted((ROOT / "storage" / "connectors").glob("*.py")),
    ROOT / "handlers" / "services" / "usage_pull.py",
    ROOT / "scoring" / "config_connectors.py",
]
KEY = re.compile(r"\"((?:pull|config)\.error\.[a-z_]+)\"")


def keys_in_code() -> set[str]:
    return {key for path in SOURCES for key in KEY.findall(path.read_text(encoding="utf-8"))}


def keys_for_rows() -> set[str]:
    return (
        {f"pull.reason.{r.value}" for r in BadReason}
        | {f"pull.reason_name.{r.value}" for r in BadReason}
        | {f"pull.field.{f.value}" for f in RowField}
    )


@pytest.mark.parametrize("locale", list(Locale))
def test_every_message_key_has_a_text(locale: Locale) -> None:
    keys = keys_in_code() | keys_for_rows()
    assert "pull.error.decode" in keys
    assert keys - set(catalog(locale)) == set()
