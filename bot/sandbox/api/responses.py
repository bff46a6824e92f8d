"""``response_url`` posts: the app answering a slash command or an interaction after its ack.

Slack accepts up to five posts per URL. The JSON body is validated like a message and then shown as an
ephemeral to the user (default), posted in the channel (``in_channel``), or applied to the message the
interaction came from (``replace_original`` / ``delete_original``).
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.api.chat import record_ephemeral, store_bot_message
from bot.sandbox.api.context import ApiContext
from bot.sandbox.validation import ApiError, validate_message
from bot.sandbox.workspace import JsonDict, ResponseHook

MAX_USES = 5


def post_to_hook(ctx: ApiContext, hook: ResponseHook, payload: Any) -> tuple[int, JsonDict]:
    """Apply one post. Payload shape::

    {"text": "...", "blocks": [...], "response_type": "ephemeral" | "in_channel",
     "replace_original": true, "delete_original": true, "thread_ts": "..."}

    Returns (HTTP status, JSON answer): ``200 {"ok": true}``, ``400`` for a refused payload,
    ``404 {"ok": false, "error": "used_url"}`` after five posts.
    """
    if hook.uses >= MAX_USES:
        return 404, {"ok": False, "error": "used_url"}
    if not isinstance(payload, dict):
        return 400, {"ok": False, "error": "invalid_payload"}
    channel = ctx.ws.channels.get(hook.channel_id or "")
    original = channel.messages.get(hook.message_ts or "") if channel is not None else None
    try:
        if _truthy(payload.get("delete_original")):
            if channel is None or original is None:
                raise ApiError("message_not_found")
            del channel.messages[original["ts"]]
        else:
            fields = validate_message(payload)
            if _truthy(payload.get("replace_original")) and original is not None:
                for key in ("text", "blocks", "attachments"):
                    original.pop(key, None)
                original.update(fields)
                original["edited"] = {"user": ctx.ws.bot_user_id, "ts": ctx.ts_clock.next()}
            elif payload.get("response_type") == "in_channel":
                if channel is None:
                    raise ApiError("channel_not_found")
                store_bot_message(ctx, channel, fields, thread_ts=payload.get("thread_ts"))
            else:
                if hook.user_id is None or hook.channel_id is None:
                    raise ApiError("channel_not_found")
                message: JsonDict = {
                    "type": "message",
                    "subtype": "bot_message",
                    "ts": ctx.ts_clock.next(),
                    "bot_id": ctx.ws.bot_id,
                    **fields,
                }
                if _truthy(payload.get("replace_original")):
                    message["replace_original"] = True
                record_ephemeral(ctx.ws, hook.channel_id, hook.user_id, message, "response_url")
    except ApiError as refusal:
        status = 404 if refusal.error in ("message_not_found", "channel_not_found") else 400
        return status, refusal.body()
    hook.uses += 1
    return 200, {"ok": True}


def _truthy(value: Any) -> bool:
    return value is True or value in ("true", "1", 1)
