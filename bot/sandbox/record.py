"""What the stand-in remembers about traffic, for tests (and a demo, over ``/_standin/*``) to read."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bot.sandbox.workspace import JsonDict


@dataclass(frozen=True)
class RecordedCall:
    """One Web API call as the stand-in saw it.

    ``params`` merges query and body with JSON-string fields (``blocks``, ``view``, ``metadata``,
    ``attachments``, ``files``) decoded; the token is kept apart. ``status`` is the HTTP status sent, or 0
    when the answer was dropped on purpose; ``injected`` names the fault that produced it, if any.
    """

    seq: int
    method: str
    params: JsonDict
    status: int
    response: JsonDict
    token: str | None
    at: float
    injected: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None

    def to_json(self) -> JsonDict:
        return asdict(self)


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a ``response_url``: the decoded body, the answer, and where the hook pointed."""

    hook_id: str
    payload: Any
    status: int
    response: JsonDict
    user_id: str | None
    channel_id: str | None
    message_ts: str | None
    at: float

    def to_json(self) -> JsonDict:
        return asdict(self)


@dataclass(frozen=True)
class ViewResponse:
    """How the stand-in applied an app's ``view_submission`` answer (``response_action``)."""

    user_id: str
    view_id: str
    body: Any
    result: JsonDict

    def to_json(self) -> JsonDict:
        return asdict(self)
