"""``views.*``: modals (a per-user stack of at most three) and the Home tab, with trigger ids and hashes."""

from __future__ import annotations

import copy
import secrets

from bot.sandbox.api.context import ApiContext
from bot.sandbox.validation import ApiError, validate_view
from bot.sandbox.workspace import JsonDict, StoredView, Workspace

MAX_MODAL_STACK = 3


def _new_hash(wall: float) -> str:
    """Slack's view hash looks like ``"1569362015.55b5e41b"``."""
    return f"{int(wall)}.{secrets.token_hex(4)}"


def build_view(
    ws: Workspace,
    view: JsonDict,
    *,
    view_id: str,
    wall: float,
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
) -> JsonDict:
    """The ``view`` object Slack answers with (and later sends back in interactions)::

    {"id": "V…", "team_id": "T…", "type": "modal", "title": {...}, "submit": {...}, "close": {...},
     "blocks": [...], "private_metadata": "", "callback_id": "", "external_id": "",
     "state": {"values": {}}, "hash": "1732345678.9f3a1c2e", "clear_on_close": false,
     "notify_on_close": false, "root_view_id": "V…", "previous_view_id": null, "app_id": "A…",
     "app_installed_team_id": "T…", "bot_id": "B…"}
    """
    built: JsonDict = {"id": view_id, "team_id": ws.team_id, "type": view["type"]}
    if view["type"] == "modal" or view.get("title"):
        built["title"] = view.get("title")
    built.update(
        close=view.get("close"),
        submit=view.get("submit"),
        blocks=view["blocks"],
        private_metadata=view.get("private_metadata") or "",
        callback_id=view.get("callback_id") or "",
        external_id=view.get("external_id") or "",
        state={"values": {}},
        hash=_new_hash(wall),
        clear_on_close=bool(view.get("clear_on_close", False)),
        notify_on_close=bool(view.get("notify_on_close", False)),
        root_view_id=root_view_id or view_id,
        previous_view_id=previous_view_id,
        app_id=ws.app_id,
        app_installed_team_id=ws.team_id,
        bot_id=ws.bot_id,
    )
    return built


def _check_external_id(ws: Workspace, view: JsonDict, own_id: str | None) -> None:
    external_id = view.get("external_id")
    if not external_id:
        return
    for stored in ws.views.values():
        if stored.open and stored.view["external_id"] == external_id and stored.view["id"] != own_id:
            raise ApiError("duplicate_external_id")


def _exchange_trigger(ctx: ApiContext, view: JsonDict) -> str:
    """Validate the trigger (once, within ``trigger_ttl`` seconds) and return its user id."""
    trigger_id = ctx.required("trigger_id")
    trigger = ctx.ws.triggers.get(trigger_id)
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if ctx.mono - trigger.issued_at > ctx.trigger_ttl:
        raise ApiError("expired_trigger_id")
    _check_external_id(ctx.ws, view, None)
    trigger.used, trigger.used_at = True, ctx.mono
    return trigger.user_id


def _answer(stored: StoredView) -> JsonDict:
    return {"ok": True, "view": copy.deepcopy(stored.view)}


def open_view(ctx: ApiContext) -> JsonDict:
    """``views.open`` → ``{"ok": true, "view": {...}}``; replaces the user's modal stack."""
    view = validate_view(ctx.params.get("view"))
    if view["type"] != "modal":
        raise ApiError("invalid_arguments", ["[ERROR] must be modal [json-pointer:/view/type]"])
    user_id = _exchange_trigger(ctx, view)
    close_stack(ctx.ws, user_id)
    stored = StoredView(build_view(ctx.ws, view, view_id=ctx.ws.new_id("V"), wall=ctx.wall), user_id)
    ctx.ws.views[stored.view["id"]] = stored
    ctx.ws.modal_stacks[user_id] = [stored.view["id"]]
    return _answer(stored)


