"""``chat.*`` and ``reactions.add``: messages the app posts, edits, deletes and reacts to."""

from __future__ import annotations

import copy
from typing import Any

from bot.sandbox.api.context import ApiContext
from bot.sandbox.validation import ApiError, validate_message, validate_metadata
from bot.sandbox.workspace import Channel, JsonDict, Workspace

_MESSAGE_FIELDS = ("text", "blocks", "attachments")


def store_bot_message(
    ctx: ApiContext,
    channel: Channel,
    fields: JsonDict,
    *,
    thread_ts: str | None = None,
    metadata: JsonDict | None = None,
    extra: JsonDict | None = None,
) -> JsonDict:
    """Record a message from the app and return it as Slack stores it::

    {"user": "U0TAKIBIBOT", "type": "message", "ts": "1732345678.000100", "bot_id": "B0TAKIBI",
     "app_id": "A0TAKIBI", "text": "...", "blocks": [...], "team": "T0TAKIBI", "bot_profile": {...},
     "thread_ts": "...", "parent_user_id": "U…",          # replies only
     "metadata": {"event_type": "...", "event_payload": {...}}}   # when sent
    """
    ws = ctx.ws
    ts = ctx.ts_clock.next()
    message: JsonDict = {
        "user": ws.bot_user_id,
        "type": "message",
        "ts": ts,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        **fields,
        "team": ws.team_id,
        "bot_profile": ws.bot_profile(),
    }
    if extra:
        message.update(extra)
    if thread_ts:
        parent = channel.messages.get(thread_ts)
        if parent is not None and parent.get("thread_ts") not in (None, parent["ts"]):
            thread_ts = str(parent["thread_ts"])  # a reply's ts threads to its parent, as in Slack
            parent = channel.messages.get(thread_ts)
        message["thread_ts"] = thread_ts
        message["parent_user_id"] = parent["user"] if parent is not None else ws.bot_user_id
    if metadata is not None:
        message["metadata"] = metadata
    channel.messages[ts] = message
    return message


def thread_index(channel: Channel) -> dict[str, list[JsonDict]]:
    """Replies per parent ts, oldest first."""
    index: dict[str, list[JsonDict]] = {}
    for message in channel.messages.values():
        parent = message.get("thread_ts")
        if parent and parent != message["ts"]:
            index.setdefault(str(parent), []).append(message)
    return index


def render(message: JsonDict, replies: list[JsonDict], *, include_metadata: bool) -> JsonDict:
    """A stored message as the read APIs return it: thread stats on parents, metadata on request."""
    out = copy.deepcopy(message)
    if not include_metadata:
        out.pop("metadata", None)
    if replies:
        users = list(dict.fromkeys(str(r["user"]) for r in replies))
        out.update(
            thread_ts=message["ts"],
            reply_count=len(replies),
            reply_users_count=len(users),
            reply_users=users,
            latest_reply=replies[-1]["ts"],
            is_locked=False,
            subscribed=False,
        )
    return out


def _check_can_post(ws: Workspace, channel: Channel) -> None:
    if channel.is_private and ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")


def post_message(ctx: ApiContext) -> JsonDict:
    """``chat.postMessage`` → ``{"ok": true, "channel": "C…", "ts": "…", "message": {...}}``."""
    channel = ctx.channel()
    _check_can_post(ctx.ws, channel)
    fields = validate_message(ctx.params)
    metadata = validate_metadata(ctx.params.get("metadata"))
    thread_ts = ctx.text("thread_ts")
    extra = {"subtype": "thread_broadcast"} if thread_ts and ctx.flag("reply_broadcast") else None
    message = store_bot_message(ctx, channel, fields, thread_ts=thread_ts, metadata=metadata, extra=extra)
    return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}


def _own_message(ctx: ApiContext, ts_field: str, refusal: str) -> tuple[Channel, JsonDict]:
    channel = ctx.channel(allow_user=False)
    ts = ctx.required(ts_field, "message_not_found")
    message = channel.messages.get(ts)
    if message is None:
        raise ApiError("message_not_found")
    if message.get("user") != ctx.ws.bot_user_id:
        raise ApiError(refusal)
    return channel, message


