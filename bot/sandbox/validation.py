"""Refuse payloads the way Slack refuses them, using ``slack_sdk.models`` as the schema.

``Block.parse(...).to_dict()`` and ``View(...).to_dict()`` already enforce the per-field limits (section
text 3,000 chars, header 150, button text 75, block_id 255, view title/submit/close 24, private_metadata
3,000, 1–100 view blocks, ...). What they do not check, and Slack does, is added here: at most 50 blocks
in a message, 40,000 chars of text, ``text`` or ``blocks`` present, unknown block or element types,
duplicate ``block_id``s, a modal's required ``title`` (and ``submit`` when it has inputs), text objects
given as bare strings, and the shape of message ``metadata``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.sandbox.workspace import JsonDict

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_CHARS = 40_000
MAX_ATTACHMENTS = 100
VIEW_TYPES = ("modal", "home")

_PARSE_ERRORS = (SlackObjectFormationError, TypeError, ValueError, AttributeError, KeyError)
_INTERACTIVE = frozenset(
    {
        "button", "checkboxes", "datepicker", "datetimepicker", "timepicker", "overflow", "radio_buttons",
        "static_select", "external_select", "users_select", "conversations_select", "channels_select",
        "multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select",
        "multi_channels_select", "plain_text_input", "email_text_input", "url_text_input", "number_input",
        "rich_text_input", "file_input", "workflow_button",
    }
)  # fmt: skip


class ApiError(Exception):
    """A Slack error answer. Shape::

    {"ok": false, "error": "invalid_blocks",
     "response_metadata": {"messages": ["[ERROR] ... [json-pointer:/blocks/0/text]"]}}
    """

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


def decode_json(value: Any, *, error: str) -> Any:
    """Form-encoded calls carry ``blocks``/``view``/``metadata`` as JSON strings; JSON calls as values."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ApiError(error, [f"[ERROR] {exc.msg}"]) from exc
    return value


def validate_blocks(raw: Any, *, pointer: str, limit: int) -> list[JsonDict]:
    """Check a ``blocks`` array and return a copy with Slack's generated ``block_id``/``action_id``s."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(b, dict) for b in raw):
        raise ApiError(
            "invalid_blocks_format", [f"[ERROR] must be an array of objects [json-pointer:{pointer}]"]
        )
    if len(raw) > limit:
        raise ApiError(
            "invalid_blocks", [f"[ERROR] must be less than {limit + 1} items [json-pointer:{pointer}]"]
        )
    problems: list[str] = []
    seen_ids: set[str] = set()
    canonical = [json.dumps(block, sort_keys=True) for block in raw]
    for index, block in enumerate(raw):
        where = f"{pointer}/{index}"
        if canonical[index] not in _VALID_BLOCKS:
            found = _block_problems(block, where)
            problems.extend(found)
            if not found:
                _remember_valid(canonical[index])
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_ids:
                problems.append(f"[ERROR] duplicate block_id {block_id!r} [json-pointer:{where}/block_id]")
            seen_ids.add(block_id)
    if problems:
        raise ApiError("invalid_blocks", problems)
    return [_with_generated_ids(block, index, canonical[index]) for index, block in enumerate(raw)]


_STAND_IN_BLOCK: JsonDict = {"type": "divider"}
_VALID_BLOCKS: dict[str, None] = {}
"""The canonical JSON of blocks that passed: validity is a function of a block's JSON alone, and an app
sends the same blocks over and over (a form's questions), which ``slack_sdk`` would parse each time."""
VALID_BLOCKS_KEPT = 4096


def _remember_valid(canonical: str) -> None:
    if len(_VALID_BLOCKS) >= VALID_BLOCKS_KEPT:
        _VALID_BLOCKS.clear()
    _VALID_BLOCKS[canonical] = None


def _block_problems(block: JsonDict, where: str) -> list[str]:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"[ERROR] unsupported type: {block.get('type')!r} [json-pointer:{where}/type]"]
        rendered = parsed.to_dict()
    except _PARSE_ERRORS as exc:
        return [f"[ERROR] {exc} [json-pointer:{where}]"]
    if _contains_none(rendered):
        return [f"[ERROR] unsupported element type [json-pointer:{where}]"]
    return []


def _contains_none(value: Any) -> bool:
    """``slack_sdk`` drops unknown element types to ``None`` instead of raising; Slack refuses them."""
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_contains_none(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_none(v) for v in value)
    return False


