"""Stream record files (CSV or JSON Lines) row by row, never whole into memory.

Each reader yields `(line, values, reasons)`: values are the FIELDS in order as
stripped text, with any problems the reader already saw (the validator adds
its own), or values is just the source id (text) when the line cannot be read
as a row at all. A problem with the file as a whole raises InvalidInput.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import BinaryIO

from haiyan_comp.errors import InvalidInput
from haiyan_comp.records.rules import FIELDS, REQUIRED_FIELDS

RowItem = tuple[int, tuple[str, ...] | str, list[str]]
NO_REASONS: list[str] = []

NOT_UTF8 = "the line is not valid UTF-8 text; save the file as UTF-8"


def detect_format(filename: str, head: bytes) -> str:
    """'csv' or 'jsonl', by extension first, then by the first character."""
    lowered = filename.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


def read_rows(stream: BinaryIO, file_format: str) -> Iterator[RowItem]:
    """Rows of a binary stream in the given format."""
    if file_format == "csv":
        return read_csv(stream)
    return read_jsonl(stream)


def _check_header(header: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    unknown = [name for name in names if name not in FIELDS]
    missing = [name for name in REQUIRED_FIELDS if name not in names]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if unknown:
        problems.append(f"unknown column(s) {', '.join(map(repr, unknown))}")
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if duplicated:
        problems.append(f"repeated column(s) {', '.join(duplicated)}")
    if problems:
        raise InvalidInput(
            f"line 1: the header has {'; '.join(problems)}. "
            f"Expected the columns {','.join(FIELDS)} (resident_id and quantity may be left out)",
            details={"line": 1, "header": names},
        )
    return {name: names.index(name) for name in names}


def read_csv(stream: BinaryIO) -> Iterator[RowItem]:
    """CSV with a header row, UTF-8 with or without a BOM."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        yield from _read_csv_text(text)
    finally:
        text.detach()  # the caller owns the stream


def _read_csv_text(text: io.TextIOWrapper) -> Iterator[RowItem]:
    reader = csv.reader(text)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
    except StopIteration:
        raise InvalidInput(
            "the file is empty: expected a header line " + ",".join(FIELDS)
        ) from None
    except csv.Error as exc:
        raise InvalidInput(f"line 1: cannot read the header as CSV ({exc})") from None
    if not "".join(header).isascii():
        _require_utf8_header(header)
    columns = _check_header(header)
    width = len(header)
    in_order = list(columns) == list(FIELDS)
    pick = _picker([columns.get(name) for name in FIELDS])
    try:
        for row in reader:
            line = reader.line_num
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    continue
                source = (
                    row[columns["source_id"]].strip() if len(row) > columns["source_id"] else ""
                )
                yield (
                    line,
                    source,
                    [f"the row has {len(row)} fields, the header has {width}"],
                )
                continue
            if not "".join(row).isascii() and not _is_utf8(row):
                yield (line, "", [NOT_UTF8])
                continue
            yield line, tuple(map(str.strip, row if in_order else pick(row))), NO_REASONS
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: the file is not valid CSV ({exc})") from None


def _picker(positions: list[int | None]) -> Callable[[list[str]], list[str]]:
    """Reorder a row into FIELDS order; a column left out reads as ''."""
    return lambda row: ["" if pos is None else row[pos] for pos in positions]


def _is_utf8(row: list[str]) -> bool:
    try:
        "".join(row).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _require_utf8_header(header: list[str]) -> None:
    if not _is_utf8(header):
        raise InvalidInput("line 1: the file is not UTF-8 text; save it as UTF-8 (a BOM is fine)")


def read_jsonl(stream: BinaryIO) -> Iterator[RowItem]:
    """JSON Lines: one object a line with the keys of FIELDS (quantity optional)."""
    seen_any = False
    for line, raw in enumerate(stream, start=1):
        if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        seen_any = True
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield (line, "", [NOT_UTF8])
            continue
        try:
            obj = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except ValueError as exc:
            yield (line, "", [f"the line is not valid JSON ({exc})"])
            continue
        if not isinstance(obj, dict):
            yield (line, "", ["the line must be a JSON object with the record's fields"])
            continue
        values, reasons = _object_values(obj)
        yield line, values, reasons
    if not seen_any:
        raise InvalidInput("the file is empty: expected one JSON object per line")


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def _object_values(obj: dict[str, object]) -> tuple[tuple[str, ...], list[str]]:
    reasons = [f"{key}: unknown field" for key in obj if key not in FIELDS]
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
            reasons.append(f"{name}: must be text, got {json.dumps(value, default=str)}")
    return tuple(values), reasons
