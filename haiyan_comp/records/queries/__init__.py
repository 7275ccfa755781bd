"""Reads of the records a user sees: the records search, its choices, the running totals.

`search_records` is the one records search: the centre's records page and
`GET /api/v1/records` both call it, and `record_json` is the one JSON shape of
a row.

Speed at millions of records (issue 13). The search pages by id (newest
first, or in id order after a cursor) and never counts. The best way to find
a page depends on how many records match, so `plan.choose_plan` estimates that
from the running totals (unit_totals, staff_totals: exact counts kept by every
write) and takes the cheapest of:

- none: nothing can match (an item the institution never records, months
  without records, a staff member without records): the records are not read;
- source, resident: the unique (institution, source id) and the (institution,
  item, resident, …) indexes find the few rows, which are sorted;
- walk: the primary key in page order, keeping the matching rows: about
  limit × all / matching rows read, so cheap unless few rows match;
- item: every row of the item through the (institution, item, …) index, sorted;
- staff: the member's rows through the (staff, service date) index, sorted.

The plan is held with `+ 0`, which both databases read as "no index for this
column": the columns of the indexes not chosen get it, and so does the ORDER BY
id when the index chosen cannot give that order. PostgreSQL, whose estimate
for such filters is far too low, also gets the walk's order forced, and no
JIT nor parallel workers, for that one statement (search._on_postgres).
"""

from haiyan_comp.records.queries.lists import (
    Choice,
    item_choices,
    monthly_gross,
    recent_imports,
    record_years,
    staff_choices,
)
from haiyan_comp.records.queries.rows import RecordPage, RecordRow, RecordSearch, record_json
from haiyan_comp.records.queries.search import search_records

__all__ = [
    "Choice",
    "RecordPage",
    "RecordRow",
    "RecordSearch",
    "item_choices",
    "monthly_gross",
    "recent_imports",
    "record_json",
    "record_years",
    "search_records",
    "staff_choices",
]
