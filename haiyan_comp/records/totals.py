"""Running unit totals per institution, item and month (R4), kept in step with records.

Every write to service_records adds its effect here in the same transaction:
an import adds the rows it inserted, the cap (R3) adds the purchasable deltas
it wrote. `recount_totals` rebuilds a year from the records themselves; it is
what a catalogue change uses, and what tests compare the running totals with.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import repeat
from operator import getitem

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from haiyan_comp.records.models import UnitTotal
from haiyan_comp.records.rules import ValidRows

_COLUMNS = "institution_id, item_id, month, year, records, gross, purchasable"

_MONTH = slice(5, 7)  # of an ISO date


class Tally:
    """Rows about to be added to unit_totals, counted by institution, item and month."""

    def __init__(self) -> None:
        # (institution_id, item_id, "MM", units) → rows: counted by Counter in C,
        # across every chunk, and folded into months only once at the end.
        self._rows: Counter[tuple[int, int, str, int]] = Counter()
        self._sums: defaultdict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])

    def add_rows(self, rows: ValidRows) -> None:
        """Count rows that were inserted (purchasable equals units until R3 runs)."""
        months: Iterator[str] = map(getitem, rows.column("service_date"), repeat(_MONTH))
        self._rows.update(
            zip(
                rows.column("institution_id"), rows.column("item_id"), months,
                rows.column("units"), strict=True,
            )
        )  # fmt: skip

    def add(self, institution_id: int, item_id: int, month: int, records: int, units: int) -> None:
        """Count rows already summed (by SQL)."""
        entry = self._sums[(institution_id, item_id, month)]
        entry[0] += records
        entry[1] += units

    def by_month(self) -> dict[tuple[int, int, int], list[int]]:
        """(institution_id, item_id, month) → [records, units]."""
        months = defaultdict(lambda: [0, 0], self._sums)
        for (institution_id, item_id, month, units), count in self._rows.items():
            entry = months[(institution_id, item_id, int(month))]
            entry[0] += count
            entry[1] += count * units
        return dict(months)


def add_tally(session: Session, tally: Tally, year_of_item: dict[int, int]) -> None:
    """Add a tally to unit_totals."""
    months = tally.by_month()
    if not months:
        return
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
            {
                "inst": inst,
                "item": item,
                "month": month,
                "year": year_of_item[item],
                "count": c,
                "units": u,
            }
            for (inst, item, month), (c, u) in months.items()
        ],
    )


def month_of(session: Session, column: str) -> str:
    """SQL for the month (1–12) of a date column, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
    return f"CAST(substr({column}, 6, 2) AS INTEGER)"


def recount_totals(session: Session, year: int) -> None:
    """Rebuild a year's totals from its records."""
    session.execute(delete(UnitTotal).where(UnitTotal.year == year))
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


def counted_from_records(session: Session, year: int) -> list[tuple[int, int, int, int, int, int]]:
    """The totals a recount would give, sorted (for checks and tests)."""
    month = month_of(session, "service_date")
    rows = session.execute(
        text(
            f"SELECT institution_id, item_id, {month} AS month,"
            " COUNT(*), SUM(units), SUM(purchasable)"
            " FROM service_records WHERE year = :year GROUP BY institution_id, item_id, month"
            " ORDER BY institution_id, item_id, month"
        ),
        {"year": year},
    )
    return [tuple(int(v) for v in row) for row in rows]  # type: ignore[misc]


def stored_totals(session: Session, year: int) -> list[tuple[int, int, int, int, int, int]]:
    """The running totals of a year, sorted like counted_from_records."""
    rows = session.execute(
        text(
            "SELECT institution_id, item_id, month, records, gross, purchasable FROM unit_totals"
            " WHERE year = :year AND records > 0 ORDER BY institution_id, item_id, month"
        ),
        {"year": year},
    )
    return [tuple(int(v) for v in row) for row in rows]  # type: ignore[misc]
