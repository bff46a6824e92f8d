"""Imports flow one way: bot → handlers → storage, scoring; storage → scoring; scoring → nothing of ours.

Scoring stays pure (no I/O libraries either), so it can be tested and benchmarked as plain functions.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"bot", "handlers", "scoring", "storage"}
ALLOWED = {
    "bot": {"bot", "handlers", "scoring", "storage"},
    "handlers": {"handlers", "scoring", "storage"},
    "storage": {"storage", "scoring"},
    "scoring": {"scoring"},
}
IMPURE_FOR_SCORING = {
    "sqlalchemy",
    "slack_sdk",
    "slack_bolt",
    "requests",
    "urllib",
    "http",
    "socket",
    "sqlite3",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_flow_one_way(package: str) -> None:
    offending = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path) & OURS
        if name not in ALLOWED[package]
    }
    assert not offending


def test_scoring_does_no_io() -> None:
    offending = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "scoring").rglob("*.py")
        for name in _imports(path) & IMPURE_FOR_SCORING
    }
    assert not offending
