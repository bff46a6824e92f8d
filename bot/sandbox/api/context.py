"""What a Web API method handler gets: the workspace, the decoded params and the stand-in's clocks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.validation import ApiError
from bot.sandbox.workspace import Channel, JsonDict, TsClock, User, Workspace

_TRUE = {"1", "true", "True", "yes"}


@dataclass
class ApiContext:
    """One call. ``params`` merges query, form or JSON body, with JSON-string fields decoded.

    ``wall`` is the Unix time of the call (timestamps, ``created``), ``mono`` the monotonic clock
    (trigger expiry); ``origin`` is the stand-in's ``http://127.0.0.1:PORT`` for URLs it hands out.
    """

    ws: Workspace
    params: JsonDict
    wall: float
    mono: float
    ts_clock: TsClock
    origin: str
    trigger_ttl: float

    def text(self, name: str) -> str | None:
        """A string argument; ``None`` when absent or empty (Slack treats both as missing)."""
        value = self.params.get(name)
        if value is None or value == "":
            return None
        return str(value)

    def required(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.text(name)
        if value is None:
            raise ApiError(
                error, [f"missing required field: {name}"] if error == "invalid_arguments" else None
            )
        return value

    def flag(self, name: str) -> bool:
        """Booleans arrive as ``true``/``1`` in forms (WebClient sends ``"1"``) or as JSON booleans."""
        value = self.params.get(name)
        return value is True or (isinstance(value, str) and value in _TRUE) or value == 1

    def number(self, name: str, default: int) -> int:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ApiError("invalid_arguments", [f"[ERROR] {name} must be an integer"]) from exc

    def channel(self, name: str = "channel", *, allow_user: bool = True) -> Channel:
        """Resolve a channel argument: an id, a ``#name``, or (for posting) a user id meaning their DM."""
        value = self.required(name, "channel_not_found")
        found = self.ws.channels.get(value) or self.ws.channel_by_name(value)
        if found is not None:
            return found
        if allow_user and value in self.ws.users:
            channel, _ = self.ws.open_im(value)
            return channel
        raise ApiError("channel_not_found")

    def user(self, name: str = "user", error: str = "user_not_found") -> User:
        value = self.required(name, error)
        found = self.ws.users.get(value)
        if found is None or found.deleted:
            raise ApiError(error)
        return found


Handler = Callable[[ApiContext], JsonDict]
