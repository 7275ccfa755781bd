"""Spreadsheets out: any table a person sees, as a real .xlsx workbook (XlsxWriter).

A table is described once (`Sheet`: Chinese headers and a kind per column) and filled
with the rows of the same JSON document the API and `--json` give, so a workbook's
figures cannot differ from theirs. Money and units are written as numbers (exact decimal
text, from the integer fen and hundredths of the JSON's strings) with a two-decimal,
thousands-separated format, never as text; dates as dates; every text cell from data is
written as a string, so `=`, `+`, `-` or `@` at its start is never a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO

from haiyan_comp import clock
from haiyan_comp.workbooks import deflate
from haiyan_comp.workbooks.rows import write_rows

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("text", "code", "money", "units", "int", "date", "moment", "percent", "score", "yesno")
_FORMATS = {
    "money": "#,##0.00",
    "units": "#,##0.00",
    "score": "#,##0.00",
    "int": "#,##0",
    "date": "yyyy-mm-dd",
    "moment": "yyyy-mm-dd hh:mm",
    "percent": "0.00%",
}
_WIDTHS = {"money": 16, "units": 14, "score": 10, "int": 10, "date": 12, "moment": 17,
           "percent": 10, "code": 12, "text": 16}  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One column: the row's key, the header people read, and how its cells are written."""

    key: str
    header: str
    kind: str = "text"
    width: float | None = None
    total: bool = False  # summed in the totals row
    words: Mapping[str, str] | None = None  # a code's words for people ('basic_medical' → 基本医疗)

    def value(self, row: Mapping[str, Any]) -> Any:
        """The row's value of this column (a dotted key reads into nested objects)."""
        value: Any = row
        for part in self.key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if self.words is not None and isinstance(value, str):
            return self.words.get(value, value)
        return value


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its tab name, the table's title, columns and rows."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Iterable[Any]  # mappings; or objects whose attributes are the columns' keys
    totals: bool = False
    notes: Sequence[str] = field(default_factory=tuple)
    objects: bool = False  # rows are objects (dataclasses): read by attribute
    fields: Sequence[str] | None = None  # rows are sequences of these fields' values


def write_workbook(
    out: BinaryIO | str, *, county: str, sheets: Iterable[Sheet], made: datetime | None = None
) -> int:
    """Write the sheets to `out` (a file object or path), streaming rows in constant memory;
    the number of data rows written."""
    import xlsxwriter  # type: ignore[import-untyped]
    import xlsxwriter.workbook  # type: ignore[import-untyped]

    xlsxwriter.workbook.ZipFile = deflate.QuickZip  # the name its Workbook makes the file with

    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
              "strings_to_numbers": False, "default_date_format": "yyyy-mm-dd",
              "in_memory": False},
    )  # fmt: skip
    styles = _styles(book)
    when = clock.shown(made or clock.now())
    written = 0
    used: set[str] = set()
    rows: set[bytes] = set()  # the sheets' rows, compressed, until the ZIP takes them
    try:
        for sheet in sheets:
            tab = _tab_name(sheet.name, used)
            written += _write_sheet(book, styles, sheet, county, when, tab, rows)
        if not used:  # a workbook needs one sheet
            book.add_worksheet("空")
        book.close()
    finally:
        deflate.discard(rows)
    return written


def _styles(book: Any) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    styles = {kind: book.add_format({**base, "num_format": f}) for kind, f in _FORMATS.items()}
    styles["text"] = book.add_format(base)
    styles["code"] = book.add_format(base)
    styles["title"] = book.add_format({**base, "bold": True, "font_size": 14})
    styles["note"] = book.add_format({**base, "font_color": "#555555", "font_size": 10})
    styles["header"] = book.add_format(
        {**base, "bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True,
         "align": "center"}
    )  # fmt: skip
    for kind in ("money", "units", "score", "int"):
        styles[f"total_{kind}"] = book.add_format(
            {**base, "bold": True, "num_format": _FORMATS[kind], "top": 1}
        )
    styles["total_text"] = book.add_format({**base, "bold": True, "top": 1})
    return styles


def _tab_name(name: str, used: set[str]) -> str:
    """An Excel tab name: ≤ 31 characters, none of []:*?/\\, unique in the workbook."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "表"
    candidate, n = clean, 2
    while candidate in used:
        suffix = f"({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def _write_sheet(
    book: Any,
    styles: dict[str, Any],
    sheet: Sheet,
    county: str,
    when: str,
    tab: str,
    rows: set[bytes],
) -> int:
    page = book.add_worksheet(tab)
    columns = list(sheet.columns)
    for index, column in enumerate(columns):
        width = column.width or max(_WIDTHS.get(column.kind, 16), _display_width(column.header) + 2)
        page.set_column(index, index, width)
    page.write_string(0, 0, f"{county} · {sheet.title}", styles["title"])
    page.write_string(1, 0, f"制表时间：{when}", styles["note"])
    top = 2
    for note in sheet.notes:
        page.write_string(top, 0, note, styles["note"])
        top += 1
    for index, column in enumerate(columns):
        page.write_string(top, index, column.header, styles["header"])
    page.freeze_panes(top + 1, 0)
    page.repeat_rows(top)  # printed: the header on every page
    page.set_landscape()
    page.set_paper(9)  # A4
    page.fit_to_pages(1, 0)
    sums: list[int | None] = [0 if column.total else None for column in columns]
    xf = {kind: styles[kind]._get_xf_index() for kind in (*_FORMATS, "text", "code")}
    xf["yesno"] = xf["text"]
    page._write_single_row(top + 1)  # the title and header rows go out first
    with deflate.spliced(page.row_data_fh, rows) as write:
        last = write_rows(page, columns, sheet.rows, top + 1, xf, sums, objects=sheet.objects,
                          fields=sheet.fields, write=write)  # fmt: skip
    if sheet.totals and any(s is not None for s in sums):
        page.write_string(last + 1, 0, "合计", styles["total_text"])
        for index, (column, total) in enumerate(zip(columns, sums, strict=True)):
            if total is not None and index > 0:
                value = total if column.kind == "int" else Decimal(total).scaleb(-2)
                page.write_number(last + 1, index, value, styles[f"total_{column.kind}"])
    return last - top


def _display_width(text: str) -> int:
    """Columns of a fixed-width font: CJK characters count two."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)
