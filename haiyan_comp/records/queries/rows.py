"""The records search's question and answer: what to find, the rows, their JSON shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from haiyan_comp.money import format_hundredths


@dataclass(frozen=True)
class RecordSearch:
    """What to find: the scope, the filters (None: any) and the page."""

    institution_id: int | None = None  # None: the whole county
    year: int | None = None
    source_id: str | None = None
    item: str | None = None  # an item code (of any year)
    staff: str | None = None  # a staff code
    resident_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    after: int | None = None  # ids above this, in id order
    before: int | None = None  # ids below this, newest first
    newest_first: bool = False
    limit: int = 50
    source_prefix: bool = False  # source_id: the ids that start with it
    resident_prefix: bool = False  # resident_id: the residents whose id starts with it
    sort: str = "id"  # id (import order, by the cursor) | date | item | units (by offset)
    descending: bool = False  # date and units: the latest or the largest first
    offset: int = 0  # sorted searches: the rows before the page
    count: bool = False  # also count the matching records (see RecordPage.total)

    @property
    def sorted(self) -> bool:
        """Ordered by a column other than the id: pages by offset."""
        return self.sort in SORTS and self.sort != "id"


SORTS = ("id", "date", "item", "units")


@dataclass(frozen=True)
class RecordRow:
    """A service record as people see it: codes and names, units in hundredths."""

    id: int
    source_id: str
    institution: str
    staff: str
    staff_name: str
    item: str
    item_name: str
    year: int
    service_date: date
    resident_id: str | None
    quantity: int
    units: int
    purchasable: int
    capped: bool
    import_id: int
    line: int


@dataclass(frozen=True)
class RecordPage:
    """One page of a search; `more` says whether another page follows."""

    rows: tuple[RecordRow, ...]
    more: bool
    total: int | None = None  # the matching records, when counted
    total_exact: bool = True  # False: `total` is an estimate, or "at least" when capped
    total_capped: bool = False  # True: at least `total` (counting stopped there)
    sorted: bool = True  # False: the sort asked for was refused (too many rows to sort)
    by_offset: bool = False  # paged by offset (sorted, or a common source-id prefix's order)

    @property
    def next_cursor(self) -> int | None:
        """The id to pass as `after` (or `before`, newest first) for the next page."""
        return self.rows[-1].id if self.more and self.rows else None


def record_json(row: RecordRow) -> dict[str, Any]:
    """A record as the API gives it (CONTRACT.md): units as decimal strings."""
    return {
        "id": row.id,
        "source_id": row.source_id,
        "institution": row.institution,
        "staff": row.staff,
        "item": row.item,
        "year": row.year,
        "service_date": row.service_date.isoformat(),
        "resident_id": row.resident_id,
        "quantity": row.quantity,
        "units": format_hundredths(row.units),
        "purchasable": format_hundredths(row.purchasable),
        "capped": row.capped,
        "import_id": row.import_id,
        "line": row.line,
    }
