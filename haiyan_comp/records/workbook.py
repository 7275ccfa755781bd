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
from haiyan_comp.records.lines import NO_REASONS, Layout, Row, RowItem, empty_csv
from haiyan_comp.records.rules import FIELDS

ID_FIELDS = frozenset({"source_id", "institution_code", "staff_code", "item_code", "resident_id"})
_BLANK = ("", None)


def workbook_items(stream: BinaryIO, filename: str, sheet: str | None) -> Iterator[RowItem]:
    """Every non-blank row after the header, as a Row (with its problems) or an Unreadable."""
    rows = sheets.xlsx_rows(stream, filename, sheet)
    layout = None
    for _, cells in rows:
        header = trimmed([sheets.cell_text(cell) for cell in cells], 0)
        if any(cell.strip() for cell in header):
            layout = Layout.of(header)
            break
    if layout is None:
        raise empty_csv()
    fields = [(pos, name in ID_FIELDS) for pos, name in zip(layout.positions, FIELDS, strict=True)]
    for line, cells in rows:
        if all(cell in _BLANK for cell in cells):
            continue
        row = trimmed(list(cells), layout.width)
        if len(row) > layout.width:
            yield layout.misfit(line, [sheets.cell_text(cell) for cell in row])
            continue
        yield _row(line, row, fields)


def trimmed(cells: list[Any], width: int) -> list[Any]:
    """A workbook's row is as wide as its widest row: its empty cells past `width` go."""
    end = len(cells)
    while end > width and cells[end - 1] in _BLANK:
        end -= 1
    return cells[:end] if end < len(cells) else cells


def _row(line: int, cells: Sequence[Any], fields: list[tuple[int | None, bool]]) -> Row:
    values: list[str] = []
    notes: list[Message] = NO_REASONS
    for (pos, is_id), name in zip(fields, FIELDS, strict=True):
        cell = "" if pos is None or pos >= len(cells) else cells[pos]
        if isinstance(cell, str):
            values.append(cell.strip())
            continue
        if is_id and sheets.is_number(cell):
            problem = sheets.id_problem(cell, name)
            notes = [*notes, problem] if problem is not None else notes
        values.append(sheets.cell_text(cell).strip())
    return Row(line, tuple(values), notes)
