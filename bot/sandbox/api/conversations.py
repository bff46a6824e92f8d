"""``conversations.*``: opening DMs and reading history, threads and members, paginated like Slack."""

from __future__ import annotations

import base64

from bot.sandbox.api.chat import render, thread_index
from bot.sandbox.api.context import ApiContext
from bot.sandbox.validation import ApiError
from bot.sandbox.workspace import JsonDict, ts_key

_MAX_LIMIT = 999


def encode_cursor(kind: str, value: str) -> str:
    """Slack cursors are opaque base64 such as ``bmV4dF90czoxNTEy…`` (``next_ts:1512…``)."""
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(cursor: str | None, kind: str) -> str | None:
    if not cursor:
        return None
    try:
        found_kind, _, value = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
    except ValueError as exc:
        raise ApiError("invalid_cursor") from exc
    if found_kind != kind:
        raise ApiError("invalid_cursor")
    return value


def _page(ctx: ApiContext, default_limit: int) -> int:
    limit = ctx.number("limit", default_limit)
    return min(max(limit, 1), _MAX_LIMIT)


def open_conversation(ctx: ApiContext) -> JsonDict:
    """``conversations.open`` for one user → ``{"ok": true, "channel": {"id": "D…"}}``.

    Re-opening answers ``{"ok": true, "no_op": true, "already_open": true, "channel": {...}}``;
    ``return_im`` gives the full IM object.
    """
    existing = ctx.text("channel")
    if existing is not None:
        channel = ctx.ws.channels.get(existing)
        if channel is None or not channel.is_im:
            raise ApiError("channel_not_found")
        already = True
    else:
        users = [u for u in (ctx.required("users", "users_list_not_supplied").split(",")) if u]
        if len(users) != 1:
            raise ApiError("not_enough_users" if not users else "too_many_users")
        user = ctx.ws.users.get(users[0])
        if user is None or user.deleted:
            raise ApiError("user_not_found")
        channel, already = ctx.ws.open_im(user.id)
    body: JsonDict = {"ok": True}
    if already:
        body.update(no_op=True, already_open=True)
    body["channel"] = channel.to_api(ctx.ws.bot_user_id) if ctx.flag("return_im") else {"id": channel.id}
    return body


def info(ctx: ApiContext) -> JsonDict:
    """``conversations.info`` → ``{"ok": true, "channel": {...}}``."""
    channel = ctx.channel(allow_user=False)
    return {"ok": True, "channel": channel.to_api(ctx.ws.bot_user_id)}


def history(ctx: ApiContext) -> JsonDict:
    """``conversations.history``: top-level messages, newest first. Shape::

    {"ok": true, "messages": [...], "has_more": false, "pin_count": 0,
     "response_metadata": {"next_cursor": ""}}

    ``metadata`` is included only with ``include_all_metadata`` (the app reconciles deliveries by it).
    """
    channel = ctx.channel(allow_user=False)
    _require_member(ctx, channel.id)
    include_metadata = ctx.flag("include_all_metadata")
    inclusive = ctx.flag("inclusive")
    oldest = ctx.text("oldest")
    latest = ctx.text("latest")
    start = decode_cursor(ctx.text("cursor"), "next_ts")
    index = thread_index(channel)
    top_level = [
        m
        for m in reversed(channel.messages.values())
        if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
    ]
    selected = [
        m
        for m in top_level
        if _within(m["ts"], oldest, latest, inclusive) and (start is None or ts_key(m["ts"]) <= ts_key(start))
    ]
    limit = _page(ctx, 100)
    page, rest = selected[:limit], selected[limit:]
    return {
        "ok": True,
        "messages": [render(m, index.get(m["ts"], []), include_metadata=include_metadata) for m in page],
        "has_more": bool(rest),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": encode_cursor("next_ts", rest[0]["ts"]) if rest else ""},
    }


def replies(ctx: ApiContext) -> JsonDict:
    """``conversations.replies``: the parent then its replies, oldest first (same envelope as history)."""
    channel = ctx.channel(allow_user=False)
    _require_member(ctx, channel.id)
    ts = ctx.required("ts", "thread_not_found")
    message = channel.messages.get(ts)
    if message is None:
        raise ApiError("thread_not_found")
    parent_ts = str(message.get("thread_ts") or ts)
    parent = channel.messages.get(parent_ts)
    if parent is None:
        raise ApiError("thread_not_found")
    index = thread_index(channel)
    thread = [parent, *index.get(parent_ts, [])]
    start = decode_cursor(ctx.text("cursor"), "next_ts")
    if start is not None:
        thread = [m for m in thread if ts_key(m["ts"]) >= ts_key(start)]
    limit = _page(ctx, 1000)
    page, rest = thread[:limit], thread[limit:]
    include_metadata = ctx.flag("include_all_metadata")
    rendered = [
        render(m, index.get(m["ts"], []) if m is parent else [], include_metadata=include_metadata)
        for m in page
    ]
    return {
        "ok": True,
        "messages": rendered,
        "has_more": bool(rest),
        "response_metadata": {"next_cursor": encode_cursor("next_ts", rest[0]["ts"]) if rest else ""},
    }


def members(ctx: ApiContext) -> JsonDict:
    """``conversations.members`` → ``{"ok": true, "members": ["U…"], "response_metadata": {...}}``."""
    channel = ctx.channel(allow_user=False)
    offset = int(decode_cursor(ctx.text("cursor"), "offset") or 0)
    limit = _page(ctx, 100)
    page = channel.members[offset : offset + limit]
    more = offset + limit < len(channel.members)
    return {
        "ok": True,
        "members": list(page),
        "response_metadata": {"next_cursor": encode_cursor("offset", str(offset + limit)) if more else ""},
    }


def _require_member(ctx: ApiContext, channel_id: str) -> None:
    channel = ctx.ws.channels[channel_id]
    if channel.is_private and ctx.ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")


def _within(ts: str, oldest: str | None, latest: str | None, inclusive: bool) -> bool:
    key = ts_key(ts)
    if oldest is not None:
        low = ts_key(oldest)
        if key < low or (key == low and not inclusive):
            return False
    if latest is not None:
        high = ts_key(latest)
        if key > high or (key == high and not inclusive):
            return False
    return True
