"""The data rows of a sheet, written fast: each row's XML made by one generated loop and
handed on (to workbooks.deflate, compressed as it comes), so a million-row table's rows are
made in about 3.5 seconds (XlsxWriter's per-cell calls manage about 20,000 rows of a dozen
cells a second).

XlsxWriter still makes the workbook: the styles, the title and header rows, the frozen
pane, the print settings and the ZIP; here only the `<row>` elements between the header
and the totals row are written, in the very form XlsxWriter writes them in constant-memory
mode (`inlineStr` text, `<v>` numbers, the style's xf index). Every text cell is escaped
(`& < >` and control characters), so no cell from data is markup or a formula.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    rows: Iterable[Any],
    first: int,
    styles: Mapping[str, int],
    totals: list[int | None],
    *,
    objects: bool = False,
    fields: Sequence[str] | None = None,
    write: Callable[[str], Any] | None = None,
) -> int:
    """Write `rows` from sheet row `first` (0-based) on; the last row written (first - 1
    when none). `styles` maps a kind to its xf index; `totals` (hundredths, or counts for
    int columns) are added to in place where not None. The rows are mappings; or, with
    `objects`, objects (dataclasses) whose attributes are the columns' keys; or, with
    `fields`, sequences of those fields' values in that order. `write` takes the rows' XML
    (by default XlsxWriter's own row file, after the rows above `first`)."""
    page._write_single_row(first)  # the header row goes out first; rows from `first` on
    if write is None:
        write = page.row_data_fh.write
    cells = [_converter(i, c, styles.get(c.kind, 0), totals) for i, c in enumerate(columns)]
    render = _compiled(columns, styles, totals, objects, fields)
    number: int = render(rows, first - 1, write, cells, totals)
    if number >= first:
        page.dim_rowmax = max(page.dim_rowmax or 0, number)
        page.previous_row = number + 1
    return number


_INLINE, _END = ' t="inlineStr"><is><t>', "</t></is></c>"


class _Cache(dict[Any, Any]):
    """Each distinct value's text, made once (`make`); at most `size` of them kept."""

    def __init__(self, make: Callable[[Any], Any], size: int = 100_000) -> None:
        super().__init__()
        self.make, self.size = make, size

    def __missing__(self, value: Any) -> Any:
        made = self.make(value)
        if len(self) < self.size:
            self[value] = made
        return made


def _cents(value: int) -> str:
    """Hundredths as exact decimal text: 12345 → '123.45', -5 → '-0.05'."""
    whole, cents = divmod(abs(value), 100)
    return f"{'-' if value < 0 else ''}{whole}.{cents:02d}"


def _day_serial(value: Any) -> str | None:
    """A date, or its ISO text, as its Excel serial ('43163'); None if it is neither."""
    if value.__class__ is date:
        return str(value.toordinal() - _EPOCH)
    if isinstance(value, str) and len(value) == 10:
        try:
            return str(date.fromisoformat(value).toordinal() - _EPOCH)
        except ValueError:
            return None
    return None


# Text that needs care in a cell: & < >, whitespace (kept at either end only with
# xml:space), control characters, non-characters; and "_x" (XlsxWriter's _xHHHH_ escape).
_CAREFUL = re.compile(r"[&<>\s\x00-\x1f\ufffe\uffff]")
# The same for ASCII text (most of it), a little faster: printable ASCII is no control.
_PLAIN_ASCII = ("k.isprintable() and ' ' not in k and '&' not in k and '<' not in k "
                "and '>' not in k")  # fmt: skip
# 是/否 as character references: the rows of a records search stay ASCII (encoded as is).
_YES_NO = {True: "&#26159;", False: "&#21542;"}


def _compiled(
    columns: Sequence[Any],
    styles: Mapping[str, int],
    totals: Sequence[int | None],
    objects: bool,
    fields: Sequence[str] | None,
) -> Any:
    """The sheet's row loop as one generated function: each row one f-string of its cells,
    each column's common case (plain text, a decimal string, hundredths, a whole number, an
    ISO date or a date, a yes/no) inline, anything else through the column's converter
    (`cells[i]`, which escapes what must be), so a million rows cost a few seconds."""
    style = styles
    sums = [i for i, total in enumerate(totals) if total is not None]
    head = "for row in rows:"
    if fields is not None:
        head = f"for ({', '.join(f'f{i}' for i in range(len(fields)))},) in rows:"
    code = ["def render(rows, number, write, cells, totals):", "    out = []",
            "    append = out.append", *(f"    t{i} = 0" for i in sums), f"    {head}",
            "        number += 1", "        ln = f'{number + 1}'"]  # fmt: skip
    space: dict[str, Any] = {"CAREFUL": _CAREFUL.search, "N": _NUMBER.fullmatch, "H": _hundredths,
                             "MAX": _MAX_TEXT // 2, "YN": _YES_NO, "DAY": date,
                             "CENTS": _Cache(_cents), "DAYS": _Cache(_day_serial),
                             "VARS": vars}  # fmt: skip
    texts = []
    for index, column in enumerate(columns):
        code += _read_code(index, column, objects, fields, space)
        if column.kind in ("text", "code"):
            texts.append(index)
    if texts:  # one look at the row's text for anything that needs care
        joined = "".join(f"{{v{i}}}" for i in texts)
        ascii_plain = f"({_PLAIN_ASCII}) if k.isascii() else CAREFUL(k) is None"
        code += [f"        k = f'{joined}'",
                 f"        plain = len(k) < MAX and '_x' not in k and ({ascii_plain})"]  # fmt: skip
    for index, column in enumerate(columns):
        code += _cell_code(index, column, style.get(column.kind, 0), index in sums)
    cells = "".join(f"{{c{i}}}" for i in range(len(columns)))
    code += [f"        append(f'<row r=\"{{ln}}\">{cells}</row>')",
             "        if len(out) >= 1024:", "            write(''.join(out))",
             "            out.clear()", "    write(''.join(out))",
             *(f"    totals[{i}] += t{i}" for i in sums), "    return number"]  # fmt: skip
    exec("\n".join(code), space)
    return space["render"]


def _read_code(
    index: int, column: Any, objects: bool, fields: Sequence[str] | None, space: dict[str, Any]
) -> list[str]:
    """The generated lines that read the row's value of a column into v<index>."""
    key = column.key
    if fields is not None:
        if key not in fields:
            raise ValueError(f"column {key!r} is not one of the rows' fields {fields}")
        read = f"f{fields.index(key)}"
    elif "." in key or (objects and not key.isidentifier()):
        space[f"VALUE{index}"] = column.value  # reads into nested mappings, words applied
        return [f"        v{index} = VALUE{index}({'VARS(row)' if objects else 'row'})"]
    else:
        read = f"row.{key}" if objects else f"row.get({key!r})"
    if column.words is None:
        return [f"        v{index} = {read}"]
    space[f"WORDS{index}"] = column.words
    return [f"        v{index} = {read}",
            f"        if v{index}.__class__ is str:",
            f"            v{index} = WORDS{index}.get(v{index}, v{index})"]  # fmt: skip


def _cell_code(index: int, column: Any, style: int, summed: bool) -> list[str]:
    """The generated lines that make the cell of a column (c<index>; '' when empty)."""
    v, kind = f"v{index}", column.kind
    cell = f'<c r="{_column_name(index)}{{ln}}" s="{style}"'
    slow = [f"            c{index} = cells[{index}]({v}, ln)"]
    if kind in ("text", "code"):
        return [f"        if plain and {v}.__class__ is str and {v}:",
                f"            c{index} = f'{cell}{_INLINE}{{{v}}}{_END}'",
                "        else:", *slow]  # fmt: skip
    if kind == "yesno":
        return [f"        if {v}.__class__ is bool or ({v}.__class__ is int and 0 <= {v} <= 1):",
                f"            c{index} = f'{cell}{_INLINE}{{YN[{v}]}}{_END}'",
                "        else:", *slow]  # fmt: skip
    if kind in ("money", "units", "score"):
        return [f"        if {v}.__class__ is int:",  # hundredths
                f"            c{index} = f'{cell}><v>{{CENTS[{v}]}}</v></c>'",
                *([f"            t{index} += {v}"] if summed else []),
                f"        elif {v}.__class__ is str and N({v}):",
                f"            c{index} = f'{cell}><v>{{{v}}}</v></c>'",
                *([f"            t{index} += H({v})"] if summed else []),
                "        else:", *slow]  # fmt: skip
    if kind == "int":
        return [f"        if {v}.__class__ is int:",
                f"            c{index} = f'{cell}><v>{{{v}}}</v></c>'",
                *([f"            t{index} += {v}"] if summed else []),
                "        else:", *slow]  # fmt: skip
    if kind == "date":
        return [f"        if ({v}.__class__ is str or {v}.__class__ is DAY) "
                f"and (d := DAYS[{v}]) is not None:",
                f"            c{index} = f'{cell}><v>{{d}}</v></c>'",
                "        else:", *slow]  # fmt: skip
    return [f"        c{index} = cells[{index}]({v}, ln)"]


def _converter(index: int, column: Any, style: int, totals: list[int | None]) -> Any:
    """The function that makes one column's cell from its value, whatever it is (empty text
    when the cell is empty): text escaped as XlsxWriter escapes it."""
    letter, kind = _column_name(index), column.kind
    text_open, number_open = f'<c r="{letter}', f'" s="{style}"'

    def text_cell(value: Any, line: str) -> str:
        if value is None or value == "":
            return ""
        body = text_xml(_text(value))
        return f'{text_open}{line}{number_open} t="inlineStr"><is>{body}</is></c>'

    def number_cell(value: Any, line: str) -> str:
        if value is None or value == "":
            return ""
        found = number_text(value, kind)
        if found is None:
            return text_cell(value, line)
        total = totals[index]
        if total is not None:
            totals[index] = total + int(found[1])
        return f"{text_open}{line}{number_open}><v>{found[0]}</v></c>"

    def date_cell(value: Any, line: str) -> str:
        if value is None or value == "":
            return ""
        found = serial(value, kind)
        if found is None:
            return text_cell(value, line)
        return f"{text_open}{line}{number_open}><v>{found}</v></c>"

    if kind == "yesno":
        return lambda value, line: text_cell(_yes_no(value), line)
    if kind in ("money", "units", "score", "percent", "int"):
        return number_cell
    if kind in ("date", "moment"):
        return date_cell
    return text_cell


def _yes_no(value: Any) -> Any:
    return ("是" if value else "否") if isinstance(value, bool) else value


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "；".join(_text(v) for v in value)
    return str(value)
