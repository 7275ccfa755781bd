"""One way to read what users load: .xlsx workbooks, and CSV in UTF-8, UTF-8 with BOM or GB18030.

Every loader (records, catalogue, institutions, staff, assessment indicators)
reads through here, so that each takes the same files and numbers its lines
the same way: a line number is the spreadsheet's row number (CSV: the line
the row ends on).

Text: UTF-8 first (a BOM is dropped); only bytes that are not UTF-8 are
read as GB18030, what Excel on a Chinese Windows computer writes as "CSV".
The user never says which.

Workbooks: the first sheet, or the sheet the user names, read by a library
made for it, never by unzipping XML here. python-calamine (Rust) reads a
sheet fast but holds all of it in memory (about 100 bytes a cell: 700 MB for
Excel's 1,048,576 rows of a record file); openpyxl in read-only mode streams
a row at a time in constant memory, about ten times slower. A workbook whose
sheets' XML is small enough to be held goes to calamine, a bigger one to
openpyxl, so that every import stays within its memory.

Cells are read as people mean them (`cell_text`): a date cell is the date
YYYY-MM-DD; 3 or 3.0 in a numeric cell is 3; 1.5 stays 1.5 (a whole-number
field refuses it); an id that the spreadsheet made a number is refused
(`id_problem`), since its leading zeros or its digits (1.23E+11) are lost.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Collection, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, BinaryIO, cast

from haiyan_comp.errors import InvalidInput
from haiyan_comp.messages import Message
from haiyan_comp.sheets.messages import (
    CELL_PROBLEM,
    ID_IS_NUMBER,
    NO_SUCH_SHEET,
    NOT_TEXT,
    NOT_WORKBOOK,
    SHEET_EMPTY,
)

__all__ = [
    "DictRows",
    "cell_text",
    "decode",
    "dict_reader",
    "encoding_of",
    "head_of",
    "id_problem",
    "is_xlsx",
    "xlsx_rows",
]

XLSX_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".jsonl", ".ndjson", ".json", ".yaml", ".yml")
ZIP_MAGIC = b"PK\x03\x04"
BOM = b"\xef\xbb\xbf"
# Sheets whose XML adds up to at most this many MB are read by calamine (which
# holds 2 to 3.5 times their size); a county with memory to spare may raise it.
CALAMINE_MOST_XML = int(os.environ.get("HAIYAN_XLSX_CALAMINE_MB", "40")) << 20


def is_xlsx(filename: str, head: bytes) -> bool:
    """Whether a file is a workbook: by its extension, else by its first bytes (a ZIP)."""
    lowered = filename.lower()
    if lowered.endswith(XLSX_SUFFIXES):
        return True
    if lowered.endswith(TEXT_SUFFIXES):
        return False
    return head.startswith(ZIP_MAGIC)


def head_of(stream: BinaryIO) -> bytes:
    """The first bytes of a stream, left unread (b'' when the stream cannot tell them)."""
    if hasattr(stream, "peek"):
        return bytes(stream.peek(8)[:8])
    if stream.seekable():
        where = stream.tell()
        head = stream.read(8)
        stream.seek(where)
        return head
    return b""


def encoding_of(data: bytes) -> str | None:
    """The encoding of a text file, from its first line that is not ASCII (None: no such line).

    'utf-8' when that line is UTF-8 (a later line that is not is refused alone),
    else 'gb18030' when it is GB18030, else 'utf-8' (its lines are refused).
    Deciding by one line gives the same answer however the file is cut into
    blocks.
    """
    found = None if data.isascii() else _NON_ASCII.search(data)
    if found is None:
        return None
    start = data.rfind(b"\n", 0, found.start()) + 1
    end = data.find(b"\n", found.start())
    line = data[start:] if end < 0 else data[start : end + 1]
    for encoding in ("utf-8", "gb18030"):
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "utf-8"


_NON_ASCII = re.compile(b"[\x80-\xff]")


class AutoDecoder(codecs.IncrementalDecoder):
    """Text in the encoding `encoding_of` decides at the first line that is not ASCII."""

    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self.inner: codecs.IncrementalDecoder | None = None
        self.encoding: str | None = None  # once decided
        self.pending = b""

    def decode(self, input: Any, final: bool = False) -> str:  # codecs' names
        if self.inner is not None:
            return self.inner.decode(input, final)
        data = self.pending + bytes(input)
        found = _NON_ASCII.search(data)
        if found is None:
            self.pending = b""
            return data.decode("ascii")
        start = data.rfind(b"\n", 0, found.start()) + 1
        if data.find(b"\n", found.start()) < 0 and not final:
            self.pending = data[start:]  # wait for the end of that line
            return data[:start].decode("ascii")
        self.pending = b""
        self.encoding = encoding_of(data[start:]) or "utf-8"
        self.inner = codecs.getincrementaldecoder(self.encoding)(self.errors)
        return data[:start].decode("ascii") + self.inner.decode(data[start:], final)

    def reset(self) -> None:
        self.inner, self.encoding, self.pending = None, None, b""


AUTO = "haiyan-utf8-or-gb18030"


def _search(name: str) -> codecs.CodecInfo | None:
    if name.replace("_", "-") != AUTO:
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(utf8.encode, utf8.decode, incrementaldecoder=AutoDecoder, name=AUTO)


codecs.register(_search)


def decode(data: bytes, filename: str) -> str:
    """A whole (small) file as text: UTF-8 (BOM dropped), else GB18030, else refused."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInput(NOT_TEXT(filename=filename, byte=utf8.start)) from None