def update(ctx: ApiContext) -> JsonDict:
    """``chat.update``: edit in place; fields not sent are kept (Slack's rule for blocks/attachments)."""
    channel, message = _own_message(ctx, "ts", "cant_update_message")
    merged: dict[str, Any] = {k: message[k] for k in _MESSAGE_FIELDS if k in message}
    merged.update({k: ctx.params[k] for k in _MESSAGE_FIELDS if k in ctx.params})
    fields = validate_message(merged)
    metadata = validate_metadata(ctx.params.get("metadata"))
    for key in _MESSAGE_FIELDS:
        message.pop(key, None)
    message.update(fields)
    if metadata is not None:
        message["metadata"] = metadata
    message["edited"] = {"user": ctx.ws.bot_user_id, "ts": ctx.ts_clock.next()}
    shown = {k: v for k, v in message.items() if k not in ("metadata", "edited")}
    return {"ok": True, "channel": channel.id, "ts": message["ts"], "text": message["text"], "message": shown}


def delete(ctx: ApiContext) -> JsonDict:
    """``chat.delete`` → ``{"ok": true, "channel": "C…", "ts": "…"}``."""
    channel, message = _own_message(ctx, "ts", "cant_delete_message")
    del channel.messages[message["ts"]]
    return {"ok": True, "channel": channel.id, "ts": message["ts"]}


def post_ephemeral(ctx: ApiContext) -> JsonDict:
    """``chat.postEphemeral`` → ``{"ok": true, "message_ts": "…"}``; recorded as (user, channel)."""
    channel = ctx.channel()
    user = ctx.user()
    in_channel = channel.im_user == user.id if channel.is_im else user.id in channel.members
    if not in_channel:
        raise ApiError("user_not_in_channel")
    fields = validate_message(ctx.params)
    ts = ctx.ts_clock.next()
    message: JsonDict = {
        "type": "message",
        "subtype": "bot_message",
        "ts": ts,
        "bot_id": ctx.ws.bot_id,
        **fields,
    }
    thread_ts = ctx.text("thread_ts")
    if thread_ts:
        message["thread_ts"] = thread_ts
    record_ephemeral(ctx.ws, channel.id, user.id, message, "chat.postEphemeral")
    return {"ok": True, "message_ts": ts}


def record_ephemeral(ws: Workspace, channel_id: str, user_id: str, message: JsonDict, source: str) -> None:
    ws.ephemerals.append(
        {"channel": channel_id, "user": user_id, "ts": message["ts"], "message": message, "source": source}
    )


def get_permalink(ctx: ApiContext) -> JsonDict:
    """``chat.getPermalink`` → ``{"ok": true, "channel": "C…", "permalink": "https://…/p1732…"}``."""
    channel = ctx.channel(allow_user=False)
    ts = ctx.required("message_ts", "message_not_found")
    message = channel.messages.get(ts)
    if message is None:
        raise ApiError("message_not_found")
    link = f"https://{ctx.ws.team_domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
    parent = message.get("thread_ts")
    if parent and parent != ts:
        link += f"?thread_ts={parent}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def add_reaction(ctx: ApiContext) -> JsonDict:
    """``reactions.add`` → ``{"ok": true}``; the message's ``reactions`` gains the bot user."""
    channel = ctx.channel(allow_user=False)
    name = ctx.required("name", "invalid_name").strip(":")
    ts = ctx.required("timestamp", "message_not_found")
    message = channel.messages.get(ts)
    if message is None:
        raise ApiError("message_not_found")
    reactions: list[JsonDict] = message.setdefault("reactions", [])
    reaction = next((r for r in reactions if r["name"] == name), None)
    if reaction is None:
        reaction = {"name": name, "users": [], "count": 0}
        reactions.append(reaction)
    if ctx.ws.bot_user_id in reaction["users"]:
        raise ApiError("already_reacted")
    reaction["users"].append(ctx.ws.bot_user_id)
    reaction["count"] = len(reaction["users"])
    return {"ok": True}
