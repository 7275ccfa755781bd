"""Running totals kept in step with records, in the same transaction as every write.

Two tables: unit_totals per institution, item and month (R4), and staff_totals
per year, institution and staff member (R18). An import adds the rows it
inserted, the cap (R3) adds the purchasable deltas it wrote. `recount_totals`
rebuilds a year of both from the records themselves; it is what a catalogue
change uses, and what tests compare the running totals with.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from operator import getitem

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from haiyan_comp.records.day_totals import recount_days
from haiyan_comp.records.models import StaffTotal, UnitTotal
from haiyan_comp.records.rules import ValidRows

_COLUMNS = "institution_id, item_id, month, year, records, gross, purchasable"
_STAFF_COLUMNS = "year, institution_id, staff_id, records, purchasable"

_MONTH = slice(5, 7)  # of an ISO date

Sums = dict[tuple[int, int, int], list[int]]  # a key of three ids → [records, units]


@dataclass(frozen=True, slots=True)
class Counted:
    """A chunk's rows counted: (institution_id, item_id, "MM", units) → rows and
    (year, institution_id, staff_id, units) → rows."""

    rows: Counter[tuple[int, int, str, int]]
    staff: Counter[tuple[int, int, int, int]]


def _keys(
    rows: ValidRows,
) -> tuple[Iterator[tuple[int, int, str, int]], Iterator[tuple[int, int, int, int]]]:
    """Each row's key by institution, item and month and by staff member, with its units."""
    institutions, units = rows.column("institution_id"), rows.column("units")
    months: Iterator[str] = map(getitem, rows.column("service_date"), repeat(_MONTH))
    return (
        zip(institutions, rows.column("item_id"), months, units, strict=True),
        zip(rows.column("year"), institutions, rows.column("staff_id"), units, strict=True),
    )


class Tally:
    """Rows about to be added to the totals: by institution, item and month, and by staff member."""

    def __init__(self) -> None:
        # Rows counted by Counter in C, across every chunk, and folded only
        # once at the end: (institution_id, item_id, "MM", units) → rows and
        # (year, institution_id, staff_id, units) → rows. Two small Counters
        # cost less than one keyed by both (≈ 17 × the keys, out of the cache).
        self._rows: Counter[tuple[int, int, str, int]] = Counter()
        self._staff: Counter[tuple[int, int, int, int]] = Counter()
        self._sums: defaultdict[tuple[int, int, int, int], list[int]] = defaultdict(lambda: [0, 0])

    @staticmethod
    def count(rows: ValidRows) -> Counted:
        """A chunk's rows counted (pure Python: the reading thread does it while the
        chunk before is written); `add_counted` adds them once they are inserted."""
        by_item, by_staff = _keys(rows)
        return Counted(Counter(by_item), Counter(by_staff))

    def add_counted(self, counted: Counted) -> None:
        """Add rows that were inserted (purchasable equals units until R3 runs)."""
        self._rows.update(counted.rows)
        self._staff.update(counted.staff)

    def add_rows(self, rows: ValidRows) -> None:
        """Add rows that were inserted, counted straight into the running Counters
        (when they are written in line: no chunk's Counters to merge afterwards)."""
        by_item, by_staff = _keys(rows)
        self._rows.update(by_item)
        self._staff.update(by_staff)

    def add(
        self, institution_id: int, item_id: int, staff_id: int, month: int, records: int, units: int
    ) -> None:
        """Count rows already summed (by SQL)."""
        entry = self._sums[(institution_id, item_id, staff_id, month)]
        entry[0] += records
        entry[1] += units

    def years(self, year_of_item: dict[int, int]) -> set[int]:
        """The years of the rows counted."""
        years = {year for year, *_ in self._staff}
        return years | {year_of_item[item] for _, item, *_ in self._sums}

    def folded(self, year_of_item: dict[int, int]) -> tuple[Sums, Sums]:
        """(institution, item, month) → [records, units] and (year, institution, staff) → same."""
        months: defaultdict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
        staff: defaultdict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
        for (inst, item, month, units), count in self._rows.items():
            _add(months[(inst, item, int(month))], count, count * units)
        for (year, inst, member, units), count in self._staff.items():
            _add(staff[(year, inst, member)], count, count * units)
        for (inst, item, member, number), (records, units) in self._sums.items():
            _add(months[(inst, item, number)], records, units)
            _add(staff[(year_of_item[item], inst, member)], records, units)
        # A key whose rows were counted in and out again (a keyless load's repeats,
        # services.py) changes nothing: it is not written.
        return _changed(months), _changed(staff)


