"""scoring is pure: it imports nothing of ours outside scoring, and nothing that does I/O or reads time."""

from __future__ import annotations

import ast
from pathlib import Path

SCORING = Path(__file__).resolve().parents[3] / "scoring"
ALLOWED = {
    "__future__",
    "bisect",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "difflib",
    "enum",
    "functools",
    "hashlib",
    "heapq",
    "itertools",
    "json",
    "math",
    "re",
    "statistics",
    "types",
    "typing",
    "pydantic",
    "pydantic_core",
    "scoring",
}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_scoring_imports_only_the_standard_library_pydantic_and_itself() -> None:
    found = {path.name: imported_roots(path) - ALLOWED for path in SCORING.glob("*.py")}
    assert {name: extra for name, extra in found.items() if extra} == {}


def test_scoring_never_reads_the_clock() -> None:
    for path in SCORING.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in ("date.today(", "datetime.now(", "time.time(", "utcnow("):
            assert call not in text, f"{path.name} calls {call}"