def cell_text(value: Any) -> str:
    """A typed cell as the text a person means by it (a CSV cell stays as it is)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def is_number(value: Any) -> bool:
    """A numeric cell (what a spreadsheet makes of digits typed into a General column)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def id_problem(value: Any, field: str) -> Message | None:
    """Why an id cell cannot be taken as it is, or None: a number is not an id any more."""
    if is_number(value):
        return ID_IS_NUMBER.on(field, value=repr(cell_text(value)))
    return None


def _open_workbook(stream: BinaryIO, filename: str) -> tuple[BinaryIO, bool]:
    """The workbook as a seekable file, and whether its sheets are small enough for calamine.

    A stream that cannot seek (a raw upload body) is spooled to a temporary
    file first; a file is read where it is, never copied into memory. The
    sizes a ZIP's directory declares are checked by decompressing before
    calamine may hold them (a ZIP that lies about them fails its CRC), so a
    crafted file cannot make it hold gigabytes; nothing here reads the XML.
    """
    source = stream if stream.seekable() else _spooled(stream)
    try:
        return _checked(source, filename)
    except BaseException:
        if source is not stream:
            source.close()
        raise


def _checked(source: BinaryIO, filename: str) -> tuple[BinaryIO, bool]:
    try:
        with zipfile.ZipFile(source) as archive:
            sheets = [
                info
                for info in archive.infolist()
                if info.filename.startswith(("xl/worksheets/", "xl/sharedStrings"))
            ]
            small = sum(info.file_size for info in sheets) <= CALAMINE_MOST_XML
            if small:
                for info in sheets:
                    with archive.open(info) as member:
                        while member.read(1 << 20):
                            pass
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise InvalidInput(NOT_WORKBOOK(filename=filename, error=str(exc))) from None
    source.seek(0)
    return source, small


def _spooled(stream: BinaryIO) -> BinaryIO:
    spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # noqa: SIM115 (the rows' reader closes it)
    shutil.copyfileobj(stream, spool, 1 << 20)
    spool.seek(0)
    return cast(BinaryIO, spool)


def xlsx_rows(
    stream: BinaryIO, filename: str, sheet: str | None = None
) -> Iterator[tuple[int, Sequence[Any]]]:
    """Every row of the sheet (the first one unless named) with its row number, typed cells."""
    source, small = _open_workbook(stream, filename)
    if source is stream:
        return (_calamine_rows if small else _openpyxl_rows)(source, filename, sheet)
    return _closing_file(source, small, filename, sheet)


def _closing_file(
    source: BinaryIO, small: bool, filename: str, sheet: str | None
) -> Iterator[tuple[int, Any]]:
    """The rows of a spooled workbook, whose file is closed when they are read (or dropped)."""
    with source:
        yield from (_calamine_rows if small else _openpyxl_rows)(source, filename, sheet)


