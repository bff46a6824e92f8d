"""Per-request resources for listeners: the reader's translator (``t``) and the handlers' deps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from bot.directory import UserDirectory
from bot.i18n import Translator


def install(app: App, directory: UserDirectory, deps: Any) -> None:
    @app.middleware
    def attach_request_resources(context: BoltContext, next: Callable[[], None]) -> None:
        user_id = context.user_id
        context["t"] = Translator(lambda: directory.locale_of(user_id))
        context["deps"] = deps
        next()
