"""The shape of the code that issue 14 asks for, checked on every run.

import-linter (make lint) holds the layers and the order of the domains; these
tests hold what it cannot see: where transactions end, where SQL is built, and
the sizes of modules and functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "haiyan_comp"
SURFACES = ("web", "api", "commands")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_only_the_transaction_owner_commits() -> None:
    """`commit()` is called in db.py (a unit of work, the end of a read, bookkeeping), no other."""
    found = [
        f"{_relative(path)}:{number}"
        for path in _modules()
        if path.name != "db.py" or path.parent != PACKAGE
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.commit\(\)", line)
    ]
    assert not found, found


def test_only_operations_open_a_unit_of_work() -> None:
    found = [
        f"{_relative(path)}:{number}"
        for path in _modules()
        if path.parent.name != "operations" and path.name != "db.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "unit_of_work(" in line
    ]
    assert not found, found


@pytest.mark.parametrize("surface", SURFACES)
def test_surfaces_build_no_sql(surface: str) -> None:
    found = [
        f"{_relative(path)}:{number}"
        for path in sorted((PACKAGE / surface).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bselect\(", line)
    ]
    assert not found, found


def test_no_module_is_over_400_lines() -> None:
    long = {
        _relative(path): count
        for path in _modules()
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def test_no_function_is_over_60_lines() -> None:
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                size = (node.end_lineno or node.lineno) - first + 1
                if size > MAX_FUNCTION_LINES:
                    long[f"{_relative(path)}:{node.name}"] = size
    assert not long, long


def test_no_regular_expression_translates_a_message() -> None:
    assert not (PACKAGE / "web" / "reasons.py").exists()
