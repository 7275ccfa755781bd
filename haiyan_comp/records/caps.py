"""R3 in SQL: recompute the purchasable units of capped records, set-based.

A resident's records of a capped item are ordered by (service date, source
id); the first `cap` quantity-units are purchasable and a record that crosses
the cap is split. Records are stored with purchasable = units, and adding
records can only push a group over its cap, never back under; so only groups
touched by the change are checked, only those whose total exceeds the cap are
ordered (but for PostgreSQL's one pass over a big year, `_find_changes`), and only
rows whose value changes are written. Their deltas go to the running totals
too: unit_totals, staff_totals, and the per-staff units of the frozen audit
population that holds the record, if one does (R18 weighs a record's current
purchasable units). The pure twin of this is rules.split_by_cap.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from haiyan_comp.records.totals import month_of
from haiyan_comp.records.writers import bulk_insert, temp_table

Group = tuple[int, int, str]  # institution_id, item_id, resident_id of capped records

# The groups over their cap, of the records `{groups}` names (the first way to find changes).
_OVER = """over AS (
    SELECT s.institution_id, s.item_id, s.resident_id
    FROM (
        SELECT r.institution_id, r.item_id, r.resident_id, SUM(r.quantity) AS total
        FROM {groups}
        GROUP BY r.institution_id, r.item_id, r.resident_id
    ) s
    JOIN service_items i ON i.id = s.item_id
    WHERE s.total > i.cap
),"""
_OF_OVER_GROUPS = """service_records r
    JOIN over o
      ON o.institution_id = r.institution_id
     AND o.item_id = r.item_id
     AND o.resident_id = r.resident_id"""

# INSERT first, then its query's WITH: sqlite3 counts the rows a statement changed
# only when the statement starts with INSERT, UPDATE or DELETE.
_FIND_CHANGES = """
INSERT INTO cap_changes (id, institution_id, item_id, staff_id, year, service_date, month, delta)
WITH {over}
ranked AS (
    SELECT r.id, r.institution_id, r.item_id, r.staff_id, r.year, r.service_date,
           r.purchasable AS old,
           r.quantity AS qty, i.value AS value, i.cap AS cap,
           SUM(r.quantity) OVER (
               PARTITION BY r.institution_id, r.item_id, r.resident_id
               ORDER BY r.service_date, r.source_id {collate}
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           ) AS cum
    FROM {ranked}
    JOIN service_items i ON i.id = r.item_id{where}
),
fixed AS (
    SELECT id, institution_id, item_id, staff_id, year, service_date, old,
           (CASE WHEN cum <= cap THEN qty
                 WHEN cum - qty >= cap THEN 0
                 ELSE cap - (cum - qty) END) * value AS new
    FROM ranked
)
SELECT id, institution_id, item_id, staff_id, year, service_date, {month}, new - old
FROM fixed WHERE new <> old
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

_APPLY_TO_STAFF = """
UPDATE staff_totals SET purchasable = staff_totals.purchasable + d.delta
FROM (SELECT year, institution_id, staff_id, SUM(delta) AS delta
      FROM cap_changes GROUP BY year, institution_id, staff_id) d
WHERE staff_totals.year = d.year
  AND staff_totals.institution_id = d.institution_id
  AND staff_totals.staff_id = d.staff_id
"""

# The batches whose stratum holds a changed record are found first (a few, by
# the batches' stratum index), and only their populations are read.
_APPLY_TO_POPULATIONS = """
UPDATE audit_population_staff SET purchasable = audit_population_staff.purchasable + d.delta
FROM (SELECT p.batch_id, c.staff_id, SUM(c.delta) AS delta
      FROM audit_population p JOIN cap_changes c ON c.id = p.record_id
      WHERE p.batch_id IN (
          SELECT b.id FROM audit_batches b JOIN cap_changes h
            ON b.institution_id = h.institution_id AND b.item_id = h.item_id
           AND b.year = h.year AND h.service_date BETWEEN b.date_from AND b.date_to)
      GROUP BY p.batch_id, c.staff_id) d
WHERE audit_population_staff.batch_id = d.batch_id
  AND audit_population_staff.staff_id = d.staff_id
"""


# Where the groups to check come from: those an import names, or every capped group
# of some years (`_find_changes`).
_TOUCHED = """service_records r JOIN (
            SELECT DISTINCT institution_id, item_id, resident_id FROM cap_touched
        ) t ON t.institution_id = r.institution_id AND t.item_id = r.item_id
           AND t.resident_id = r.resident_id"""
_OF_YEARS = "r.capped AND r.year IN ({years})"
# Capped records are hashed by group: in memory, not in batches on disk.
_CAP_MEMORY = "128MB"
# Checking every capped group reads the table once; checking the
# groups an import names costs about this many times as much per named row.
NAMED_COST = 4
# PostgreSQL: from this many capped records in the years checked, every capped
# record is ordered in one pass (`_find_changes`).
ONE_PASS_FROM = 1_000_000


