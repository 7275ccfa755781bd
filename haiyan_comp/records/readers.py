"""Stream record files (CSV or JSON Lines) in chunks of rows, never whole into memory.

`read_chunks` yields Chunks: the readable rows column by column (FIELDS order,
stripped text) with their line numbers, the problems the reader already saw in
a row, and the lines that cannot be read as a row at all (`Unreadable`). A
problem with the file as a whole raises InvalidInput. Every problem is a
message by code (records/messages.py).

CSV has two paths that give the same rows. The common file (UTF-8 with no
quote, bare CR or NUL) is cut into lines and fields by `str.split`, a few
megabytes at a time, and a line's number follows from its position. From the
first block that holds anything else, the rest of the file goes through the
csv module, which reads quoted fields (even across lines) and keeps counting
lines from where the fast path stopped. Tests hold the two paths to the same
result.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, repeat
from typing import Any, BinaryIO, NamedTuple, cast

from haiyan_comp import jsondepth
from haiyan_comp.errors import InvalidInput
from haiyan_comp.messages import Message
from haiyan_comp.records.messages import (
    EMPTY_CSV,
    EMPTY_JSONL,
    FIELD_NOT_TEXT,
    FILE_LINE_TOO_LONG,
    FILE_NOT_CSV,
    FILE_NOT_UTF8,
    HEADER_AND,
    HEADER_MISSING,
    HEADER_NOT_CSV,
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

NO_REASONS: list[Message] = []

NOT_UTF8 = LINE_NOT_UTF8()
BLOCK_BYTES = 1 << 21  # what the fast CSV path reads at a time
_LONGEST_LINE = 1 << 20  # a block is extended to the end of its last line, up to this
_SPACE = re.compile(r"\s")  # what str.strip() removes


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


@dataclass(slots=True)
class Chunk:
    """Consecutive rows of a file: the readable ones column by column, and the rest."""

    lines: list[int]
    columns: list[list[str]]  # one list per FIELDS entry, a value per readable row
    notes: dict[int, list[Message]] = field(default_factory=dict)  # row index → reader problems
    unreadable: list[Unreadable] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Rows in the chunk, readable or not (blank lines are not rows)."""
        return len(self.lines) + len(self.unreadable)


def detect_format(filename: str, head: bytes) -> str:
    """'csv' or 'jsonl', by extension first, then by the first character."""
    lowered = filename.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


def read_chunks(stream: BinaryIO, file_format: str, chunk_rows: int) -> Iterator[Chunk]:
    """Chunks of at most `chunk_rows` rows of a binary stream in the given format."""
    if file_format == "csv":
        return _CsvChunks(stream, chunk_rows).chunks()
    return _JsonChunks(stream, chunk_rows).chunks()


def _chunked(items: Iterable[RowItem], chunk_rows: int) -> Iterator[Chunk]:
    """Group row items (the csv module's path, JSON Lines) into chunks."""
    rows: list[tuple[str, ...]] = []
    chunk = Chunk([], [])
    for item in items:
        if isinstance(item, Unreadable):
            chunk.unreadable.append(item)
        else:
            if item.notes:
                chunk.notes[len(rows)] = item.notes
            rows.append(item.values)
            chunk.lines.append(item.line)
        if len(rows) + len(chunk.unreadable) >= chunk_rows:
            chunk.columns = _transpose(rows)
            yield chunk
            rows, chunk = [], Chunk([], [])
    if chunk.size:
        chunk.columns = _transpose(rows)
        yield chunk


def _transpose(rows: list[tuple[str, ...]]) -> list[list[str]]:
    if not rows:
        return [[] for _ in FIELDS]
    return [list(column) for column in zip(*rows, strict=True)]


