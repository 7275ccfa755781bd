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
from functools import lru_cache
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
    *,
    objects: bool = False,
) -> int:
    """Write `rows` from sheet row `first` (0-based) on; the last row written (first - 1
    when none). `styles` maps a kind to its xf index; `totals` (hundredths, or counts for
    int columns) are added to in place where not None. `objects`: the rows are objects
    (dataclasses) whose attributes are the columns' keys, not mappings."""
    handle = page.row_data_fh
    page._write_single_row(first)  # the header row goes out first; rows from `first` on
    cells = [_converter(i, c, styles.get(c.kind, 0), totals) for i, c in enumerate(columns)]
    render = _compiled(columns, styles, totals, objects)
    number: int = render(rows, first - 1, handle.write, cells, totals)
    if number >= first:
        page.dim_rowmax = max(page.dim_rowmax or 0, number)
        page.previous_row = number + 1
    return number


_INLINE, _END = ' t="inlineStr"><is><t>', "</t></is></c>"


@lru_cache(maxsize=8192)
def _day(text: str) -> str | None:
    """'2018-03-04' → its Excel serial ('43163'), or None."""
    try:
        return str(date.fromisoformat(text).toordinal() - _EPOCH)
    except ValueError:
        return None


def _compiled(
    columns: Sequence[Any], styles: Mapping[str, int], totals: list[int | None], objects: bool
) -> Any:
    """The sheet's row loop as one generated function: each column's common case (plain
    text, a decimal string, a whole number, an ISO date, a yes/no) inline, anything else
    through the column's converter (`cells[i]`), so a million rows cost a few seconds."""
    code = ["def render(rows, number, write, cells, totals):",
            "    out = []", "    append = out.append"]  # fmt: skip
    sums = [i for i, total in enumerate(totals) if total is not None]
    code += [f"    t{i} = 0" for i in sums]
    code += ["    for row in rows:", "        number += 1", "        line = number + 1",
             "        g = None if OBJECTS else row.get", "        p = [f'<row r=\"{line}\">']",
             "        a = p.append"]  # fmt: skip
    for index, column in enumerate(columns):
        code += _column_code(index, column, styles.get(column.kind, 0), index in sums, objects)
    code += ["        p.append('</row>')", "        append(''.join(p))",
             "        if len(out) >= 1024:", "            write(''.join(out))",
             "            out.clear()", "    write(''.join(out))"]  # fmt: skip
    code += [f"    totals[{i}] += t{i}" for i in sums]
    code += ["    return number"]
    space: dict[str, Any] = {"P": _PLAIN.search, "N": _NUMBER.fullmatch, "D": _day,
                             "H": _hundredths, "MAX": _MAX_TEXT // 2, "YES": "是",
                             "NO": "否", "OBJECTS": objects, "DAY": date, "E": _EPOCH,
                             "R": vars if objects else _same}  # fmt: skip
    exec("\n".join(code), space)
    return space["render"]


def _column_code(index: int, column: Any, style: int, summed: bool, objects: bool) -> list[str]:
    """One column's lines of the generated row loop."""
    slow = f"a(cells[{index}](R(row), str(line)))"
    if "." in column.key or column.words is not None or not column.key.isidentifier():
        return [f"        {slow}"]
    cell = f'<c r="{_column_name(index)}{{line}}" s="{style}"'
    kind = column.kind
    read = f"row.{column.key}" if objects else f"g({column.key!r})"
    lines = [f"        v = {read}", "        if v is None or v == '':",
             "            pass"]  # fmt: skip
    if kind in ("text", "code"):
        lines += ["        elif v.__class__ is str and len(v) < MAX and ((v.isascii() and "
                  "v.replace('-', '').isalnum()) or P(v) is None):",
                  f"            a(f'{cell}{_INLINE}{{v}}</t></is></c>')"]  # fmt: skip
    elif kind == "yesno":
        lines += ["        elif v.__class__ is bool:",
                  f"            a(f'{cell}{_INLINE}{{YES if v else NO}}{_END}')"]  # fmt: skip
    elif kind in ("money", "units", "score"):
        add = [f"            t{index} += int(v.replace('.', '')) if len(v) > 3 and v[-3] == '.' "
               "else H(v)"] if summed else []  # fmt: skip
        lines += ["        elif v.__class__ is str and N(v):",
                  f"            a(f'{cell}><v>{{v}}</v></c>')", *add,
                  "        elif v.__class__ is int and v >= 0:",  # hundredths
                  f"            a(f'{cell}><v>{{v // 100}}.{{v % 100:02d}}</v></c>')",
                  *([f"            t{index} += v"] if summed else [])]  # fmt: skip
    elif kind == "int":
        add = [f"            t{index} += v"] if summed else []
        lines += ["        elif v.__class__ is int:", f"            a(f'{cell}><v>{{v}}</v></c>')",
                  *add]  # fmt: skip
    elif kind == "date":
        lines += ["        elif v.__class__ is str and len(v) == 10 and D(v) is not None:",
                  f"            a(f'{cell}><v>{{D(v)}}</v></c>')",
                  "        elif v.__class__ is DAY:",
                  f"            a(f'{cell}><v>{{v.toordinal() - E}}</v></c>')"]  # fmt: skip
    lines += ["        else:", f"            {slow}"]
    return lines


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

    if kind == "yesno":
        return lambda row, line: text_cell({key: _yes_no(value_of(row))}, line)
    if kind in ("money", "units", "score", "percent", "int"):
        return number_cell
    if kind in ("date", "moment"):
        return date_cell
    return text_cell


def _same(row: Any) -> Any:
    return row


def _yes_no(value: Any) -> Any:
    return ("是" if value else "否") if isinstance(value, bool) else value


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "；".join(_text(v) for v in value)
    return str(value)
