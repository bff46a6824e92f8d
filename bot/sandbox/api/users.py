"""``auth.test``, ``users.*`` and ``usergroups.*``: who the app is and who is in the workspace."""

from __future__ import annotations

from bot.sandbox.api.context import ApiContext
from bot.sandbox.validation import ApiError
from bot.sandbox.workspace import JsonDict


def auth_test(ctx: ApiContext) -> JsonDict:
    """``auth.test`` for the bot token. Shape::

    {"ok": true, "url": "https://takibi-dev.slack.com/", "team": "Takibi Dev", "user": "takibi",
     "team_id": "T0TAKIBI", "user_id": "U0TAKIBIBOT", "bot_id": "B0TAKIBI", "is_enterprise_install": false}
    """
    ws = ctx.ws
    return {
        "ok": True,
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def info(ctx: ApiContext) -> JsonDict:
    """``users.info`` → ``{"ok": true, "user": {...}}``; ``locale`` only with ``include_locale``."""
    user = ctx.ws.users.get(ctx.required("user", "user_not_found"))
    if user is None:
        raise ApiError("user_not_found")
    return {
        "ok": True,
        "user": user.to_api(ctx.ws.team_id, include_locale=ctx.flag("include_locale"), now=ctx.wall),
    }


def lookup_by_email(ctx: ApiContext) -> JsonDict:
    """``users.lookupByEmail``; Slack's error for no match is ``users_not_found`` (plural)."""
    email = ctx.required("email", "users_not_found").lower()
    user = next((u for u in ctx.ws.users.values() if u.email.lower() == email and not u.deleted), None)
    if user is None:
        raise ApiError("users_not_found")
    return {"ok": True, "user": user.to_api(ctx.ws.team_id, include_locale=False, now=ctx.wall)}


def list_users(ctx: ApiContext) -> JsonDict:
    """``users.list`` (one page: the stand-in's workspaces are small)."""
    include_locale = ctx.flag("include_locale")
    members = [
        u.to_api(ctx.ws.team_id, include_locale=include_locale, now=ctx.wall) for u in ctx.ws.users.values()
    ]
    return {
        "ok": True,
        "members": members,
        "cache_ts": int(ctx.wall),
        "response_metadata": {"next_cursor": ""},
    }


def list_usergroups(ctx: ApiContext) -> JsonDict:
    """``usergroups.list`` → ``{"ok": true, "usergroups": [...]}`` (``users`` with ``include_users``)."""
    include_users = ctx.flag("include_users")
    groups = [g.to_api(ctx.ws.team_id, include_users=include_users) for g in ctx.ws.usergroups.values()]
    return {"ok": True, "usergroups": groups}


def usergroup_users(ctx: ApiContext) -> JsonDict:
    """``usergroups.users.list`` → ``{"ok": true, "users": ["U…", ...]}``."""
    group = ctx.ws.usergroups.get(ctx.required("usergroup", "no_such_subteam"))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"ok": True, "users": list(group.users)}
