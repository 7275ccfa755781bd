"""The rejected rows of an import as the user gave them, to be corrected and imported again.

An import's report names each rejected row by its line; this reads the file a
second time (only when rows were rejected, and only up to the last of them)
and keeps the file's header and every cell of those rows as they were: the
text of a CSV line (not stripped), a workbook's cells as text, a JSON line's
values by key. The rejected-rows file (CSV or .xlsx) is that header and those
cells, with the line number before them and the reasons after them
(`LINE_COLUMN`, `REASONS_COLUMN`); the reader skips those two columns, so
the corrected file imports as it is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from haiyan_comp import jsondepth, sheets
from haiyan_comp.messages import from_described, text
from haiyan_comp.records.lines import LINE_COLUMN, LONGEST_LINE, REASONS_COLUMN
from haiyan_comp.records.rules import FIELDS
from haiyan_comp.records.workbook import trimmed

__all__ = ["LINE_COLUMN", "REASONS_COLUMN", "original_rows", "reasons_of", "rejected_table"]


def original_rows(
    stream: BinaryIO,
    file_format: str,
    wanted: Collection[int],
    *,
    filename: str = "",
    sheet: str | None = None,
) -> tuple[list[str], dict[int, list[str]]]:
    """The file's header and the cells of the `wanted` lines, read from the stream's start."""
    if not wanted:
        return [], {}
    if file_format == "jsonl":
        return list(FIELDS), _json_cells(stream, frozenset(wanted))
    rows: Iterable[tuple[int, list[str]]]
    if file_format == "xlsx":
        rows = (
            (line, [sheets.cell_text(cell) for cell in cells])
            for line, cells in sheets.xlsx_rows(stream, filename, sheet)
        )
    else:
        rows = _csv_rows(stream)
    return _pick(rows, frozenset(wanted))


def _pick(
    rows: Iterable[tuple[int, list[str]]], wanted: frozenset[int]
) -> tuple[list[str], dict[int, list[str]]]:
    header: list[str] = []
    found: dict[int, list[str]] = {}
    last = max(wanted)
    for line, cells in rows:
        if not header:
            if any(cell.strip() for cell in cells):
                header = trimmed(cells, 0)
            continue
        if line > last:
            break
        if line in wanted:
            found[line] = trimmed(cells, len(header))
    return header, found


def _csv_rows(stream: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the line they end on, as the import's reader numbers them."""
    reader = csv.reader(_text_lines(stream))
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error:
        return  # the import reported the file's problem; keep the rows found so far


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The stream's lines, each cut at LONGEST_LINE bytes (the rest of a longer one skipped)."""
    while line := stream.readline(LONGEST_LINE):
        if len(line) == LONGEST_LINE and not line.endswith(b"\n"):
            while (more := stream.readline(LONGEST_LINE)) and not more.endswith(b"\n"):
                pass
        yield line


def _text_lines(stream: BinaryIO) -> Iterator[str]:
    """The stream's lines as text: UTF-8 (BOM dropped), or GB18030 once a line is only that."""
    encoding = "utf-8"
    for number, raw in enumerate(_lines(stream)):
        if number == 0 and raw.startswith(sheets.BOM):
            raw = raw[len(sheets.BOM) :]
        if encoding == "utf-8" and not raw.isascii():
            encoding = sheets.encoding_of(raw) or "utf-8"
        yield raw.decode(encoding, "replace")


def _json_cells(stream: BinaryIO, wanted: frozenset[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    last = max(wanted)
    for line, raw in enumerate(_lines(stream), start=1):
        if line > last:
            break
        if line not in wanted:
            continue
        try:
            obj: Any = jsondepth.loads(raw.decode("utf-8", "replace"))
        except ValueError:  # TooDeep is one
            obj = None
        if not isinstance(obj, dict):
            found[line] = [""] * len(FIELDS)
            continue
        found[line] = [_json_text(obj.get(name)) for name in FIELDS]
    return found


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def reasons_of(row: Mapping[str, Any]) -> list[str]:
    """A rejected row's reasons (of an import report's JSON) as messages again, in any language.

    A reason without its code (a report kept by an older version) stays English text.
    """
    reasons: list[str] = row.get("reasons") or []
    codes: list[Any] = row.get("codes") or []
    return [
        from_described(reason, codes[i] if i < len(codes) else None)
        for i, reason in enumerate(reasons)
    ]


def rejected_table(document: Mapping[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """An import report's (JSON) rejected rows as the rejected-rows file shows them.

    The line number, the row's original cells under the file's own header, and
    its reasons in Chinese. A report without the original cells (the file could
    not be read again) gives the line, the source id and the reasons.
    """
    header = list(document.get("header") or [])
    rows: list[list[Any]] = []
    for row in document.get("rejected") or []:
        reasons = "；".join(text(reason, "zh") for reason in reasons_of(row))
        if header:
            cells = list(row.get("cells") or [])
            cells += [""] * (len(header) - len(cells))
        else:
            cells = [row.get("source_id") or ""]
        rows.append([row["line"], *cells, reasons])
    return [LINE_COLUMN, *(header or ["source_id"]), REASONS_COLUMN], rows
