"""Inbound payloads exactly as Slack sends them to an app (shapes from the samples in
``/work/shared/reference/slack-samples`` and Bolt's test fixtures). Pure builders: data in, dicts out.

An untouched optional field is sent the way Slack sends it (``null`` or absent), so the app's parsers
meet the same shapes here as in production.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from typing import Any

from bot.sandbox.workspace import JsonDict


@dataclass(frozen=True)
class Origin:
    """Who the payloads come from: the workspace and the app as Slack names them."""

    team_id: str
    team_domain: str
    api_app_id: str
    bot_user_id: str
    verification_token: str


def slack_ts(seconds: float) -> str:
    """``1596530385.194939`` — the ``action_ts`` / ``event_ts`` form."""
    return f"{seconds:.6f}"


def user_ref(origin: Origin, user_id: str, user_name: str) -> JsonDict:
    """``{"id": "U…", "username": "sato", "name": "sato", "team_id": "T…"}``."""
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": origin.team_id}


def team_ref(origin: Origin) -> JsonDict:
    return {"id": origin.team_id, "domain": origin.team_domain}


def slash_command_fields(
    origin: Origin,
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
) -> list[tuple[str, str]]:
    """The form fields of a slash command, in Slack's order::

    token, team_id, team_domain, channel_id, channel_name, user_id, user_name, command, text,
    api_app_id, is_enterprise_install, response_url, trigger_id
    """
    return [
        ("token", origin.verification_token),
        ("team_id", origin.team_id),
        ("team_domain", origin.team_domain),
        ("channel_id", channel_id),
        ("channel_name", channel_name),
        ("user_id", user_id),
        ("user_name", user_name),
        ("command", command),
        ("text", text),
        ("api_app_id", origin.api_app_id),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", trigger_id),
    ]


def _interaction(origin: Origin, kind: str, user: JsonDict) -> JsonDict:
    return {
        "type": kind,
        "user": user,
        "api_app_id": origin.api_app_id,
        "token": origin.verification_token,
        "team": team_ref(origin),
        "enterprise": None,
        "is_enterprise_install": False,
    }


def block_actions(
    origin: Origin,
    *,
    user: JsonDict,
    actions: list[JsonDict],
    action_ts: str,
    trigger_id: str,
    container: JsonDict,
    channel: JsonDict | None,
    message: JsonDict | None,
    view: JsonDict | None,
    state_values: JsonDict | None,
    response_url: str | None,
) -> JsonDict:
    """``block_actions`` payload. In a message::

    {"type": "block_actions", "user": {...}, "api_app_id": "A…", "token": "…", "team": {...},
     "container": {"type": "message", "message_ts": "…", "channel_id": "C…", "is_ephemeral": false},
     "trigger_id": "…", "channel": {"id": "C…", "name": "cs-smb"}, "message": {...},
     "state": {"values": {...}}, "response_url": "https://…", "actions": [{..., "action_ts": "…"}]}

    In a modal: ``container`` is ``{"type": "view", "view_id": "V…"}``, ``view`` carries the state,
    and there is no ``channel``/``message``/``response_url``.
    """
    payload = _interaction(origin, "block_actions", user)
    payload.update(container=container, trigger_id=trigger_id)
    if channel is not None:
        payload["channel"] = channel
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = with_state(view, state_values or {})
    else:
        payload["state"] = {"values": state_values or {}}
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = [{**a, "action_ts": a.get("action_ts", action_ts)} for a in actions]
    return payload


def with_state(view: JsonDict, state_values: JsonDict) -> JsonDict:
    """A copy of ``view`` carrying ``state.values`` (``{block_id: {action_id: {"type": ..., ...}}}``)."""
    copied = copy.deepcopy(view)
    copied["state"] = {"values": copy.deepcopy(state_values)}
    return copied


def complete_view(origin: Origin, view: JsonDict, view_id: str, view_hash: str) -> JsonDict:
    """Fill the fields Slack always sends with a view, for views not obtained from the stand-in."""
    full: JsonDict = {
        "id": view_id,
        "team_id": origin.team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": view_hash,
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": origin.api_app_id,
        "external_id": "",
        "app_installed_team_id": origin.team_id,
        "bot_id": None,
    }
    full.update(copy.deepcopy(view))
    return full


def view_submission(origin: Origin, *, user: JsonDict, view: JsonDict, trigger_id: str) -> JsonDict:
    """``view_submission``: ``{"type": "view_submission", "team", "user", "api_app_id", "token",
    "trigger_id", "view": {... "state": {"values": {...}}}, "response_urls": [], ...}``."""
    payload = _interaction(origin, "view_submission", user)
    payload.update(trigger_id=trigger_id, view=view, response_urls=[])
    return payload


def view_closed(origin: Origin, *, user: JsonDict, view: JsonDict, is_cleared: bool) -> JsonDict:
    """``view_closed`` (sent only for views opened with ``notify_on_close``)."""
    payload = _interaction(origin, "view_closed", user)
    payload.update(view=view, is_cleared=is_cleared)
    return payload


def block_suggestion(
    origin: Origin,
    *,
    user: JsonDict,
    action_id: str,
    block_id: str,
    value: str,
    container: JsonDict,
    view: JsonDict | None,
    channel: JsonDict | None,
    message: JsonDict | None,
) -> JsonDict:
    """``block_suggestion`` for an external select: ``{"type": "block_suggestion", "user",
    "container", "api_app_id", "token", "action_id", "block_id", "value", "team", "view"}``."""
    payload = _interaction(origin, "block_suggestion", user)
    payload.update(container=container, action_id=action_id, block_id=block_id, value=value)
    if view is not None:
        payload["view"] = view
    if channel is not None:
        payload["channel"] = channel
    if message is not None:
        payload["message"] = message
    return payload


def message_action(
    origin: Origin,
    *,
    user: JsonDict,
    callback_id: str,
    message: JsonDict,
    channel: JsonDict,
    trigger_id: str,
    response_url: str,
    action_ts: str,
) -> JsonDict:
    """A message shortcut: ``{"type": "message_action", "token", "action_ts", "team", "user",
    "channel", "callback_id", "trigger_id", "response_url", "message_ts", "message", ...}``."""
    payload = _interaction(origin, "message_action", user)
    payload.update(
        action_ts=action_ts,
        channel=channel,
        callback_id=callback_id,
        trigger_id=trigger_id,
        response_url=response_url,
        message_ts=message.get("ts"),
        message=message,
    )
    return payload


def event_callback(origin: Origin, *, event: JsonDict, event_id: str, event_time: int) -> JsonDict:
    """The Events API envelope::

    {"token": "…", "team_id": "T…", "context_team_id": "T…", "context_enterprise_id": null,
     "api_app_id": "A…", "event": {...}, "type": "event_callback", "event_id": "Ev…",
     "event_time": 1732345678, "authorizations": [{"enterprise_id": null, "team_id": "T…",
     "user_id": "U…bot", "is_bot": true, "is_enterprise_install": false}],
     "is_ext_shared_channel": false, "event_context": "4-…"}
    """
    context = json.dumps({"et": event.get("type"), "tid": origin.team_id, "aid": origin.api_app_id})
    return {
        "token": origin.verification_token,
        "team_id": origin.team_id,
        "context_team_id": origin.team_id,
        "context_enterprise_id": None,
        "api_app_id": origin.api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": origin.team_id,
                "user_id": origin.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + base64.urlsafe_b64encode(context.encode()).decode().rstrip("="),
    }


def reaction_added(
    *, user: str, reaction: str, channel: str, ts: str, item_user: str, event_ts: str
) -> JsonDict:
    """``{"type": "reaction_added", "user": "U…", "reaction": "white_check_mark", "item_user": "U…",
    "item": {"type": "message", "channel": "C…", "ts": "…"}, "event_ts": "…"}``."""
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": event_ts,
    }


def app_home_opened(*, user: str, channel: str, event_ts: str, tab: str, view: JsonDict | None) -> JsonDict:
    """``{"type": "app_home_opened", "user": "U…", "channel": "D…", "tab": "home", "event_ts": "…",
    "view": {...}}`` — ``view`` only once a Home tab has been published for the user."""
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": event_ts,
    }
    if view is not None:
        event["view"] = view
    return event


def url_verification(origin: Origin, challenge: str) -> JsonDict:
    return {"token": origin.verification_token, "challenge": challenge, "type": "url_verification"}


def to_json(payload: Any) -> str:
    """Compact JSON, non-ASCII kept as is (Japanese text stays readable in recorded bodies)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
