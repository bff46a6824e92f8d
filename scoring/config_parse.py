"""From plain data (as loaded from YAML) to a ``TakibiConfig``, or every problem with its data path.

Pydantic reports shape problems with its own locations (including union tags such as ``scale5``) and
English messages; this turns each into a ``ConfigProblem``: a path into the data as the admin wrote it
and a catalog key, so the loader can point at the line and the reader gets their own language.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from scoring.config import ConfigProblem, Loc, TakibiConfig


class InvalidConfigError(ValueError):
    """The data does not make a valid configuration; ``problems`` lists every one found."""

    def __init__(self, problems: tuple[ConfigProblem, ...]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the configuration")
        self.problems = problems


def parse_config(data: object) -> TakibiConfig:
    """Validate plain data (as loaded from YAML) into a ``TakibiConfig`` or raise ``InvalidConfigError``."""
    if not isinstance(data, Mapping):
        raise InvalidConfigError((ConfigProblem((), "config.error.not_mapping"),))
    try:
        return TakibiConfig.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        failed_inside = {tuple(e["loc"][:i]) for e in errors for i in range(1, len(e["loc"]))}
        problems: list[ConfigProblem] = []
        for error in errors:
            if error["type"] == "takibi_cross_field":
                problems.extend(error["ctx"]["problems"])
            elif error["type"] == "too_short" and tuple(error["loc"]) in failed_inside:
                continue  # pydantic counts only the valid items; the invalid ones are reported already
            else:
                problems.append(_from_pydantic(error, data))
        raise InvalidConfigError(tuple(problems)) from None


# --- pydantic errors → problems ------------------------------------------------------------------

_SIMPLE_KEYS: dict[str, str] = {
    "missing": "config.error.missing",
    "int_type": "config.error.integer",
    "int_parsing": "config.error.integer",
    "int_from_float": "config.error.integer",
    "float_type": "config.error.number",
    "float_parsing": "config.error.number",
    "bool_type": "config.error.boolean",
    "bool_parsing": "config.error.boolean",
    "dict_type": "config.error.mapping",
    "model_type": "config.error.mapping",
    "model_attributes_type": "config.error.mapping",
    "tuple_type": "config.error.list",
    "list_type": "config.error.list",
    "string_too_short": "config.error.empty_text",
}

_LIMIT_KEYS: dict[str, tuple[str, str]] = {
    "greater_than_equal": ("config.error.ge", "ge"),
    "greater_than": ("config.error.gt", "gt"),
    "less_than_equal": ("config.error.le", "le"),
    "less_than": ("config.error.lt", "lt"),
    "too_short": ("config.error.too_short", "min_length"),
    "too_long": ("config.error.too_long", "max_length"),
    "string_too_long": ("config.error.text_too_long", "max_length"),
}


def _from_pydantic(error: Any, data: Mapping[str, Any]) -> ConfigProblem:
    """Turn one pydantic error into a problem with a plain data path and a catalog key."""
    kind: str = error["type"]
    raw_loc: Loc = tuple(error["loc"])
    ctx: dict[str, Any] = error.get("ctx") or {}
    loc, on_key = _data_loc(raw_loc, data)
    if kind == "extra_forbidden":
        name = str(loc[-1])
        suggestions = difflib.get_close_matches(name, _allowed_keys(raw_loc[:-1], data), n=1)
        if suggestions:
            return ConfigProblem(
                loc, "config.error.unknown_key_hint", {"key": name, "hint": suggestions[0]}, True
            )
        return ConfigProblem(loc, "config.error.unknown_key", {"key": name}, True)
    if kind == "union_tag_not_found":
        return ConfigProblem((*loc, "kind"), "config.error.missing")
    if kind == "union_tag_invalid":
        return ConfigProblem(
            (*loc, "kind"),
            "config.error.kind",
            {"kind": ctx.get("tag"), "expected": _plain(ctx.get("expected_tags"))},
        )
    if kind in ("literal_error", "enum"):
        return ConfigProblem(loc, "config.error.one_of", {"expected": _plain(ctx.get("expected"))}, on_key)
    if kind == "string_type":
        key = "config.error.text_bool" if isinstance(error.get("input"), bool) else "config.error.text"
        return ConfigProblem(loc, key, {}, on_key)
    if kind == "string_pattern_mismatch":
        upper = "A-Z" in str(ctx.get("pattern", ""))
        return ConfigProblem(
            loc, "config.error.segment_pattern" if upper else "config.error.id_pattern", {}, on_key
        )
    if kind in _LIMIT_KEYS:
        key, name = _LIMIT_KEYS[kind]
        limit = ctx.get(name)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return ConfigProblem(loc, key, {"limit": limit}, on_key)
    if kind in _SIMPLE_KEYS:
        return ConfigProblem(loc, _SIMPLE_KEYS[kind], {}, on_key)
    message = str(ctx["error"]) if kind == "value_error" and "error" in ctx else str(error.get("msg", kind))
    return ConfigProblem(loc, "config.error.other", {"message": message}, on_key)


def _plain(expected: object) -> str:
    return str(expected or "").replace("'", "").replace(" or ", ", ")


def _data_loc(raw: Loc, data: object) -> tuple[Loc, bool]:
    """Drop the parts of a pydantic loc that are not in the data: union tags and the ``[key]`` marker."""
    loc: list[str | int] = []
    node: object = data
    on_key = False
    for part in raw:
        if part == "[key]":
            on_key = True
            continue
        if isinstance(node, Mapping) and part not in node and node.get("kind") == part:
            continue
        loc.append(part)
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list | tuple) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(loc), on_key


def _allowed_keys(raw: Loc, data: object) -> list[str]:
    """The keys the model at ``raw`` accepts, to suggest the one a typo meant."""
    annotation: Any = TakibiConfig
    for part in raw:
        annotation = _unwrap(annotation, part)
        if annotation is None:
            return []
    annotation = _unwrap(annotation, None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any, part: str | int | None) -> Any:
    """Step from a type into the type at ``part`` (a field, a list index, a dict key or a union tag)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            tagged = [
                m for m in members if isinstance(m, type) and issubclass(m, BaseModel) and _tag(m) == part
            ]
            if tagged:
                return tagged[0]
            if len(members) != 1:
                return None
            annotation = members[0]
        else:
            break
    if part is None:
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = annotation.model_fields.get(str(part))
        return None if info is None else info.annotation
    origin = typing.get_origin(annotation)
    if origin is tuple or origin is list:
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    return None


def _tag(model: type[BaseModel]) -> object:
    info = model.model_fields.get("kind")
    if info is None:
        return None
    args = typing.get_args(info.annotation)
    return args[0] if args else None