def push_view(ctx: ApiContext) -> JsonDict:
    """``views.push``: on top of the user's open modal; a fourth view is ``push_limit_reached``."""
    view = validate_view(ctx.params.get("view"))
    if view["type"] != "modal":
        raise ApiError("invalid_arguments", ["[ERROR] must be modal [json-pointer:/view/type]"])
    trigger = ctx.ws.triggers.get(ctx.required("trigger_id"))
    stack = ctx.ws.modal_stacks.get(trigger.user_id, []) if trigger is not None else []
    if len(stack) >= MAX_MODAL_STACK:
        raise ApiError("push_limit_reached")
    user_id = _exchange_trigger(ctx, view)
    return push_stored(ctx.ws, user_id, view, ctx.wall)


def push_stored(ws: Workspace, user_id: str, view: JsonDict, wall: float) -> JsonDict:
    stack = ws.modal_stacks.setdefault(user_id, [])
    if len(stack) >= MAX_MODAL_STACK:
        raise ApiError("push_limit_reached")
    view_id = ws.new_id("V")
    root = stack[0] if stack else view_id
    previous = stack[-1] if stack else None
    built = build_view(ws, view, view_id=view_id, wall=wall, root_view_id=root, previous_view_id=previous)
    stored = StoredView(built, user_id)
    ws.views[view_id] = stored
    stack.append(view_id)
    return _answer(stored)


def update_view(ctx: ApiContext) -> JsonDict:
    """``views.update`` by ``view_id`` or ``external_id``; a stale ``hash`` is ``hash_conflict``."""
    view_id = ctx.text("view_id")
    external_id = ctx.text("external_id")
    if view_id is None and external_id is None:
        raise ApiError("invalid_arguments", ["missing required field: view_id or external_id"])
    stored = next(
        (
            s
            for s in ctx.ws.views.values()
            if s.open and (s.view["id"] == view_id or (external_id and s.view["external_id"] == external_id))
        ),
        None,
    )
    if stored is None:
        raise ApiError("not_found")
    view = validate_view(ctx.params.get("view"))
    expected = ctx.text("hash")
    if expected is not None and expected != stored.view["hash"]:
        raise ApiError("hash_conflict")
    return replace_stored(ctx.ws, stored, view, ctx.wall)


def replace_stored(ws: Workspace, stored: StoredView, view: JsonDict, wall: float) -> JsonDict:
    if view["type"] != stored.view["type"]:
        raise ApiError("invalid_arguments", ["[ERROR] view type cannot change [json-pointer:/view/type]"])
    _check_external_id(ws, view, stored.view["id"])
    stored.view = build_view(
        ws,
        view,
        view_id=stored.view["id"],
        wall=wall,
        root_view_id=stored.view["root_view_id"],
        previous_view_id=stored.view["previous_view_id"],
    )
    return _answer(stored)


def publish_view(ctx: ApiContext) -> JsonDict:
    """``views.publish``: the user's Home tab; same view id on every publish, ``hash`` honoured."""
    user = ctx.user("user_id")
    view = validate_view(ctx.params.get("view"))
    if view["type"] != "home":
        raise ApiError("invalid_arguments", ["[ERROR] must be home [json-pointer:/view/type]"])
    existing_id = ctx.ws.homes.get(user.id)
    expected = ctx.text("hash")
    if existing_id is not None:
        stored = ctx.ws.views[existing_id]
        if expected is not None and expected != stored.view["hash"]:
            raise ApiError("hash_conflict")
        return replace_stored(ctx.ws, stored, view, ctx.wall)
    _check_external_id(ctx.ws, view, None)
    view_id = ctx.ws.new_id("V")
    stored = StoredView(build_view(ctx.ws, view, view_id=view_id, wall=ctx.wall), user.id)
    ctx.ws.views[view_id] = stored
    ctx.ws.homes[user.id] = view_id
    return _answer(stored)


def close_stack(ws: Workspace, user_id: str) -> None:
    for view_id in ws.modal_stacks.pop(user_id, []):
        ws.views[view_id].open = False


def pop_view(ws: Workspace, user_id: str, view_id: str) -> None:
    """The user closed (or submitted without a response action) ``view_id``."""
    stack = ws.modal_stacks.get(user_id, [])
    if view_id in stack:
        stack.remove(view_id)
        ws.views[view_id].open = False
    if not stack:
        ws.modal_stacks.pop(user_id, None)
