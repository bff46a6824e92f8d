"""Message catalogs: every user-facing text, in Japanese (default) and English.

Catalogs live in ``locales/<locale>/<area>.yml`` as flat ``key: template`` maps; the files of one locale
are merged, so each area (help, scoring reasons, CTAs, ...) keeps its own file. Templates use
``str.format`` fields, and formatting belongs in the template (``{since:%m/%d}``, ``{rate:.0%}``), so a
caller passes plain values. A value with a ``localized(locale)`` method (a label from ``takibi.yml``) is
resolved to the reader's language first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Protocol, runtime_checkable

import yaml


class Locale(StrEnum):
    JA = "ja"
    EN = "en"

    @classmethod
    def from_slack(cls, slack_locale: str | None, default: Locale) -> Locale:
        """Map a Slack locale such as ``ja-JP`` or ``en-US`` to one we speak; anything else → default."""
        if not slack_locale:
            return default
        prefix = slack_locale.split("-", 1)[0].lower()
        return cls(prefix) if prefix in cls._value2member_map_ else default


@runtime_checkable
class LocalizedText(Protocol):
    def localized(self, locale: str) -> str: ...


class CatalogError(Exception):
    """A catalog file is malformed: raised at load time, never while answering a user."""


@cache
def catalog(locale: Locale) -> Mapping[str, str]:
    merged: dict[str, str] = {}
    folder = resources.files(__package__).joinpath("locales", locale.value)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise CatalogError(f"{locale.value}/{entry.name}: expected a mapping of key: template")
        for key, template in data.items():
            if not isinstance(template, str):
                raise CatalogError(f"{locale.value}/{entry.name}: {key}: template must be a string")
            if key in merged:
                raise CatalogError(f"{locale.value}/{entry.name}: {key}: defined twice")
            merged[str(key)] = template
    return merged


class Translator:
    """Renders catalog keys for one reader. Cheap to create; catalogs are loaded once per process.

    The locale may be given as a callable: a request's reader is known before ack, but finding their
    language may need a Slack call, which must wait until after ack. It is resolved on first use.
    """

    __slots__ = ("_locale", "_resolve")

    def __init__(self, locale: Locale | Callable[[], Locale]) -> None:
        self._locale: Locale | None = locale if isinstance(locale, Locale) else None
        self._resolve = None if isinstance(locale, Locale) else locale

    @property
    def locale(self) -> Locale:
        if self._locale is None:
            assert self._resolve is not None
            self._locale = self._resolve()
        return self._locale

    def __call__(self, key: str, /, **params: Any) -> str:
        template = catalog(self.locale).get(key)
        if template is None:
            template = catalog(Locale.JA).get(key)
        if template is None:
            raise KeyError(f"message key not in any catalog: {key}")
        resolved = {
            # Plain values first: a runtime Protocol check costs microseconds, and forms render hundreds.
            name: value
            if isinstance(value, str | int | float) or not isinstance(value, LocalizedText)
            else value.localized(self.locale.value)
            for name, value in params.items()
        }
        return template.format(**resolved)

    def has(self, key: str) -> bool:
        return key in catalog(self.locale)