def _check_header(header: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    unknown = [name for name in names if name not in FIELDS]
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
class _Layout:
    """Where each of FIELDS sits in the file's rows."""

    width: int
    positions: list[int | None]  # per FIELDS entry; None: the column is left out

    @classmethod
    def of(cls, header: list[str]) -> _Layout:
        columns = _check_header(header)
        return cls(len(header), [columns.get(name) for name in FIELDS])

    def source_of(self, row: list[str]) -> str:
        """The source id of a row that could not be read whole, if it has one."""
        pos = self.positions[0]
        return row[pos].strip() if pos is not None and len(row) > pos else ""

    def misfit(self, line: int, row: list[str]) -> Unreadable:
        problem = ROW_WIDTH(fields=len(row), width=self.width)
        return Unreadable(line, self.source_of(row), [problem])

    def arrange(self, columns: list[list[str]], rows: int) -> list[list[str]]:
        """The file's columns in FIELDS order, stripped; a column left out reads as ''."""
        return [[""] * rows if pos is None else _stripped(columns[pos]) for pos in self.positions]

    def pick(self, row: list[str]) -> tuple[str, ...]:
        return tuple("" if pos is None else row[pos].strip() for pos in self.positions)


class _CsvChunks:
    """CSV with a header row, UTF-8 with or without a BOM; the fast path, then the csv module."""

    def __init__(self, stream: BinaryIO, chunk_rows: int, *, fast: bool = True) -> None:
        self.stream = stream
        self.chunk_rows = chunk_rows
        self.fast = fast  # False: the csv module from the first line (tests compare the two)
        self.line = 0  # physical lines consumed by the fast path
        self.layout: _Layout | None = None
        self.long_line = False

    def chunks(self) -> Iterator[Chunk]:
        block = self._block()
        if block.startswith(codecs.BOM_UTF8):
            block = block[len(codecs.BOM_UTF8) :]
        while block:
            text = _plain_text(block) if self.fast and not self.long_line else None
            if text is None:
                break
            yield from self._fast(text)
            block = self._block()
        else:
            if self.layout is None:
                raise _empty()
            return
        yield from _chunked(self._slow(block), self.chunk_rows)

    def _block(self) -> bytes:
        block, self.long_line = _read_block(self.stream)
        return block

    def _fast(self, text: str) -> Iterator[Chunk]:
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        if self.layout is None:
            lines = self._take_header(lines)
        layout = self.layout
        if layout is None:
            return  # blank lines so far
        first = self.line + 1
        self.line += len(lines)
        commas = layout.width - 1
        for start in range(0, len(lines), self.chunk_rows):
            part = lines[start : start + self.chunk_rows]
            if list(map(str.count, part, repeat(","))).count(commas) == len(part):
                # Every line has its fields: split them all at once, take every width-th.
                fields = ",".join(part).split(",")
                columns = [fields[k :: layout.width] for k in range(layout.width)]
                lines_of = list(range(first + start, first + start + len(part)))
                yield Chunk(lines_of, layout.arrange(columns, len(part)))
            else:
                rows = list(map(str.split, part, repeat(",")))
                yield self._split(first + start, rows, layout)

    def _take_header(self, lines: list[str]) -> list[str]:
        for index, line in enumerate(lines):
            header = line.split(",")
            if any(cell.strip() for cell in header):
                self.layout = _Layout.of(header)
                self.line += index + 1
                return lines[index + 1 :]
        self.line += len(lines)
        return []

    @staticmethod
    def _split(first: int, rows: list[list[str]], layout: _Layout) -> Chunk:
        lines = list(range(first, first + len(rows)))
        chunk = Chunk(lines, [])
        if set(map(len, rows)) - {layout.width}:
            kept_rows, kept_lines = [], []
            for line, row in zip(lines, rows, strict=True):
                if len(row) == layout.width:
                    kept_rows.append(row)
                    kept_lines.append(line)
                elif any(cell.strip() for cell in row):
                    chunk.unreadable.append(layout.misfit(line, row))
            rows, chunk.lines = kept_rows, kept_lines
        columns = [list(column) for column in zip(*rows, strict=True)] or [
            [] for _ in range(layout.width)
        ]
        chunk.columns = layout.arrange(columns, len(rows))
        return chunk

    def _slow(self, block: bytes) -> Iterator[RowItem]:
        """The rest of the file through the csv module, starting with `block`."""
        first = io.StringIO(block.decode("utf-8", "surrogateescape"), newline="")
        unbroken = len(block) - 1 - max(block.rfind(b"\n"), block.rfind(b"\r"))
        guard = _LineGuard(self.stream, self.line + block.count(b"\n"), unbroken)
        rest = io.TextIOWrapper(
            io.BufferedReader(guard), encoding="utf-8", errors="surrogateescape", newline=""
        )
        try:
            reader = csv.reader(chain(first, rest))
            if self.layout is None:
                self.layout = self._slow_header(reader)
            yield from self._slow_rows(reader, self.layout)
        finally:
            rest.detach()  # the caller owns the stream

    def _slow_header(self, reader: Iterator[list[str]]) -> _Layout:
        try:
            header = next(reader)
            while not any(cell.strip() for cell in header):
                header = next(reader)
        except StopIteration:
            raise _empty() from None
        except csv.Error as exc:
            raise InvalidInput(HEADER_NOT_CSV(error=str(exc))) from None
        if not "".join(header).isascii() and not _is_utf8(header):
            raise InvalidInput(FILE_NOT_UTF8())
        return _Layout.of(header)

    def _slow_rows(self, reader: Any, layout: _Layout) -> Iterator[RowItem]:
        offset = self.line
        try:
            for row in reader:
                line = offset + reader.line_num
                if len(row) != layout.width:
                    if any(cell.strip() for cell in row):
                        yield layout.misfit(line, row)
                    continue
                if not "".join(row).isascii() and not _is_utf8(row):
                    yield Unreadable(line, "", [NOT_UTF8])
                    continue
                yield Row(line, layout.pick(row), NO_REASONS)
        except csv.Error as exc:
            line = offset + reader.line_num
            raise InvalidInput(FILE_NOT_CSV(line=line, error=str(exc))) from None


class _LineGuard(io.RawIOBase):
    """The caller's stream, refused once a line runs past _LONGEST_LINE bytes.

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
        if self.unbroken > _LONGEST_LINE:
            raise InvalidInput(FILE_LINE_TOO_LONG(line=self.line + 1, problem=TOO_LONG))
        return len(data)


TOO_LONG = LINE_TOO_LONG(most=_LONGEST_LINE)


def _read_block(stream: BinaryIO) -> tuple[bytes, bool]:
    """The next few megabytes (b'' at the end), extended to the end of their last line.

    Returns the block and whether its last line ran past _LONGEST_LINE, in
    which case the block ends inside that line and the rest is still unread.
    """
    block = stream.read(BLOCK_BYTES)
    if not block or block.endswith(b"\n"):
        return block, False
    rest = stream.readline(_LONGEST_LINE)
    return block + rest, len(rest) == _LONGEST_LINE and not rest.endswith(b"\n")


def _plain_text(block: bytes) -> str | None:
    """The block as text when the fast path can read it: UTF-8, no quote, NUL or bare CR."""
    if b'"' in block or b"\x00" in block:
        return None
    carriage_returns = block.count(b"\r")
    if carriage_returns and carriage_returns != block.count(b"\r\n"):
        return None
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _stripped(column: list[str]) -> list[str]:
    text = "".join(column)
    if text.isascii() and text.isprintable() and " " not in text:
        return column  # no character str.strip() removes: ASCII whitespace is unprintable
    return list(map(str.strip, column)) if _SPACE.search(text) else column


def _empty() -> InvalidInput:
    return InvalidInput(EMPTY_CSV(header=",".join(FIELDS)))


def _is_utf8(row: list[str]) -> bool:
    try:
        "".join(row).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _JsonChunks:
    """JSON Lines: one object a line with the keys of FIELDS (quantity optional).

    Like CSV, two paths give the same rows. A chunk of lines that are all
    objects with known keys and text (or whole-number) values is parsed by one
    `json.loads` of the lines joined into an array, and its columns are taken
    with `dict.get`; any other chunk is read line by line, which names what is
    wrong with each line. Joining with commas cannot hide a bad line: a blank
    line, a value spread over lines or two values on a line all make the array
    invalid or change its length. Both paths parse through jsondepth.loads, so
    a line nested too deep is one rejected line, never a RecursionError.
    """

    def __init__(self, stream: BinaryIO, chunk_rows: int, *, fast: bool = True) -> None:
        self.stream = stream
        self.chunk_rows = chunk_rows
        self.fast = fast  # False: line by line throughout (tests compare the two)

    def chunks(self) -> Iterator[Chunk]:
        line = 0
        seen_any = False
        while True:
            block, overlong = _read_block(self.stream)
            if not block:
                break
            if overlong:  # drop the rest of that line, a megabyte at a time
                while (more := self.stream.readline(_LONGEST_LINE)) and not more.endswith(b"\n"):
                    pass
                block += b"\n"
            if line == 0 and block.startswith(codecs.BOM_UTF8):
                block = block[len(codecs.BOM_UTF8) :]
            lines = block.split(b"\n")
            if block.endswith(b"\n"):
                lines.pop()
            if overlong:
                lines[-1] = _OVERLONG
            for start in range(0, len(lines), self.chunk_rows):
                part = lines[start : start + self.chunk_rows]
                first = line + start + 1
                chunk = self._fast(first, part) if self.fast else None
                if chunk is None:
                    items = list(_json_lines(first, part))
                    seen_any = seen_any or bool(items)
                    yield from _chunked(items, self.chunk_rows)
                else:
                    seen_any = True
                    yield chunk
            line += len(lines)
        if not seen_any:
            raise InvalidInput(EMPTY_JSONL())

    @staticmethod
    def _fast(first: int, part: list[bytes]) -> Chunk | None:
        """The chunk from one parse of its lines as an array, or None to go line by line."""
        try:
            objects = jsondepth.loads(
                "[" + b",".join(part).decode("utf-8") + "]",
                parse_float=Decimal,
                parse_constant=_refuse_constant,
            )
        except ValueError:  # UnicodeDecodeError, JSONDecodeError and TooDeep all are
            return None
        if len(objects) != len(part) or set(map(type, objects)) != {dict}:
            return None
        if not set().union(*objects) <= _KNOWN:
            return None
        columns = []
        for name in FIELDS:
            column = list(map(dict.get, objects, repeat(name)))
            kinds = set(map(type, column))
            if not kinds <= (_QUANTITY_KINDS if name == "quantity" else _TEXT_KINDS):
                return None
            if type(None) in kinds:
                column = ["" if value is None else value for value in column]
            if int in kinds:
                column = list(map(str, column))
            columns.append(_stripped(cast(list[str], column)))
        return Chunk(list(range(first, first + len(part))), columns)


_KNOWN = frozenset(FIELDS)
_TEXT_KINDS = frozenset({str, type(None)})
_QUANTITY_KINDS = frozenset({str, int, type(None)})


TOO_DEEP = LINE_TOO_DEEP(most=jsondepth.MAX_DEPTH)
_OVERLONG = b"\x00overlong"  # stands for a line too long to keep (no JSON has a raw NUL)


def _json_lines(first: int, lines: list[bytes]) -> Iterator[RowItem]:
    """Line by line, every problem named."""
    for line, raw in enumerate(lines, start=first):
        if raw is _OVERLONG:
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
            obj = jsondepth.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
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


def _refuse_constant(name: str) -> object:
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
