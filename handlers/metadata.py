"""Typed context carried in a modal's ``private_metadata`` (at most 3,000 characters, as JSON).

Slack hands ``private_metadata`` back untouched with every interaction on the view, so what a listener
needs to finish the job (which account the modal was rendered for, where to confirm, the reader's
language) travels with the view instead of living in a server-side session.

    {"account_id": 42, "channel_id": "C0CSSMB", "locale": "ja"}

Parsing is strict: anything else is ``MetadataError``, which the listeners turn into a polite "please
open it again" instead of acting on a guess.
"""

from __future__ import annotations

import json
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_METADATA_CHARS = 3000
SLACK_ID = r"^[A-Z0-9]{2,32}$"


class MetadataError(ValueError):
    """The view's ``private_metadata`` is not what takibi put there."""


class _Metadata(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    locale: str = Field(pattern=r"^(ja|en)$")

    def encode(self) -> str:
        encoded = self.model_dump_json(exclude_none=True)
        if len(encoded) > MAX_METADATA_CHARS:
            raise ValueError(f"private_metadata of {len(encoded)} characters is over Slack's limit")
        return encoded

    @classmethod
    def decode(cls, raw: object) -> Self:
        if not isinstance(raw, str) or not raw:
            raise MetadataError("no private_metadata")
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            raise MetadataError(str(exc)) from None


class AssessMetadata(_Metadata):
    """The assess modal: the account its questions were pre-filled for (``None``: not picked yet) and
    the channel the command came from (where the confirmation goes; ``None``: by DM)."""

    account_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    channel_id: str | None = Field(default=None, pattern=SLACK_ID)


class TouchpointMetadata(_Metadata):
    """The touchpoint modal, from the message shortcut (with the message's permalink) or from a
    status card's button (an account, no message)."""

    account_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    channel_id: str | None = Field(default=None, pattern=SLACK_ID)
    permalink: str | None = Field(default=None, max_length=512, pattern=r"^https?://")
    message_excerpt: str | None = Field(default=None, max_length=200)


def locale_hint(body: dict[str, Any]) -> str | None:
    """The reader's language stored in a view of ours, if the request comes from one (else ``None``)."""
    view = body.get("view")
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    if not isinstance(raw, str) or not raw.startswith("{") or len(raw) > MAX_METADATA_CHARS:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    locale = data.get("locale") if isinstance(data, dict) else None
    return locale if isinstance(locale, str) else None