def _changed(sums: dict[tuple[int, int, int], list[int]]) -> Sums:
    return {key: entry for key, entry in sums.items() if entry[0]}


def _add(entry: list[int], records: int, units: int) -> None:
    entry[0] += records
    entry[1] += units


def add_tally(session: Session, tally: Tally, year_of_item: dict[int, int]) -> None:
    """Add a tally to unit_totals and staff_totals."""
    months, staff = tally.folded(year_of_item)
    if months:
        session.execute(
            text(
                f"INSERT INTO unit_totals ({_COLUMNS})"
                " VALUES (:inst, :item, :month, :year, :count, :units, :units)"
                " ON CONFLICT (institution_id, item_id, month) DO UPDATE SET"
                " records = unit_totals.records + excluded.records,"
                " gross = unit_totals.gross + excluded.gross,"
                " purchasable = unit_totals.purchasable + excluded.purchasable"
            ),
            [
                {"inst": inst, "item": item, "month": month, "year": year_of_item[item],
                 "count": c, "units": u}
                for (inst, item, month), (c, u) in months.items()
            ],
        )  # fmt: skip
    if staff:
        session.execute(
            text(
                f"INSERT INTO staff_totals ({_STAFF_COLUMNS})"
                " VALUES (:year, :inst, :staff, :count, :units)"
                " ON CONFLICT (year, institution_id, staff_id) DO UPDATE SET"
                " records = staff_totals.records + excluded.records,"
                " purchasable = staff_totals.purchasable + excluded.purchasable"
            ),
            [
                {"year": year, "inst": inst, "staff": member, "count": c, "units": u}
                for (year, inst, member), (c, u) in staff.items()
            ],
        )


def month_of(session: Session, column: str) -> str:
    """SQL for the month (1–12) of a date column, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
    return f"CAST(substr({column}, 6, 2) AS INTEGER)"


def recount_totals(session: Session, year: int) -> None:
    """Rebuild a year's totals (per item and month, and per staff member) from its records."""
    session.execute(delete(UnitTotal).where(UnitTotal.year == year))
    session.execute(delete(StaffTotal).where(StaffTotal.year == year))
    month = month_of(session, "service_date")
    session.execute(
        text(
            f"INSERT INTO unit_totals ({_COLUMNS})"
            f" SELECT institution_id, item_id, {month}, :year,"
            " COUNT(*), SUM(units), SUM(purchasable)"
            f" FROM service_records WHERE year = :year GROUP BY institution_id, item_id, {month}"
        ),
        {"year": year},
    )
    rebuild = f"INSERT INTO staff_totals ({_STAFF_COLUMNS}) {_BY_STAFF}"
    session.execute(text(rebuild), {"year": year})
    recount_days(session, year)  # the audit's staff-days: gross units changed


_BY_STAFF = (
    "SELECT year, institution_id, staff_id, COUNT(*), SUM(purchasable) FROM service_records"
    " WHERE year = :year GROUP BY year, institution_id, staff_id"
)

Row = tuple[int, ...]


def counted_from_records(session: Session, year: int) -> list[Row]:
    """The unit totals a recount would give, sorted (for checks and tests)."""
    month = month_of(session, "service_date")
    return _ints(
        session,
        f"SELECT institution_id, item_id, {month} AS month,"
        " COUNT(*), SUM(units), SUM(purchasable)"
        " FROM service_records WHERE year = :year GROUP BY institution_id, item_id, month"
        " ORDER BY institution_id, item_id, month",
        year,
    )


def stored_totals(session: Session, year: int) -> list[Row]:
    """The running unit totals of a year, sorted like counted_from_records."""
    return _ints(
        session,
        "SELECT institution_id, item_id, month, records, gross, purchasable FROM unit_totals"
        " WHERE year = :year AND records > 0 ORDER BY institution_id, item_id, month",
        year,
    )


def counted_staff(session: Session, year: int) -> list[Row]:
    """The staff totals a recount would give, sorted (for checks and tests)."""
    return _ints(session, f"{_BY_STAFF} ORDER BY institution_id, staff_id", year)


def stored_staff(session: Session, year: int) -> list[Row]:
    """The running staff totals of a year, sorted like counted_staff."""
    return _ints(
        session,
        f"SELECT {_STAFF_COLUMNS} FROM staff_totals"
        " WHERE year = :year AND records > 0 ORDER BY institution_id, staff_id",
        year,
    )


def _ints(session: Session, sql: str, year: int) -> list[Row]:
    return [tuple(int(v) for v in row) for row in session.execute(text(sql), {"year": year})]
