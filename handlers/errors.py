"""Expected refusals a listener raises; the app-wide error handler renders them in the reader's language."""

from __future__ import annotations

from typing import Any


class UserFacingError(Exception):
    """An expected refusal (no permission, unknown account, ...) named by a catalog key."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class PermissionDeniedError(UserFacingError):
    """The user may not do this (not a CS member, not the owner or an admin)."""
