"""CSV cells from data never open as formulas; our own numbers stay numbers; one writer."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import haiyan_comp
from haiyan_comp.tabular import Figure, csv_writer, original_cell, safe_cell

HOSTILE = [
    '=HYPERLINK("http://x","click")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "\t=1",
    "\r=1",
    "=1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_starts_a_formula_starts_with_a_quote(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["HY01-0001", "居民", "", " =1", "1+1", "a=b", "50.00"])
def test_other_text_is_written_as_it_is(value: str) -> None:
    assert safe_cell(value) == value


@settings(deadline=None)
@given(st.text())
def test_the_data_comes_back_from_a_safe_cell(value: str) -> None:
    cell = safe_cell(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert original_cell(cell) == value


def written(*rows: list[object]) -> list[list[str]]:
    out = io.StringIO()
    csv_writer(out, lineterminator="\n").writerows(rows)  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_the_writer_neutralises_text_and_keeps_numbers_we_formatted() -> None:
    rows = written(["-2+3", Figure("-50.00"), -7, None, "@SUM(1)", Figure("12")])
    assert rows == [["'-2+3", "-50.00", "-7", "", "'@SUM(1)", "12"]]


@pytest.mark.parametrize("text", ["-2+3", "=1", "1e3", "1,000.00", "", "- 5", "12.", "+1"])
def test_a_figure_is_a_plain_number_only(text: str) -> None:
    with pytest.raises(ValueError, match="plain decimal number"):
        Figure(text)


@pytest.mark.parametrize("value", [1.5, True, b"x", object()])
def test_a_cell_of_another_type_is_refused(value: object) -> None:
    with pytest.raises(TypeError, match="a CSV cell is text, an int or a Figure"):
        written([value])


def test_no_module_writes_csv_but_through_the_safe_writer() -> None:
    package = Path(haiyan_comp.__file__).parent
    raw = re.compile(
        r"\bcsv\s*\.\s*(?:writer|DictWriter)\s*\(|\bfrom\s+csv\s+import\b[^\n]*\bwriter"
    )
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "tabular.py" and raw.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "write CSV with haiyan_comp.tabular.csv_writer"
    assert raw.search((package / "tabular.py").read_text(encoding="utf-8"))  # the test can see