def _chosen(names: Sequence[str], filename: str, sheet: str | None) -> str:
    if not names:
        raise InvalidInput(SHEET_EMPTY(filename=filename, sheet=repr(sheet or "")))
    if sheet is None:
        return names[0]
    if sheet not in names:
        shown = ", ".join(repr(name) for name in names)
        raise InvalidInput(NO_SUCH_SHEET(filename=filename, sheet=repr(sheet), sheets=shown))
    return sheet


def _calamine_rows(source: BinaryIO, filename: str, sheet: str | None) -> Iterator[tuple[int, Any]]:
    import python_calamine  # imported when a workbook is read: the CLI starts faster

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(source)
        name = _chosen(book.sheet_names, filename, sheet)
        rows = book.get_sheet_by_name(name).iter_rows()
    except python_calamine.CalamineError as exc:
        raise InvalidInput(NOT_WORKBOOK(filename=filename, error=str(exc))) from None
    except (ValueError, OSError) as exc:  # python-calamine's errors for a broken file
        raise InvalidInput(NOT_WORKBOOK(filename=filename, error=str(exc))) from None
    return enumerate(rows, start=1)  # calamine starts at row 1 even above the used range


def _openpyxl_rows(source: BinaryIO, filename: str, sheet: str | None) -> Iterator[tuple[int, Any]]:
    import openpyxl  # type: ignore[import-untyped]

    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises whatever its parts raise on a broken file
        raise InvalidInput(NOT_WORKBOOK(filename=filename, error=str(exc))) from None
    name = _chosen(book.sheetnames, filename, sheet)
    return _closing(book, enumerate(book[name].iter_rows(values_only=True), start=1))


def _closing(book: Any, rows: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
    try:
        yield from rows
    finally:
        book.close()


def table_rows(
    stream: BinaryIO, filename: str, *, sheet: str | None = None, ids: Collection[str] = ()
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the non-blank rows (line, cells as text) of a small CSV or workbook.

    A numeric cell in a column named in `ids` refuses the file, naming the line.
    """
    if is_xlsx(filename, head_of(stream)):
        typed = xlsx_rows(stream, filename, sheet)
    else:
        text = decode(stream.read(), filename)
        reader = csv.reader(io.StringIO(text, newline=""))
        typed = ((reader.line_num, row) for row in reader)
    header: list[str] = []
    for _, cells in typed:
        if any(cell_text(cell).strip() for cell in cells):
            header = [cell_text(cell) for cell in cells]
            while header and not header[-1].strip():
                header.pop()
            break
    named = [name.strip().lower() for name in header]
    return header, _text_rows(typed, filename, named, frozenset(ids))


def _text_rows(
    typed: Iterator[tuple[int, Sequence[Any]]], filename: str, named: list[str], ids: frozenset[str]
) -> Iterator[tuple[int, list[str]]]:
    for line, cells in typed:
        row = [cell_text(cell) for cell in cells]
        if not any(cell.strip() for cell in row):
            continue
        for index, cell in enumerate(cells):
            if index < len(named) and named[index] in ids:
                problem = id_problem(cell, named[index])
                if problem is not None:
                    raise InvalidInput(CELL_PROBLEM(filename=filename, line=line, problem=problem))
        while len(row) > len(named) and not row[-1].strip():
            row.pop()  # a workbook's row is as wide as its widest row
        yield line, row


class DictRows:
    """Rows as dicts keyed by the header, as csv.DictReader gives them (line_num: the row's line).

    A row longer than the header keeps its extra cells under None; a shorter
    one has None for the missing columns.
    """

    def __init__(self, header: list[str], rows: Iterator[tuple[int, list[str]]]) -> None:
        self.fieldnames: list[str] = header
        self.line_num = 0
        self._rows = rows

    def __iter__(self) -> Iterator[dict[Any, Any]]:
        for line, cells in self._rows:
            self.line_num = line
            names = self.fieldnames
            row: dict[Any, Any] = dict(zip(names, cells, strict=False))
            if len(cells) > len(names):
                row[None] = cells[len(names) :]
            for name in names[len(cells) :]:
                row[name] = None
            yield row


def dict_reader(
    stream: BinaryIO, filename: str, *, sheet: str | None = None, ids: Collection[str] = ()
) -> DictRows:
    """A small CSV or workbook as csv.DictReader would read it (see `table_rows`)."""
    header, rows = table_rows(stream, filename, sheet=sheet, ids=ids)
    return DictRows(header, rows)
