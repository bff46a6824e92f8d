"""Logging set-up with a last line of defence: anything shaped like a Slack token is redacted.

Settings keep secrets in ``SecretStr`` and slack_sdk redacts its Authorization header, but a token can
still slip into a message through an exception text or a debug dump; the filter catches those.
"""

from __future__ import annotations

import logging
import re
import sys

TOKEN_PATTERN = re.compile(r"\b(xox[abposr]|xapp)-[0-9A-Za-z-]+")
REDACTED = r"\1-[redacted]"


def redact(text: str) -> str:
    return TOKEN_PATTERN.sub(REDACTED, text)


class SecretRedactingFilter(logging.Filter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        for secret in self._secrets:
            message = message.replace(secret, "[redacted]")
        record.msg, record.args = message, None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "[redacted]")
            record.exc_info = None
        return True


def configure_logging(level: str = "INFO", secrets: tuple[str, ...] = ()) -> None:
    """Log to stderr through the redacting filter; quiet the chattiest libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretRedactingFilter(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # takibi's Bolt logger too: Bolt reads its logger's *own* level (NOTSET unless set there) to decide
    # whether to render debug lines on every request.
    for noisy in ("slack_sdk", "slack_bolt", "takibi.bolt", "apscheduler", "waitress"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("alembic").setLevel(max(logging.getLevelName(level), logging.WARNING))
