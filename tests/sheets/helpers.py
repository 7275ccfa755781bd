"""Test workbooks and files: written with xlsxwriter, as Excel or WPS would hand them over."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter

from tests.worked_example import records_csv


def workbook(
    rows: Sequence[Sequence[Any]],
    sheet: str = "Sheet1",
    *,
    first: int = 0,
    others: Sequence[str] = (),
) -> bytes:
    """An .xlsx of `rows` (from row `first`, 0-based), typed as given: dates, numbers, text.

    `others`: names of further sheets, written before `sheet` (so `sheet` is not the first).
    """
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    for name in others:
        book.add_worksheet(name).write_string(0, 0, "not this one")
    page = book.add_worksheet(sheet)
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows, start=first):
        for c, value in enumerate(row):
            if isinstance(value, datetime | date):
                when = value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
                page.write_datetime(r, c, when, day)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                page.write_number(r, c, value)
            elif value is None:
                continue
            else:
                page.write_string(r, c, str(value))
    book.close()
    return out.getvalue()


def county_rows() -> list[list[str]]:
    """The worked example's records (residents named in Chinese, so encodings matter)."""
    rows = list(csv.reader(io.StringIO(records_csv())))
    for row in rows[1:]:
        if row[5]:
            row[5] = "居民" + row[5]
    return rows


def county_csv() -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(county_rows())
    return out.getvalue()


def county_typed() -> list[list[Any]]:
    """The same records as a spreadsheet holds them: dates as dates, quantities as numbers."""
    rows: list[list[Any]] = [list(county_rows()[0])]
    for row in county_rows()[1:]:
        typed: list[Any] = list(row)
        typed[4] = date.fromisoformat(row[4])
        typed[6] = float(row[6])
        rows.append(typed)
    return rows
