"""The code's shape, as the project's standards ask: functions under about 120 lines, modules
under about 900 (docstrings included), so each stays readable on its own."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "coldstart"
MAX_FUNCTION_LINES = 120
MAX_MODULE_LINES = 900


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_functions_stay_under_120_lines():
    long = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name} ({lines})")
    assert long == []


def test_modules_stay_small():
    big = [
        f"{p.relative_to(SRC)} ({n})"
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert big == []
    assert len(_sources()) > 100  # the walk found the package
