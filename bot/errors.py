"""The one app-wide error handler.

A listener raises ``handlers.errors.UserFacingError`` (or a subclass) with a catalog key; the handler
renders it in the reader's language. Anything else is a bug: it is logged with a short id, and the user
gets a polite message quoting that id, never a traceback.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt.context.respond import Respond

from bot.i18n import Locale, Translator
from handlers.errors import UserFacingError

logger = logging.getLogger(__name__)


def new_error_id() -> str:
    return secrets.token_hex(4)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    respond: Respond | None,
    context: dict[str, Any],
) -> None:
    """Bolt's global error handler: user text for expected errors, an error id for the rest."""
    t: Translator = context.get("t") or Translator(Locale.JA)
    if isinstance(error, UserFacingError):
        text = t(error.key, **error.params)
        logger.info("refused %s: %s", body.get("type") or body.get("command"), error.key)
    else:
        error_id = new_error_id()
        logger.exception("unexpected error %s while handling %s", error_id, _describe(body), exc_info=error)
        text = t("error.unexpected", error_id=error_id)
    if respond is not None and _can_respond(body):
        try:
            respond(text=text, response_type="ephemeral", replace_original=False)
        except Exception:
            logger.warning("could not tell the user about an error", exc_info=True)


def _can_respond(body: dict[str, Any]) -> bool:
    return bool(body.get("response_url") or body.get("response_urls"))


def _describe(body: dict[str, Any]) -> str:
    kind = body.get("type") or ("slash_command" if "command" in body else "request")
    detail = body.get("command") or body.get("callback_id") or (body.get("event") or {}).get("type") or ""
    return f"{kind} {detail}".strip()
