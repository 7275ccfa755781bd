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
result. Text is UTF-8 (a BOM is fine) or, when its bytes are not UTF-8,
GB18030 (what Excel writes on a Chinese Windows computer): the first block
with anything but ASCII decides, and both paths decode with that.

An .xlsx workbook (records/workbook.py) gives its rows through the csv
module's path: the same chunks, checks and report, its row numbers as lines.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, repeat
from typing import Any, BinaryIO, cast

from haiyan_comp import jsondepth, sheets
from haiyan_comp.errors import InvalidInput
from haiyan_comp.messages import Message
from haiyan_comp.records.lines import (
    LONGEST_LINE,
    NO_REASONS,
    NOT_UTF8,
    OVERLONG,
    TOO_DEEP,
    TOO_LONG,
    Layout,
    LineGuard,
    Row,
    RowItem,
    Unreadable,
    empty_csv,
    is_utf8,
    refuse_constant,
    stripped,
)
from haiyan_comp.records.lines import json_lines as _json_lines  # tests replace it
from haiyan_comp.records.messages import EMPTY_JSONL, FILE_NOT_CSV, FILE_NOT_UTF8, HEADER_NOT_CSV
from haiyan_comp.records.rules import FIELDS
from haiyan_comp.records.workbook import workbook_parts

__all__ = ["TOO_DEEP", "TOO_LONG", "Chunk", "Row", "Unreadable", "detect_format", "read_chunks"]

BLOCK_BYTES = 1 << 21  # what the fast CSV path reads at a time


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
    """'csv', 'jsonl' or 'xlsx', by extension first, then by the first bytes."""
    lowered = filename.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    if sheets.is_xlsx(filename, head):
        return "xlsx"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


def read_chunks(
    stream: BinaryIO,
    file_format: str,
    chunk_rows: int,
    *,
    filename: str = "",
    sheet: str | None = None,
) -> Iterator[Chunk]:
    """Chunks of at most `chunk_rows` rows of a binary stream in the given format.

    `sheet` names a workbook's sheet (the first one when None).
    """
    if file_format == "csv":
        return _CsvChunks(stream, chunk_rows).chunks()
    if file_format == "xlsx":
        parts = workbook_parts(stream, filename, sheet, chunk_rows)
        return (Chunk(*part) for part in parts)
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


class _CsvChunks:
    """CSV with a header row, UTF-8 with or without a BOM; the fast path, then the csv module."""

    def __init__(self, stream: BinaryIO, chunk_rows: int, *, fast: bool = True) -> None:
        self.stream = stream
        self.chunk_rows = chunk_rows
        self.fast = fast  # False: the csv module from the first line (tests compare the two)
        self.line = 0  # physical lines consumed by the fast path
        self.layout: Layout | None = None
        self.long_line = False
        self.encoding: str | None = None  # None while every byte so far is ASCII

    def chunks(self) -> Iterator[Chunk]:
        block = self._block()
        if block.startswith(codecs.BOM_UTF8):
            block = block[len(codecs.BOM_UTF8) :]
        while block:
            if self.encoding is None:
                self.encoding = sheets.encoding_of(block)
            fast = self.fast and not self.long_line
            text = _plain_text(block, self.encoding or "utf-8") if fast else None
            if text is None:
                break
            yield from self._fast(text)
            block = self._block()
        else:
            if self.layout is None:
                raise empty_csv()
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
                self.layout = Layout.of(header)
                self.line += index + 1
                return lines[index + 1 :]
        self.line += len(lines)
        return []

    @staticmethod
    def _split(first: int, rows: list[list[str]], layout: Layout) -> Chunk:
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
        if self.encoding is None:  # all ASCII so far: the first other line decides
            decoder = sheets.AutoDecoder("surrogateescape")
            text = decoder.decode(block)
            encoding = decoder.encoding or sheets.AUTO
        else:
            text, encoding = block.decode(self.encoding, "surrogateescape"), self.encoding
        first = io.StringIO(text, newline="")
        unbroken = len(block) - 1 - max(block.rfind(b"\n"), block.rfind(b"\r"))
        guard = LineGuard(self.stream, self.line + block.count(b"\n"), unbroken)
        rest = io.TextIOWrapper(
            io.BufferedReader(guard), encoding=encoding, errors="surrogateescape", newline=""
        )
        try:
            reader = csv.reader(chain(first, rest))
            if self.layout is None:
                self.layout = self._slow_header(reader)
            yield from self._slow_rows(reader, self.layout)
        finally:
            rest.detach()  # the caller owns the stream

    def _slow_header(self, reader: Iterator[list[str]]) -> Layout:
        try:
            header = next(reader)
            while not any(cell.strip() for cell in header):
                header = next(reader)
        except StopIteration:
            raise empty_csv() from None
        except csv.Error as exc:
            raise InvalidInput(HEADER_NOT_CSV(error=str(exc))) from None
        if not "".join(header).isascii() and not is_utf8(header):
            raise InvalidInput(FILE_NOT_UTF8())
        return Layout.of(header)

    def _slow_rows(self, reader: Any, layout: Layout) -> Iterator[RowItem]:
        offset = self.line
        try:
            for row in reader:
                line = offset + reader.line_num
                if len(row) != layout.width:
                    if any(cell.strip() for cell in row):
                        yield layout.misfit(line, row)
                    continue
                if not "".join(row).isascii() and not is_utf8(row):
                    yield Unreadable(line, "", [NOT_UTF8])
                    continue
                yield Row(line, layout.pick(row), NO_REASONS)
        except csv.Error as exc:
            line = offset + reader.line_num
            raise InvalidInput(FILE_NOT_CSV(line=line, error=str(exc))) from None


def _read_block(stream: BinaryIO) -> tuple[bytes, bool]:
    """The next few megabytes (b'' at the end), extended to the end of their last line.

    Returns the block and whether its last line ran past LONGEST_LINE, in
    which case the block ends inside that line and the rest is still unread.
    """
    block = stream.read(BLOCK_BYTES)
    if not block or block.endswith(b"\n"):
        return block, False
    rest = stream.readline(LONGEST_LINE)
    return block + rest, len(rest) == LONGEST_LINE and not rest.endswith(b"\n")


def _plain_text(block: bytes, encoding: str) -> str | None:
    """The block as text when the fast path can read it: no quote, NUL or bare CR."""
    if b'"' in block or b"\x00" in block:
        return None
    carriage_returns = block.count(b"\r")
    if carriage_returns and carriage_returns != block.count(b"\r\n"):
        return None
    try:
        return block.decode("utf-8" if encoding == "utf-8" or block.isascii() else encoding)
    except UnicodeDecodeError:
        return None


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
                while (more := self.stream.readline(LONGEST_LINE)) and not more.endswith(b"\n"):
                    pass
                block += b"\n"
            if line == 0 and block.startswith(codecs.BOM_UTF8):
                block = block[len(codecs.BOM_UTF8) :]
            lines = block.split(b"\n")
            if block.endswith(b"\n"):
                lines.pop()
            if overlong:
                lines[-1] = OVERLONG
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
                parse_constant=refuse_constant,
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
            columns.append(stripped(cast(list[str], column)))
        return Chunk(list(range(first, first + len(part))), columns)


_KNOWN = frozenset(FIELDS)
_TEXT_KINDS = frozenset({str, type(None)})
_QUANTITY_KINDS = frozenset({str, int, type(None)})
