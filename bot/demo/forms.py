"""Filling in a modal the way a person does: start from what the view shows, change a few inputs.

``submission(view, changes)`` builds the ``state.values`` Slack sends with a ``view_submission`` for a
view recorded by the stand-in: every input keeps its initial value, except the ones named in
``changes``. A change is keyed by block id, or by its unscoped start (``"question:po_engagement"``
matches ``question:po_engagement:42``); its value is the option value to pick, the text to type or the
date to choose, and must be one the view offers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

JsonDict = dict[str, Any]
SELECTS = frozenset({"static_select", "external_select", "radio_buttons"})


class FormError(LookupError):
    """The view has no input, or no option, for a change: the demo's script no longer fits the app."""


def _options(element: Mapping[str, Any]) -> list[JsonDict]:
    options = list(element.get("options") or ())
    for group in element.get("option_groups") or ():
        options.extend(group.get("options") or ())
    return options


def _option(element: Mapping[str, Any], value: str, block_id: str) -> JsonDict:
    for option in _options(element):
        if option.get("value") == value:
            return dict(option)
    if element.get("type") == "external_select":  # options come from a search; any value is typed
        return {"value": value, "text": {"type": "plain_text", "text": value}}
    raise FormError(f"{block_id}: no option {value!r}")


def _initial(element: Mapping[str, Any]) -> JsonDict:
    kind = str(element.get("type"))
    state: JsonDict = {"type": kind}
    if kind in SELECTS:
        state["selected_option"] = element.get("initial_option")
    elif kind == "datepicker":
        state["selected_date"] = element.get("initial_date")
    elif kind == "plain_text_input":
        state["value"] = element.get("initial_value")
    elif kind == "checkboxes":
        state["selected_options"] = list(element.get("initial_options") or ())
    return state


def _changed(element: Mapping[str, Any], value: str | Sequence[str] | None, block_id: str) -> JsonDict:
    kind = str(element.get("type"))
    state: JsonDict = {"type": kind}
    if kind in SELECTS:
        state["selected_option"] = None if value is None else _option(element, str(value), block_id)
    elif kind == "datepicker":
        state["selected_date"] = value
    elif kind == "plain_text_input":
        state["value"] = value
    elif kind == "checkboxes":
        values = [value] if isinstance(value, str) else list(value or ())
        state["selected_options"] = [_option(element, v, block_id) for v in values]
    else:
        raise FormError(f"{block_id}: cannot fill a {kind}")
    return state


def _matches(block_id: str, key: str) -> bool:
    return block_id == key or block_id.startswith(key + ":")


def submission(view: Mapping[str, Any], changes: Mapping[str, str | Sequence[str] | None]) -> JsonDict:
    """``state.values`` for submitting ``view`` with ``changes`` applied (see the module docstring)."""
    values: JsonDict = {}
    unused = set(changes)
    for block in view.get("blocks") or ():
        if block.get("type") != "input":
            continue
        block_id, element = str(block["block_id"]), block["element"]
        key = next((k for k in changes if _matches(block_id, k)), None)
        if key is None:
            state = _initial(element)
        else:
            unused.discard(key)
            state = _changed(element, changes[key], block_id)
        values[block_id] = {element["action_id"]: state}
    if unused:
        raise FormError(f"no input for {', '.join(sorted(unused))}")
    return values
