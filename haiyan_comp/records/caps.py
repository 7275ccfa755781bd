"""R3 in SQL: recompute the purchasable units of capped records, set-based.

A resident's records of a capped item are ordered by (service date, source
id); the first `cap` quantity-units are purchasable and a record that crosses
the cap is split. Only the groups touched by a change are recomputed, and only
rows whose value changes are written. The pure twin is rules.split_by_cap.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_RECOMPUTE = """
WITH touched AS (
    SELECT DISTINCT institution_id, item_id, resident_id
    FROM service_records
    WHERE capped AND {scope}
),
ranked AS (
    SELECT r.id AS id, r.purchasable AS old, r.quantity AS qty, i.value AS value, i.cap AS cap,
           SUM(r.quantity) OVER (
               PARTITION BY r.institution_id, r.item_id, r.resident_id
               ORDER BY r.service_date, r.source_id {collate}
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           ) AS cum
    FROM service_records r
    JOIN touched t
      ON t.institution_id = r.institution_id
     AND t.item_id = r.item_id
     AND t.resident_id = r.resident_id
    JOIN service_items i ON i.id = r.item_id
    WHERE r.capped
),
fixed AS (
    SELECT id, old,
           (CASE WHEN cum <= cap THEN qty
                 WHEN cum - qty >= cap THEN 0
                 ELSE cap - (cum - qty) END) * value AS new
    FROM ranked
)
UPDATE service_records SET purchasable = fixed.new
FROM fixed
WHERE service_records.id = fixed.id AND fixed.new <> fixed.old
"""


def _sql(session: Session, scope: str) -> str:
    postgres = session.get_bind().dialect.name == "postgresql"
    # Source ids sort by code point on both databases, as Python sorts them.
    return _RECOMPUTE.format(scope=scope, collate='COLLATE "C"' if postgres else "")


def recompute_caps_after(session: Session, before_id: int) -> int:
    """Recompute the groups that records with id > before_id belong to."""
    result = session.execute(text(_sql(session, "id > :before")), {"before": before_id})
    return int(result.rowcount)  # type: ignore[attr-defined]


def recompute_caps_for_year(session: Session, year: int) -> int:
    """Recompute every capped group of a year (after its catalogue changed)."""
    result = session.execute(text(_sql(session, "year = :year")), {"year": year})
    return int(result.rowcount)  # type: ignore[attr-defined]
