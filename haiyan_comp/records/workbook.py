"""A record file given as an .xlsx workbook: its rows as the CSV reader's, from typed cells.

The header is the first row with anything in it; every row after it is a
record whose line is its row number in the spreadsheet. Cells are read as
people mean them (haiyan_comp.sheets.cell_text): a date cell is YYYY-MM-DD,
3.0 is 3, 1.5 stays 1.5 and is refused as a quantity by the same check as a
CSV's. An id that the spreadsheet turned into a number is refused with a
reason saying so, since its leading zeros or digits may be gone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from haiyan_comp import sheets
from haiyan_comp.messages import Message
from haiyan_comp.records.lines import Layout, Unreadable, empty_csv, stripped
from haiyan_comp.records.rules import FIELDS

ID_FIELDS = frozenset({"source_id", "institution_code", "staff_code", "item_code", "resident_id"})
_BLANK = ("", None)


Parts = tuple[list[int], list[list[str]], dict[int, list[Message]], list[Unreadable]]


def workbook_parts(
    stream: BinaryIO, filename: str, sheet: str | None, chunk_rows: int
) -> Iterator[Parts]:
    """The rows after the header a chunk at a time: lines, columns (FIELDS order, text),
    each row's problems, and the rows that cannot be read (more cells than the header).

    Like the CSV's fast path, a chunk is taken column by column: a column of
    text (the common case) is only stripped; one with typed cells is read cell
    by cell (`_typed`).
    """
    rows = sheets.xlsx_rows(stream, filename, sheet)
    layout = None
    for _, cells in rows:
        header = trimmed([sheets.cell_text(cell) for cell in cells], 0)
        if any(cell.strip() for cell in header):
            layout = Layout.of(header)
            break
    if layout is None:
        raise empty_csv()
    width = layout.width
    lines: list[int] = []
    kept: list[Sequence[Any]] = []
    unreadable: list[Unreadable] = []
    for line, cells in rows:
        if cells.count("") + cells.count(None) == len(cells):
            continue  # a blank row
        if len(cells) != width:
            cells = trimmed(list(cells), width)
            if len(cells) > width:
                unreadable.append(layout.misfit(line, [sheets.cell_text(c) for c in cells]))
                continue
            cells = [*cells, *([""] * (width - len(cells)))]
        lines.append(line)
        kept.append(cells)
        if len(kept) + len(unreadable) >= chunk_rows:
            yield _part(layout, lines, kept, unreadable)
            lines, kept, unreadable = [], [], []
    if kept or unreadable:
        yield _part(layout, lines, kept, unreadable)


def _part(
    layout: Layout, lines: list[int], rows: list[Sequence[Any]], unreadable: list[Unreadable]
) -> Parts:
    notes: dict[int, list[Message]] = {}
    given = list(zip(*rows, strict=True)) if rows else [() for _ in range(layout.width)]
    columns = []
    for pos, name in zip(layout.positions, FIELDS, strict=True):
        if pos is None:
            columns.append([""] * len(rows))
            continue
        column = given[pos]
        if set(map(type, column)) == {str}:
            columns.append(stripped(list(column)))
        else:
            columns.append(_typed(column, name, notes))
    return lines, columns, notes, unreadable


def _typed(column: Sequence[Any], name: str, notes: dict[int, list[Message]]) -> list[str]:
    """A column with typed cells as text; a number where an id belongs is noted."""
    is_id = name in ID_FIELDS
    values = []
    for index, cell in enumerate(column):
        if isinstance(cell, str):
            values.append(cell.strip())
            continue
        if is_id and sheets.is_number(cell):
            problem = sheets.id_problem(cell, name)
            if problem is not None:
                notes.setdefault(index, []).append(problem)
        values.append(sheets.cell_text(cell).strip())
    return values


def trimmed(cells: list[Any], width: int) -> list[Any]:
    """A workbook's row is as wide as its widest row: its empty cells past `width` go."""
    end = len(cells)
    while end > width and cells[end - 1] in _BLANK:
        end -= 1
    return cells[:end] if end < len(cells) else cells
