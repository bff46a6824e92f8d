"""``files.upload_v2`` through the outbox: the weekly digest's chart, posted to a channel as a file.

Payload (what ``handlers.services.digest.enqueue_post`` writes)::

    {"channel": "C…", "filename": "takibi-digest-20261122.png", "title": "…",
     "initial_comment": "…", "content_base64": "iVBORw0KGgo…"}

The file's bytes live in the row itself, base64-encoded: the row is then all a deliverer needs, on
any instance sharing the database and after a restart (a file under ``var/`` would bind the row to one
machine's disk and could be cleaned away under it).

The upload is Slack's three-step flow (``files.getUploadURLExternal``, the POST of the bytes to the
returned URL, ``files.completeUploadExternal`` sharing it to the channel with ``initial_comment``),
done by ``WebClient.files_upload_v2``. Result: ``{"channel": "C…", "file_id": "F…"}``.

After an unknown outcome, ``find`` reads the channel back since the row was created and looks for a
message carrying a file with this row's file name and title (the name holds the week, the channel is
the row's own), so a chart that did land is not posted twice. A failure before the completing call
leaves nothing in the channel, and the row is simply sent again.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from slack_sdk import WebClient

from bot.outbox_methods import CLOCK_SKEW, HISTORY_PAGE, Delivery, JsonDict, OutboxMethod

METHOD = "files.upload_v2"


class Registry(Protocol):
    """What :func:`register` needs of the deliverer (``bot.outbox.Deliverer.register``)."""

    def register(self, method: str, spec: OutboxMethod) -> None: ...


def upload_file(client: WebClient, delivery: Delivery) -> JsonDict:
    """Upload the payload's bytes and share them to its channel with its ``initial_comment``."""
    payload = delivery.payload
    channel = str(payload["channel"])
    answer = client.files_upload_v2(
        channel=channel,
        content=base64.b64decode(str(payload["content_base64"])),
        filename=str(payload["filename"]),
        title=str(payload.get("title") or payload["filename"]),
        initial_comment=payload.get("initial_comment") or None,
    )
    files = answer.get("files") or []
    file_id = str(files[0].get("id", "")) if files else str((answer.get("file") or {}).get("id", ""))
    return {"channel": channel, "file_id": file_id}


def _history(client: WebClient, channel: str, oldest: str) -> Iterator[Mapping[str, Any]]:
    cursor: str | None = None
    while True:
        page = client.conversations_history(channel=channel, oldest=oldest, limit=HISTORY_PAGE, cursor=cursor)
        yield from page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def _same_file(item: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    title = payload.get("title") or payload["filename"]
    return bool(item.get("name") == payload["filename"] and item.get("title") == title)


def find_upload(client: WebClient, delivery: Delivery) -> JsonDict | None:
    """The file message of this row, if an earlier attempt went through."""
    payload = delivery.payload
    channel = str(payload["channel"])
    oldest = f"{(delivery.claim.created_at - CLOCK_SKEW).timestamp():.6f}"
    for message in _history(client, channel, oldest):
        for item in message.get("files") or []:
            if isinstance(item, Mapping) and _same_file(item, payload):
                return {"channel": channel, "file_id": str(item.get("id", ""))}
    return None


UPLOAD = OutboxMethod(upload_file, find=find_upload)


def register(deliverer: Registry) -> None:
    """Teach a deliverer ``files.upload_v2`` (call once where the deliverer is built)."""
    deliverer.register(METHOD, UPLOAD)
