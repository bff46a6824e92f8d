"""Reading ``takibi.yml``: YAML text → a validated ``TakibiConfig``, or every problem with its line.

The file is composed with ``yaml.compose`` first so each node keeps its position; validation problems
(paths into the data, from ``scoring.config``) are then mapped back to the line and column an admin
sees in their editor. Nothing here prints: the CLI does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.i18n import Locale, Translator
from scoring.config import ConfigProblem, Loc, TakibiConfig
from scoring.config_parse import InvalidConfigError, parse_config

DEFAULT_FILE_NAME = "takibi.yml"


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the file. ``line``/``column`` are 1-based; ``None`` when no position applies."""

    line: int | None
    column: int | None
    path: str
    message: str

    def format(self, source: str) -> str:
        """``FILE:LINE:COLUMN: path: message``, the shape editors and CI logs understand."""
        where = source if self.line is None else f"{source}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigFileError(Exception):
    """The configuration file cannot be used; ``issues`` holds every problem found."""

    def __init__(self, source: str, issues: tuple[ConfigIssue, ...]) -> None:
        super().__init__("\n".join(issue.format(source) for issue in issues))
        self.source = source
        self.issues = issues


def default_config_path() -> Path:
    """The ``takibi.yml`` shipped with the app, a starting point a CS team can use on day one."""
    return Path(str(resources.files("bot.defaults").joinpath(DEFAULT_FILE_NAME)))


def load_config(path: Path, *, locale: Locale = Locale.JA) -> TakibiConfig:
    """Load and validate a configuration file; raise ``ConfigFileError`` listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        message = Translator(locale)("config.error.file", reason=reason)
        raise ConfigFileError(str(path), (ConfigIssue(None, None, "", message),)) from None
    return load_config_text(text, str(path), locale=locale)


def load_config_text(text: str, source_name: str = "<text>", *, locale: Locale = Locale.JA) -> TakibiConfig:
    """Validate configuration text; ``source_name`` only labels the issues."""
    t = Translator(locale)
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigFileError(source_name, (ConfigIssue(1, 1, "", t("config.error.empty")),))
        issues = [
            _issue(mark_node, _path(loc), t("config.error.duplicate_key", key=loc[-1]))
            for loc, mark_node in _duplicate_keys(root, ())
        ]
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        message = t("config.error.yaml_syntax", problem=problem)
        raise ConfigFileError(source_name, (ConfigIssue(line, column, "", message),)) from None
    except yaml.YAMLError as exc:
        message = t("config.error.yaml_syntax", problem=str(exc))
        raise ConfigFileError(source_name, (ConfigIssue(None, None, "", message),)) from None
    finally:
        loader.dispose()

    try:
        config = parse_config(data)
    except InvalidConfigError as exc:
        issues.extend(_located(root, problem, t) for problem in exc.problems)
        issues.sort(key=lambda i: (i.line or 0, i.column or 0))
        raise ConfigFileError(source_name, tuple(issues)) from None
    if issues:
        raise ConfigFileError(source_name, tuple(issues))
    return config


def _located(root: Node, problem: ConfigProblem, t: Translator) -> ConfigIssue:
    message = t(problem.key, **problem.params)
    return _issue(_find(root, problem.loc, on_key=problem.on_key), _path(problem.loc), message)


def _issue(node: Node, path: str, message: str) -> ConfigIssue:
    return ConfigIssue(node.start_mark.line + 1, node.start_mark.column + 1, path, message)


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _path(loc: Loc) -> str:
    """A data path as an admin reads it: ``questions[3].label.ja``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


def _find(root: Node, loc: Loc, *, on_key: bool) -> Node:
    """The node to point at for ``loc``: the value, or its key when the key is the problem.

    When part of the path does not exist (a missing key), point at the key that holds the parent
    mapping, where the missing entry belongs. Block collections are pointed at by their key's line.
    """
    node: Node = root
    owner: Node = root
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, MappingNode):
            entry = _entry(node, part)
            if entry is None:
                return owner
            key_node, value_node = entry
            if last and on_key:
                return key_node
            owner = key_node
            node = value_node
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            owner = node
        else:
            return owner
    if isinstance(node, MappingNode | SequenceNode) and not node.flow_style:
        return owner
    return node


def _entry(mapping: MappingNode, part: str | int) -> tuple[Node, Node] | None:
    found: tuple[Node, Node] | None = None
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == str(part):
            found = (key_node, value_node)
    return found


def _duplicate_keys(node: Node, loc: Loc) -> list[tuple[Loc, Node]]:
    """Keys written twice in one mapping: YAML keeps the last silently, which hides edits."""
    found: list[tuple[Loc, Node]] = []
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                if key_node.value in seen:
                    found.append(((*loc, key_node.value), key_node))
                seen.add(key_node.value)
                found.extend(_duplicate_keys(value_node, (*loc, key_node.value)))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            found.extend(_duplicate_keys(item, (*loc, i)))
    return found
