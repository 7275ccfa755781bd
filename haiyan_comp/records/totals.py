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

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from haiyan_comp.records.day_totals import recount_days
from haiyan_comp.records.models import StaffTotal, UnitTotal
from haiyan_comp.records.rules import ValidRows

_COLUMNS = "institution_id, item_id, month, year, records, gross, purchasable"
_STAFF_COLUMNS = "year, institution_id, staff_id, records, purchasable"

Sums = dict[tuple[int, int, int], list[int]]  # a key of three ids → [records, units]


class _Months(dict[str, int]):
    """An ISO date's month number, worked out once per day and then looked up:
    a lookup gives back the same small int, where slicing made a new string
    for every row, to be hashed again."""

    def __missing__(self, day: str) -> int:
        month = self[day] = int(day[5:7])
        return month


_Key = tuple[int, int, int, int]  # three ids and a row's units


class Tally:
    """Rows about to be added to the totals: by institution, item and month, and by staff member.

    Each is a Counter of rows by (institution_id, item_id, month, units) and
    by (year, institution_id, staff_id, units), counted in C and folded once
    at the end (a row's units are the same for every row of one key); two
    small Counters cost less than one keyed by both, whose keys no longer
    fit the caches. A chunk is counted when it is read, before it is
    written: the rows of a chunk the database did not take whole are counted
    out again into two more Counters (and what it did take is summed by SQL,
    `add`), so that no Counter is ever merged into another by a Python loop.
    At 1,000,000 rows it counts in about 0.52 s, where slicing each row's
    month from its date took 0.64–0.72 s, and merging each chunk's Counters
    into the running ones cost the PostgreSQL import's writing thread about
    1 s more.

    The reading thread alone calls `count`, the writing thread alone
    `uncount` and `add`, and `folded` is called once both are done.
    """

    def __init__(self, year_of_item: dict[int, int]) -> None:
        self.year_of_item = year_of_item
        self._in: tuple[Counter[_Key], Counter[_Key]] = (Counter(), Counter())
        self._out: tuple[Counter[_Key], Counter[_Key]] = (Counter(), Counter())
        self._months = _Months()
        self._sums: defaultdict[tuple[int, int, int, int], list[int]] = defaultdict(lambda: [0, 0])

    def count(self, rows: ValidRows) -> None:
        """Count a chunk's rows in, as if all of them will be inserted."""
        self._add_keys(self._in, rows)

    def uncount(self, rows: ValidRows) -> None:
        """Count a chunk's rows out again: not all of them were inserted."""
        self._add_keys(self._out, rows)

    def _add_keys(self, counters: tuple[Counter[_Key], Counter[_Key]], rows: ValidRows) -> None:
        by_item, by_staff = counters
        institutions, units = rows.column("institution_id"), rows.column("units")
        months = map(self._months.__getitem__, rows.column("service_date"))
        by_item.update(zip(institutions, rows.column("item_id"), months, units, strict=True))
        by_staff.update(
            zip(rows.column("year"), institutions, rows.column("staff_id"), units, strict=True)
        )

    def _net(self, which: int) -> Iterator[tuple[_Key, int]]:
        """Each key of one Counter with the rows of it inserted, where there are any."""
        out = self._out[which].get
        for key, count in self._in[which].items():
            if count := count - out(key, 0):
                yield key, count

    def add(
        self, institution_id: int, item_id: int, staff_id: int, month: int, records: int, units: int
    ) -> None:
        """Count rows already summed (by SQL)."""
        entry = self._sums[(institution_id, item_id, staff_id, month)]
        entry[0] += records
        entry[1] += units

    def years(self) -> set[int]:
        """The years of the rows counted."""
        years = {year for (year, *_), _ in self._net(1)}
        return years | {self.year_of_item[item] for _, item, *_ in self._sums}

    def folded(self) -> tuple[Sums, Sums]:
        """(institution, item, month) → [records, units] and (year, institution, staff) → same."""
        months: defaultdict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
        staff: defaultdict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
        for (inst, item, month, units), count in self._net(0):
            _add(months[(inst, item, month)], count, count * units)
        for (year, inst, member, units), count in self._net(1):
            _add(staff[(year, inst, member)], count, count * units)
        for (inst, item, member, number), (records, units) in self._sums.items():
            _add(months[(inst, item, number)], records, units)
            _add(staff[(self.year_of_item[item], inst, member)], records, units)
        # A key whose rows were counted in and out again (a keyless load's repeats,
        # services.py) changes nothing: it is not written.
        return _changed(months), _changed(staff)


def _changed(sums: dict[tuple[int, int, int], list[int]]) -> Sums:
    return {key: entry for key, entry in sums.items() if entry[0]}


def _add(entry: list[int], records: int, units: int) -> None:
    entry[0] += records
    entry[1] += units


def add_tally(session: Session, tally: Tally) -> None:
    """Add a tally to unit_totals and staff_totals."""
    months, staff = tally.folded()
    year_of_item = tally.year_of_item
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
