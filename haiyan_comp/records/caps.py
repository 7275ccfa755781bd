"""R3 in SQL: recompute the purchasable units of capped records, set-based.

A resident's records of a capped item are ordered by (service date, source
id); the first `cap` quantity-units are purchasable and a record that crosses
the cap is split. Records are stored with purchasable = units, and adding
records can only push a group over its cap, never back under; so only groups
touched by the change whose total exceeds the cap are ordered at all, and only
rows whose value changes are written. Their deltas go to unit_totals too. The
pure twin of this is rules.split_by_cap.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from haiyan_comp.records.totals import month_of
from haiyan_comp.records.writers import bulk_insert, temp_table

Group = tuple[int, int, str]  # institution_id, item_id, resident_id of capped records

_FIND_CHANGES = """
WITH touched AS (
    {touched}
),
over AS (
    SELECT r.institution_id, r.item_id, r.resident_id
    FROM service_records r
    JOIN touched t
      ON t.institution_id = r.institution_id
     AND t.item_id = r.item_id
     AND t.resident_id = r.resident_id
    JOIN service_items i ON i.id = r.item_id
    GROUP BY r.institution_id, r.item_id, r.resident_id, i.cap
    HAVING SUM(r.quantity) > i.cap
),
ranked AS (
    SELECT r.id, r.institution_id, r.item_id, r.service_date, r.purchasable AS old,
           r.quantity AS qty, i.value AS value, i.cap AS cap,
           SUM(r.quantity) OVER (
               PARTITION BY r.institution_id, r.item_id, r.resident_id
               ORDER BY r.service_date, r.source_id {collate}
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           ) AS cum
    FROM service_records r
    JOIN over o
      ON o.institution_id = r.institution_id
     AND o.item_id = r.item_id
     AND o.resident_id = r.resident_id
    JOIN service_items i ON i.id = r.item_id
),
fixed AS (
    SELECT id, institution_id, item_id, service_date, old,
           (CASE WHEN cum <= cap THEN qty
                 WHEN cum - qty >= cap THEN 0
                 ELSE cap - (cum - qty) END) * value AS new
    FROM ranked
)
INSERT INTO cap_changes (id, institution_id, item_id, month, delta)
SELECT id, institution_id, item_id, {month}, new - old FROM fixed WHERE new <> old
"""

_APPLY_TO_RECORDS = """
UPDATE service_records SET purchasable = purchasable + c.delta
FROM cap_changes c WHERE service_records.id = c.id
"""

_APPLY_TO_TOTALS = """
UPDATE unit_totals SET purchasable = unit_totals.purchasable + d.delta
FROM (SELECT institution_id, item_id, month, SUM(delta) AS delta
      FROM cap_changes GROUP BY institution_id, item_id, month) d
WHERE unit_totals.institution_id = d.institution_id
  AND unit_totals.item_id = d.item_id
  AND unit_totals.month = d.month
"""


def _recompute(session: Session, touched: str, params: dict[str, int]) -> int:
    postgres = session.get_bind().dialect.name == "postgresql"
    temp_table(
        session,
        "cap_changes",
        "id BIGINT, institution_id INTEGER, item_id INTEGER, month INTEGER, delta BIGINT",
    )
    # Source ids sort by code point on both databases, as Python sorts them.
    find = _FIND_CHANGES.format(
        touched=touched,
        collate='COLLATE "C"' if postgres else "",
        month=month_of(session, "service_date"),
    )
    changed = session.execute(text(find), params).rowcount  # type: ignore[attr-defined]
    if changed:
        session.execute(text(_APPLY_TO_RECORDS))
        session.execute(text(_APPLY_TO_TOTALS))
    return int(changed)


class TouchedGroups:
    """The capped (institution, item, resident) groups an import writes to, for R3.

    An import names the groups its capped rows fall in, chunk by chunk, in a
    temporary table, so that the database need not look for them among all
    its records, and the import's memory does not grow with the file.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        postgres = session.get_bind().dialect.name == "postgresql"
        resident = 'VARCHAR(64) COLLATE "C"' if postgres else "TEXT"  # as service_records has it
        temp_table(
            session,
            "cap_touched",
            f"institution_id INTEGER, item_id INTEGER, resident_id {resident}",
        )
        self._any = False

    def add(self, groups: Iterable[Group]) -> None:
        """Note groups (repeats are fine)."""
        distinct = set(groups)
        if distinct:
            bulk_insert(
                self._session, "cap_touched", ("institution_id", "item_id", "resident_id"), distinct
            )
            self._any = True

    def recompute(self) -> int:
        """Recompute every group noted; return the rows whose purchasable units changed."""
        if not self._any:
            return 0
        return _recompute(
            self._session,
            "SELECT DISTINCT institution_id, item_id, resident_id FROM cap_touched",
            {},
        )


def recompute_caps_for_year(session: Session, year: int) -> int:
    """Recompute every capped group of a year (after its catalogue changed)."""
    return _recompute(
        session,
        "SELECT DISTINCT institution_id, item_id, resident_id"
        " FROM service_records WHERE capped AND year = :year",
        {"year": year},
    )
