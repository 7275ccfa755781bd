"""A line of a record file as a row's fields, or as a line that cannot be one.

The readers (records/readers.py) cut a file into lines; here is what a line
means: the CSV header's layout and what a row of it holds, a JSON line's
object and its fields, and every problem as a message by code
(records/messages.py): a `Row` with the reader's notes, or an `Unreadable`.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO, NamedTuple

from haiyan_comp import jsondepth
from haiyan_comp.errors import InvalidInput
from haiyan_comp.messages import Message
from haiyan_comp.records.messages import (
    EMPTY_CSV,
    FIELD_NOT_TEXT,
    FILE_LINE_TOO_LONG,
    HEADER_AND,
    HEADER_MISSING,
    HEADER_REPEATED,
    HEADER_UNKNOWN,
    HEADER_WRONG,
    LINE_NOT_JSON,
    LINE_NOT_OBJECT,
    LINE_NOT_UTF8,
    LINE_TOO_DEEP,
    LINE_TOO_LONG,
    ROW_WIDTH,
    UNKNOWN_FIELD,
)
from haiyan_comp.records.rules import FIELDS, REQUIRED_FIELDS
from haiyan_comp.tabular import original_cell

_SPACE = re.compile(r"\s")  # what str.strip() removes
LONGEST_LINE = 1 << 20  # a block is extended to the end of its last line, up to this
NO_REASONS: list[Message] = []
NOT_UTF8 = LINE_NOT_UTF8()


class Row(NamedTuple):
    """A line read as a row: its fields (FIELDS order, stripped) and what the reader found."""

    line: int
    values: tuple[str, ...]
    notes: list[Message]


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A line that cannot be read as a row at all, and why (its source id if it has one)."""

    line: int
    source_id: str
    reasons: list[Message]


RowItem = Row | Unreadable


# The columns a rejected-rows file adds around a row's own (records/originals.py):
# importing that file again, corrected, reads the row's columns and skips these.
LINE_COLUMN, REASONS_COLUMN = "行号", "原因"
ADDED_COLUMNS = frozenset({LINE_COLUMN, REASONS_COLUMN})


def _check_header(header: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    unknown = [name for name in names if name not in FIELDS and name not in ADDED_COLUMNS]
    missing = [name for name in REQUIRED_FIELDS if name not in names]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if unknown:
        problems.append(HEADER_UNKNOWN(names=[repr(name) for name in unknown]))
    if missing:
        problems.append(HEADER_MISSING(names=missing))
    if duplicated:
        problems.append(HEADER_REPEATED(names=duplicated))
    if problems:
        while len(problems) > 1:  # "a; b; c" as a; (b; c)
            problems[-2:] = [HEADER_AND(first=problems[-2], rest=problems[-1])]
        raise InvalidInput(
            HEADER_WRONG(problems=problems[0], columns=",".join(FIELDS)),
            details={"line": 1, "header": names},
        )
    return {name: names.index(name) for name in names}


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each of FIELDS sits in the file's rows."""

    width: int
    positions: list[int | None]  # per FIELDS entry; None: the column is left out
    rejected_file: bool = False  # a rejected-rows file: its CSV cells were made formula-safe

    @classmethod
    def of(cls, header: list[str]) -> Layout:
        columns = _check_header(header)
        return cls(len(header), [columns.get(name) for name in FIELDS], LINE_COLUMN in columns)

    def source_of(self, row: list[str]) -> str:
        """The source id of a row that could not be read whole, if it has one."""
        pos = self.positions[0]
        return row[pos].strip() if pos is not None and len(row) > pos else ""

    def misfit(self, line: int, row: list[str]) -> Unreadable:
        problem = ROW_WIDTH(fields=len(row), width=self.width)
        return Unreadable(line, self.source_of(row), [problem])

    def arrange(self, columns: list[list[str]], rows: int) -> list[list[str]]:
        """The file's columns in FIELDS order, stripped; a column left out reads as ''."""
        arranged = [
            [""] * rows if pos is None else stripped(columns[pos]) for pos in self.positions
        ]
        if self.rejected_file:  # the quote safe_cell put before a formula's start goes
            arranged = [list(map(original_cell, column)) for column in arranged]
        return arranged

    def pick(self, row: list[str]) -> tuple[str, ...]:
        picked = tuple("" if pos is None else row[pos].strip() for pos in self.positions)
        return tuple(map(original_cell, picked)) if self.rejected_file else picked


class LineGuard(io.RawIOBase):
    """The caller's stream, refused once a line runs past LONGEST_LINE bytes.

    The csv module reads a line whole before it looks at it; a file with no
    line breaks (not a record file at all) would be read whole into memory.
    """

    def __init__(self, raw: BinaryIO, lines_before: int, unbroken: int) -> None:
        self.raw = raw
        self.line = lines_before  # line breaks seen so far
        self.unbroken = unbroken  # bytes since the last line break

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        last = max(data.rfind(b"\n"), data.rfind(b"\r"))
        if last < 0:
            self.unbroken += len(data)
        else:
            self.line += data.count(b"\n")
            self.unbroken = len(data) - 1 - last
        if self.unbroken > LONGEST_LINE:
            raise InvalidInput(FILE_LINE_TOO_LONG(line=self.line + 1, problem=TOO_LONG))
        return len(data)


TOO_LONG = LINE_TOO_LONG(most=LONGEST_LINE)


def empty_csv() -> InvalidInput:
    return InvalidInput(EMPTY_CSV(header=",".join(FIELDS)))


def is_utf8(row: list[str]) -> bool:
    try:
        "".join(row).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


TOO_DEEP = LINE_TOO_DEEP(most=jsondepth.MAX_DEPTH)
OVERLONG = b"\x00overlong"  # stands for a line too long to keep (no JSON has a raw NUL)


def json_lines(first: int, lines: list[bytes]) -> Iterator[RowItem]:
    """Line by line, every problem named."""
    for line, raw in enumerate(lines, start=first):
        if raw is OVERLONG:
            yield Unreadable(line, "", [TOO_LONG])
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield Unreadable(line, "", [NOT_UTF8])
            continue
        try:
            obj = jsondepth.loads(text, parse_float=Decimal, parse_constant=refuse_constant)
        except jsondepth.TooDeep:
            yield Unreadable(line, "", [TOO_DEEP])
            continue
        except ValueError as exc:
            yield Unreadable(line, "", [LINE_NOT_JSON(error=str(exc))])
            continue
        if not isinstance(obj, dict):
            yield Unreadable(line, "", [LINE_NOT_OBJECT()])
            continue
        values, reasons = _object_values(obj)
        yield Row(line, values, reasons)


def refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def _object_values(obj: dict[str, object]) -> tuple[tuple[str, ...], list[Message]]:
    reasons = [UNKNOWN_FIELD.on(key) for key in obj if key not in FIELDS]
    values = []
    for name in FIELDS:
        value = obj.get(name)
        if value is None:
            values.append("")
        elif isinstance(value, str):
            values.append(value.strip())
        elif isinstance(value, int) and not isinstance(value, bool):
            values.append(str(value))
        elif name == "quantity" and isinstance(value, Decimal):
            values.append(str(value))  # the validator names it: not a whole number
        else:
            values.append("")
            reasons.append(FIELD_NOT_TEXT.on(name, value=json.dumps(value, default=str)))
    return tuple(values), reasons


def stripped(column: list[str]) -> list[str]:
    text = "".join(column)
    if text.isascii() and text.isprintable() and " " not in text:
        return column  # no character str.strip() removes: ASCII whitespace is unprintable
    return list(map(str.strip, column)) if _SPACE.search(text) else column
