"""What a listener receives besides Slack's own arguments, typed for the handlers' side.

The composition root (``bot.app``) builds the concrete objects and a middleware puts them into Bolt's
context, whose keys Bolt passes to listeners by parameter name (``t``, ``deps``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from scoring.config import TakibiConfig
from scoring.health import CompiledConfig
from storage.db import Database


class Translate(Protocol):
    """Renders a catalog key in the reader's language (``bot.i18n.Translator``)."""

    @property
    def locale(self) -> str: ...

    def __call__(self, key: str, /, **params: Any) -> str: ...


@dataclass(frozen=True, slots=True)
class Deps:
    """Long-lived services the composition root builds once and every listener may use."""

    database: Database
    now: Callable[[], datetime]
    config: TakibiConfig
    scoring: CompiledConfig
    tz: ZoneInfo