def _recompute(session: Session, groups: str | None = None, years: Iterable[int] = ()) -> int:
    """Write the cap's changes to the records of `groups` (those an import names), or of
    every capped group of `years`, and to the running totals."""
    postgres = session.get_bind().dialect.name == "postgresql"
    temp_table(
        session,
        "cap_changes",
        "id BIGINT, institution_id INTEGER, item_id INTEGER, staff_id INTEGER, year INTEGER,"
        " service_date DATE, month INTEGER, delta BIGINT",
    )
    if postgres:
        session.execute(text(f"SET LOCAL work_mem = '{_CAP_MEMORY}'"))
    changed = session.execute(text(_find_changes(session, groups, years))).rowcount  # type: ignore[attr-defined]
    if postgres:
        session.execute(text("RESET work_mem"))
    if changed:
        session.execute(text(_APPLY_TO_RECORDS))
        for apply in (_APPLY_TO_TOTALS, _APPLY_TO_STAFF, _APPLY_TO_POPULATIONS):
            session.execute(text(apply))
    return int(changed)


def _capped_records(session: Session, listed: str) -> int:
    """The capped records of the years `listed`, by the running totals (they choose
    only how the cap is found, not what it finds)."""
    count = session.scalar(
        text(
            "SELECT COALESCE(SUM(t.records), 0) FROM unit_totals t"
            " JOIN service_items i ON i.id = t.item_id"
            f" WHERE i.cap IS NOT NULL AND t.year IN ({listed})"
        )
    )
    return int(count or 0)


def _find_changes(session: Session, groups: str | None, years: Iterable[int]) -> str:
    """The statement that writes the changes to cap_changes.

    Only the groups over their cap are ordered: found first by grouping, then each
    one's records read by the composite index. On SQLite, every capped group of some
    years is grouped from one read of the table: walking the composite index and
    looking up every row was about twice as slow.

    PostgreSQL checking every capped group of some years that hold many capped
    records (ONE_PASS_FROM; a bulk load, a catalogue change) orders all of them in
    one pass instead: once many groups are over, fetching each one's records by the
    index reads the table's pages in no order. Groups under their cap come out
    unchanged either way (their records are stored at their full units, see above),
    so both ways write the same changes. The 5,000,000-record capped-heavy year
    (1,500,586 capped records, 214,495 changed), alternated: the finding 4.04–4.35 s
    in one pass against 6.10–6.49 s by groups, the whole import 33.2 s against
    35.2–36.4 s (steps timed in one process). At 1,000,000 (300,000 capped, 9,721
    changed) the pass is dearer: 0.73–0.75 s against 0.42–0.46 s. On SQLite one pass
    saved less (3.69–3.78 against 4.10–4.42 s at 5,000,000) and cost more at
    1,000,000 (0.80 against 0.58 s).

    Only the years given are read: before, a bulk load of one year checked every
    capped group of the table, a settled year's too.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    # Source ids sort by code point on both databases, as Python sorts them.
    same = {
        "collate": 'COLLATE "C"' if postgres else "",
        "month": month_of(session, "service_date"),
    }
    if groups is None:  # items, and so groups, belong to one year each
        listed = ", ".join(str(int(year)) for year in sorted(set(years))) or "NULL"
        of_years = _OF_YEARS.format(years=listed)
        if postgres and _capped_records(session, listed) >= ONE_PASS_FROM:
            where = f"\n    WHERE {of_years}"
            return _FIND_CHANGES.format(over="", ranked="service_records r", where=where, **same)
        groups = f"service_records r {'' if postgres else 'NOT INDEXED'} WHERE {of_years}"
    over = _OVER.format(groups=groups)
    return _FIND_CHANGES.format(over=over, ranked=_OF_OVER_GROUPS, where="", **same)


class TouchedGroups:
    """The capped (institution, item, resident) groups an import writes to, for R3.

    A small import names the groups its capped rows fall in, chunk by chunk,
    in a temporary table, so that the database need not look for them among
    all its records, and the import's memory does not grow with the file.
    An import whose capped rows are many for the records already stored (the
    first load of a year, say) names none: the cap then checks every capped
    group, reading the table once, which costs less than writing and joining
    the names (PostgreSQL, 1,000,000 rows: 0.7 s against 2.2 s plus the
    names' COPY).
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
        stored = session.scalar(text("SELECT COALESCE(SUM(records), 0) FROM unit_totals"))
        self._named_up_to = int(stored or 0) // NAMED_COST
        self._rows = 0  # capped rows noted

    @property
    def _naming(self) -> bool:
        return self._rows <= self._named_up_to

    def add(self, groups: Iterable[Group]) -> None:
        """Note groups (repeats are fine)."""
        if not self._naming:
            return  # every capped group is checked anyway: nothing to note
        listed = list(groups)
        self._rows += len(listed)
        if listed and self._naming:
            columns = ("institution_id", "item_id", "resident_id")
            bulk_insert(self._session, "cap_touched", columns, set(listed))

    def recompute(self, years: Iterable[int]) -> int:
        """Recompute every group noted, or when not naming, every capped group of `years`
        (those of the rows written); return the rows whose purchasable units changed."""
        if not self._rows:
            return 0
        if self._naming:
            return _recompute(self._session, _TOUCHED)
        return _recompute(self._session, years=years)


def recompute_caps_for_year(session: Session, year: int) -> int:
    """Recompute every capped group of a year (after its catalogue changed)."""
    return _recompute(session, years=[year])