def _with_generated_ids(block: JsonDict, index: int, canonical: str) -> JsonDict:
    """Slack fills in a short random ``block_id``/``action_id`` where the app gave none; ours are stable
    (from ``canonical``, the block's JSON with sorted keys)."""
    copied: JsonDict = json.loads(json.dumps(block))  # a deep copy, in C
    digest = hashlib.sha1(canonical.encode(), usedforsecurity=False).hexdigest()
    copied.setdefault("block_id", f"{digest[:4]}{index}")
    elements: list[Any] = []
    if isinstance(copied.get("elements"), list) and copied.get("type") in ("actions", "context_actions"):
        elements = copied["elements"]
    for key in ("accessory", "element"):
        if isinstance(copied.get(key), dict):
            elements.append(copied[key])
    for position, element in enumerate(elements):
        if isinstance(element, dict) and element.get("type") in _INTERACTIVE:
            element.setdefault("action_id", f"{digest[4:9]}{position}")
    return copied


def validate_message(params: JsonDict) -> JsonDict:
    """Check the message part of ``chat.postMessage``-like params. Returns the stored fields::

    {"text": "...", "blocks": [...], "attachments": [...]}   # blocks/attachments only when given
    """
    text = params.get("text")
    text = "" if text is None else str(text)
    blocks = validate_blocks(
        decode_json(params.get("blocks"), error="invalid_blocks_format"),
        pointer="/blocks",
        limit=MAX_MESSAGE_BLOCKS,
    )
    attachments = decode_json(params.get("attachments"), error="invalid_attachments")
    if attachments is not None and not isinstance(attachments, list):
        raise ApiError("invalid_attachments")
    if attachments and len(attachments) > MAX_ATTACHMENTS:
        raise ApiError("too_many_attachments")
    if not text.strip() and not blocks and not attachments:
        raise ApiError("no_text")
    if len(text) > MAX_TEXT_CHARS:
        raise ApiError("msg_too_long")
    fields: JsonDict = {"text": text}
    if blocks:
        fields["blocks"] = blocks
    if attachments:
        fields["attachments"] = [
            {"id": i + 1, "fallback": a.get("fallback", a.get("text", "")), **a}
            for i, a in enumerate(attachments)
            if isinstance(a, dict)
        ]
    return fields


def validate_metadata(raw: Any) -> JsonDict | None:
    """Message metadata. Shape: ``{"event_type": "cta_raised", "event_payload": {...}}``."""
    if raw is None or raw == "":
        return None
    value = decode_json(raw, error="invalid_metadata_format")
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("event_type"), str)
        or not value["event_type"]
        or not isinstance(value.get("event_payload"), dict)
    ):
        raise ApiError("invalid_metadata_format")
    return {"event_type": value["event_type"], "event_payload": value["event_payload"]}


def validate_view(raw: Any) -> JsonDict:
    """Check a ``view`` argument (modal or home) and return it with generated ids filled in."""
    if raw is None or raw == "":
        raise ApiError("invalid_arguments", ["missing required field: view"])
    view = decode_json(raw, error="invalid_arguments")
    if not isinstance(view, dict):
        raise ApiError("invalid_arguments", ["[ERROR] must be an object [json-pointer:/view]"])
    if view.get("type") not in VIEW_TYPES:
        raise ApiError("invalid_arguments", ["[ERROR] must be one of modal, home [json-pointer:/view/type]"])
    if view["type"] == "modal" and not view.get("title"):
        raise ApiError("invalid_arguments", ["missing required field: title"])
    if "blocks" not in view:
        raise ApiError("invalid_arguments", ["missing required field: blocks"])
    blocks = validate_blocks(view["blocks"], pointer="/view/blocks", limit=MAX_VIEW_BLOCKS)
    problems = [
        f"[ERROR] must be a plain_text object [json-pointer:/view/{key}]"
        for key in ("title", "submit", "close")
        if key in view and view[key] is not None and not _is_plain_text(view[key])
    ]
    if problems:
        raise ApiError("invalid_blocks", problems)
    try:
        # The view's own fields; its blocks were checked above, one block stands in for them here.
        View(**{**view, "blocks": [_STAND_IN_BLOCK]}).to_dict()
    except _PARSE_ERRORS as exc:
        raise ApiError("invalid_blocks", [f"[ERROR] {exc} [json-pointer:/view]"]) from exc
    has_inputs = any(b.get("type") == "input" for b in blocks)
    if view["type"] == "modal" and has_inputs and not view.get("submit"):
        raise ApiError("invalid_arguments", ["missing required field: submit"])
    return {**view, "blocks": blocks}


def _is_plain_text(value: Any) -> bool:
    return (
        isinstance(value, dict) and value.get("type") == "plain_text" and isinstance(value.get("text"), str)
    )
