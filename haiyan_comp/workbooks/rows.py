"""The data rows of a sheet, written fast: each row's XML straight into XlsxWriter's own
constant-memory row file, so a million-row table streams at well over 100,000 rows a second
(XlsxWriter's per-cell calls manage about 20,000 rows of a dozen cells).

XlsxWriter still makes the workbook: the styles, the title and header rows, the frozen
pane, the print settings and the ZIP; here only the `<row>` elements between the header
and the totals row are written, in the very form XlsxWriter writes them in constant-memory
mode (`inlineStr` text, `<v>` numbers, the style's xf index). Every text cell is escaped
(`& < >` and control characters), so no cell from data is markup or a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from haiyan_comp import clock

_EPOCH = date(1899, 12, 30).toordinal()
_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,4})?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_MAX_TEXT = 32767


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def text_xml(value: str) -> str:
    """A text cell's content as XlsxWriter writes an inline string (escaped, ≤ 32,767)."""
    if len(value) > _MAX_TEXT // 2:
        value = value[:_MAX_TEXT]
    if _CONTROL.search(value):
        value = _CONTROL.sub(_control, value)
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def _control(match: re.Match[str]) -> str:
    found = match.group(0)
    return "_x005F" + found if len(found) > 1 else f"_x{ord(found):04X}_"


def number_text(value: Any, kind: str) -> tuple[str, Decimal | int] | None:
    """A number cell's `<v>` text and its exact value, or None when it is no number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if kind in ("money", "units", "score"):  # hundredths
            sign = "-" if value < 0 else ""
            whole, cents = divmod(abs(value), 100)
            return f"{sign}{whole}.{cents:02d}", value
        return str(value), value
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return value, _hundredths(value)
    if isinstance(value, str):
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            return None
        if number.is_finite():
            return str(number), int(number.scaleb(2).to_integral_value())
    return None


def _hundredths(text: str) -> int:
    whole, _, cents = text.partition(".")
    negative = whole.startswith("-")
    value = int(whole.lstrip("-") or 0) * 100 + int((cents + "00")[:2])
    return -value if negative else value


def serial(value: Any, kind: str) -> str | None:
    """A date's or a moment's Excel serial number (county time), or None."""
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return str(date.fromisoformat(value).toordinal() - _EPOCH)
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        moment = clock.county_time(value)
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
        return repr(moment.toordinal() - _EPOCH + seconds / 86400)
    if isinstance(value, date):
        return str(value.toordinal() - _EPOCH)
    return None


def write_rows(
    page: Any,
    columns: Sequence[Any],
    rows: Iterable[Mapping[str, Any]],
    first: int,
    styles: Mapping[str, int],
    totals: list[int | None],
) -> int:
    """Write `rows` from sheet row `first` (0-based) on; the last row written (first - 1
    when none). `styles` maps a kind to its xf index; `totals` (hundredths, or counts for
    int columns) are added to in place where not None."""
    handle = page.row_data_fh
    page._write_single_row(first)  # the header row goes out first; rows from `first` on
    cells = [_converter(i, c, styles.get(c.kind, 0), totals) for i, c in enumerate(columns)]
    number = first - 1
    out: list[str] = []
    for row in rows:
        number += 1
        line = str(number + 1)
        out.append(f'<row r="{line}">' + "".join([cell(row, line) for cell in cells]) + "</row>")
        if len(out) >= 1024:
            handle.write("".join(out))
            out.clear()
    handle.write("".join(out))
    if number >= first:
        page.dim_rowmax = max(page.dim_rowmax or 0, number)
        page.previous_row = number + 1
    return number


_PLAIN = re.compile(r"[&<>_\x00-\x1f\ufffe\uffff]|^\s|\s$")


def _converter(index: int, column: Any, style: int, totals: list[int | None]) -> Any:
    """The function that makes one column's cell of a row (empty text when the cell is empty)."""
    letter, kind, key = _column_name(index), column.kind, column.key
    plain = "." not in key and column.words is None
    text_open, number_open = f'<c r="{letter}', f'" s="{style}"'

    def value_of(row: Mapping[str, Any]) -> Any:
        return row.get(key) if plain else column.value(row)

    def text_cell(row: Mapping[str, Any], line: str) -> str:
        value = value_of(row)
        if value is None or value == "":
            return ""
        if type(value) is str and not _PLAIN.search(value) and len(value) < _MAX_TEXT // 2:
            body = f"<t>{value}</t>"
        else:
            body = text_xml(_text(value))
        return f'{text_open}{line}{number_open} t="inlineStr"><is>{body}</is></c>'

    def number_cell(row: Mapping[str, Any], line: str) -> str:
        value = value_of(row)
        if value is None or value == "":
            return ""
        found = number_text(value, kind)
        if found is None:
            return text_cell(row, line)
        total = totals[index]
        if total is not None:
            totals[index] = total + int(found[1])
        return f"{text_open}{line}{number_open}><v>{found[0]}</v></c>"

    def date_cell(row: Mapping[str, Any], line: str) -> str:
        value = value_of(row)
        if value is None or value == "":
            return ""
        found = serial(value, kind)
        if found is None:
            return text_cell(row, line)
        return f"{text_open}{line}{number_open}><v>{found}</v></c>"

    if kind in ("money", "units", "score", "percent", "int"):
        return number_cell
    if kind in ("date", "moment"):
        return date_cell
    return text_cell


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "；".join(_text(v) for v in value)
    return str(value)
