"""A table's workbook: what its file is called and its sheets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from haiyan_comp.workbooks import Sheet


@dataclass(frozen=True)
class Workbook:
    """A table's workbook: what its file is called (table, year) and its sheets."""

    table: str
    year: int | str | None
    sheets: Iterable[Sheet]

    def filename(self, county: str) -> str:
        """`海盐县-工作当量-2018.xlsx`."""
        parts = [county, self.table] + ([str(self.year)] if self.year is not None else [])
        return "-".join(parts) + ".xlsx"
