"""CSV the service writes: one writer, so that no cell from data opens as a formula.

A spreadsheet reads a cell that starts with =, +, -, @, a tab or a carriage
return as a formula: a source id `=HYPERLINK(...)` from an upload would run
when a person opens the rejected rows. Every CSV the service writes goes
through `csv_writer` (a test holds every other module to it), which puts a
single quote in front of such a cell (OWASP's remedy), so the spreadsheet
shows it as text. A cell that starts with a quote gets one more, which makes
the change reversible: `original_cell` drops the one quote `safe_cell` added,
so a program that reads an export (say, to recompute an audit sample from
`haiyan audit population`) gets the ids exactly.

Which cells are text is decided by type, never by looking at the value:

- `str` is text from data (ids, names, reasons, headers): neutralised by
  `safe_cell`, whatever it holds.
- `Figure`, `int` are numbers the service formatted itself (for example
  money.format_hundredths' '-50.00'): written as they are, so a spreadsheet
  still reads '-50.00' as a number. A Figure refuses anything but a plain
  decimal number, so data cannot pass through one unneutralised.
- `None` is an empty cell.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = (*FORMULA_STARTS, "'")  # what gets a quote in front
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class Figure(str):
    """A number the service formatted itself ('12.34', '-50.00'): a CSV cell kept as it is."""

    __slots__ = ()

    def __new__(cls, text: str) -> Figure:
        if not _PLAIN_NUMBER.fullmatch(text):
            raise ValueError(f"a Figure is a plain decimal number, got {text!r}")
        return super().__new__(cls, text)


Cell = str | int | None


def safe_cell(value: str) -> str:
    """Text from data as a spreadsheet shows it as text: a quote before a formula's start."""
    return "'" + value if value.startswith(_QUOTED) else value


def original_cell(cell: str) -> str:
    """The text `safe_cell` was given: the cell without the quote it put in front."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_QUOTED) else cell


def _cell(value: Cell) -> str | int:
    if value is None:
        return ""
    if isinstance(value, Figure):
        return value
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"a CSV cell is text, an int or a Figure, got {type(value).__name__}")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeWriter:
    """csv.writer's writerow and writerows, every cell passed through `_cell` first."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Cell]) -> None:
        """Write one row."""
        self._writer.writerow([_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Cell]]) -> None:
        """Write every row."""
        for row in rows:
            self.writerow(row)


def csv_writer(out: _Writable, **options: Any) -> SafeWriter:
    """The service's only CSV writer (options as csv.writer's, e.g. lineterminator)."""
    return SafeWriter(out, **options)
