"""Loading the demo county through the same services (and checks) as real files.

Flushes and never commits: operations/demo.py owns the unit of work and loads
the institutions, staff and catalogue first (the catalogue's load is an
operation's workflow); `load_year` writes and imports a year of records and
configures the year.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, TextIO

from sqlalchemy.orm import Session

import haiyan_comp
from haiyan_comp.budget.models import YearConfig
from haiyan_comp.budget.services import ConfigInput, configure_year
from haiyan_comp.catalogue.services import CatalogueChange
from haiyan_comp.demo.generate import (
    DEMO_INSTITUTIONS,
    Staff,
    demo_items_from_yaml,
    write_bad_rows,
    write_records,
)
from haiyan_comp.demo.messages import CATALOGUE_MISSING, DEMO_CLASH, DEMO_CLASH_AT
from haiyan_comp.errors import Conflict, NotFound
from haiyan_comp.institutions.services import LoadResult
from haiyan_comp.records.services import ImportReport, import_records
from haiyan_comp.tabular import csv_writer
from haiyan_comp.units.services import year_units

CATALOGUE_PATH = Path(haiyan_comp.__file__).parent.parent / "catalog" / "haiyan-2018.yaml"


class DemoConflict(Conflict):
    """The demo's records clash with stored ones (another --seed): nothing is loaded."""

    code = "demo_conflict"

    def __init__(self, year: int, seed: int, report: ImportReport) -> None:
        first = report.rejected[0] if report.rejected else None
        super().__init__(
            DEMO_CLASH(
                rejected=report.rejected_count,
                rows=report.rows,
                year=year,
                first=DEMO_CLASH_AT(line=first.line, reason=first.reasons[0]) if first else "",
            ),
            details={
                "year": year,
                "seed": seed,
                "rows": report.rows,
                "rejected_count": report.rejected_count,
                "rejected": [
                    {"line": r.line, "source_id": r.source_id, "reasons": r.reasons}
                    for r in report.rejected[:10]
                ],
            },
        )


@dataclass(frozen=True)
class DemoReport:
    """What `haiyan demo` loaded, for the summary it prints."""

    year: int
    seed: int
    institutions: LoadResult
    institution_count: int
    staff: LoadResult
    staff_count: int
    catalogue: CatalogueChange
    item_count: int
    records_file: Path
    records: ImportReport
    bad_rows_file: Path
    bad_rows: int
    gross: int
    over_spec: int
    years: tuple[YearSummary, ...] = ()  # the earlier years, with --since
    settled: bool = False  # the year was settled already: nothing was loaded into it


@dataclass(frozen=True)
class YearSummary:
    """An earlier year of the demo county, as `haiyan demo` reports it."""

    year: int
    records: int  # imported by this run (0: the year was there already)
    gross: int
    final: int  # the settled total (fen)
    batches: int
    deducted: int


def demo_catalogue() -> BinaryIO:
    """The demo's catalogue file, open, or NotFound outside a checkout of the project."""
    if not CATALOGUE_PATH.is_file():
        raise NotFound(CATALOGUE_MISSING(path=str(CATALOGUE_PATH)))
    return CATALOGUE_PATH.open("rb")


def institutions_csv() -> io.BytesIO:
    """The nine institutions as the CSV an institutions load reads."""
    return _csv_bytes(("code", "name"), DEMO_INSTITUTIONS)


def staff_csv(staff: Sequence[Staff]) -> io.BytesIO:
    """The staff as the CSV a staff load reads."""
    return _csv_bytes(("code", "institution_code", "name"), staff)


@dataclass(frozen=True)
class DemoPeople:
    """What loading the institutions, staff and catalogue did."""

    institutions: LoadResult
    staff: LoadResult
    staff_count: int
    catalogue: CatalogueChange


def load_year(
    session: Session,
    folder: Path,
    people: DemoPeople,
    staff: Sequence[Staff],
    *,
    year: int,
    records: int,
    seed: int,
    chunk_rows: int,
    activity: Mapping[str, float] | None = None,
    configure: bool = True,
) -> DemoReport:
    """Write and import `records` records of `year`, write the bad rows, configure the year.

    Idempotent: loading again with the same seed changes nothing (more records
    add to the fewer ones). A record that clashes with a stored one refuses it all.
    `configure` False leaves the configuration to the caller (the demo's years copy it).
    """
    items = demo_items_from_yaml(CATALOGUE_PATH)
    records_file, report = import_year(
        session, folder, staff, year=year, records=records, seed=seed, chunk_rows=chunk_rows,
        activity=activity,
    )  # fmt: skip
    bad_rows_file = folder / f"bad-rows-{year}.csv"
    bad_rows = _write_atomically(
        bad_rows_file, lambda out: write_bad_rows(out, year=year, staff=staff, items=items)
    )
    units = year_units(session, year)
    every_item = [item for inst in units.institutions for item in inst.items]
    if configure:
        _configure(session, year, sum(item.purchasable for item in every_item))
    return DemoReport(
        year=year,
        seed=seed,
        institutions=people.institutions,
        institution_count=len(DEMO_INSTITUTIONS),
        staff=people.staff,
        staff_count=people.staff_count,
        catalogue=people.catalogue,
        item_count=len(items),
        records_file=records_file,
        records=report,
        bad_rows_file=bad_rows_file,
        bad_rows=bad_rows,
        gross=sum(item.gross for item in every_item),
        over_spec=sum(item.over_spec for item in every_item),
    )


def settled_report(
    session: Session, folder: Path, people: DemoPeople, year: int, seed: int
) -> DemoReport:
    """The report of a demo year settled since it was loaded: nothing more is loaded into it."""
    units = year_units(session, year)
    every_item = [item for inst in units.institutions for item in inst.items]
    records_file = folder / f"records-{year}.csv"
    return DemoReport(
        year=year,
        seed=seed,
        institutions=people.institutions,
        institution_count=len(DEMO_INSTITUTIONS),
        staff=people.staff,
        staff_count=people.staff_count,
        catalogue=people.catalogue,
        item_count=people.catalogue.unchanged + len(people.catalogue.added),
        records_file=records_file,
        records=ImportReport(records_file.name, "csv", strict=False),
        bad_rows_file=folder / f"bad-rows-{year}.csv",
        bad_rows=0,
        gross=sum(item.gross for item in every_item),
        over_spec=sum(item.over_spec for item in every_item),
        settled=True,
    )


def import_year(
    session: Session,
    folder: Path,
    staff: Sequence[Staff],
    *,
    year: int,
    records: int,
    seed: int,
    chunk_rows: int,
    activity: Mapping[str, float] | None = None,
) -> tuple[Path, ImportReport]:
    """Write `records` records of `year` to `folder` and import them; DemoConflict on a clash."""
    items = demo_items_from_yaml(CATALOGUE_PATH)
    folder.mkdir(parents=True, exist_ok=True)
    records_file = folder / f"records-{year}.csv"
    _write_atomically(
        records_file,
        lambda out: write_records(
            out, year=year, records=records, seed=seed, items=items, staff=staff, activity=activity
        ),
    )
    with records_file.open("rb") as stream:
        report = import_records(
            session,
            stream,
            records_file.name,
            as_of=date(year + 1, 1, 15),
            imported_by="demo",
            chunk_rows=chunk_rows,
        )
    if report.rejected_count:
        raise DemoConflict(year, seed, report)
    return records_file, report


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> io.BytesIO:
    text = io.StringIO(newline="")
    writer = csv_writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(text.getvalue().encode("utf-8"))


def _write_atomically(path: Path, write: Callable[[TextIO], int]) -> int:
    """Write through a temporary file, so a reader never sees half a file."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        count = write(out)
    os.replace(partial, path)
    return count


HAIYAN_UNIT_PRICE = 1000  # 10.00 yuan per unit, in fen (the county's documented price)
HAIYAN_RISK_FUND = 500_000_000  # the reform risk fund of 5,000,000 yuan, in fen


def _configure(session: Session, year: int, purchasable: int) -> None:
    """Configure the demo year once: Haiyan's price and risk fund, a budget just above need."""
    if session.get(YearConfig, year) is not None:
        return
    needed = purchasable * HAIYAN_UNIT_PRICE // 100
    budget = -(-needed // 1_000_000) * 1_000_000  # rounded up to 10,000 yuan
    configure_year(
        session,
        year,
        ConfigInput(
            budget=budget, unit_price=HAIYAN_UNIT_PRICE, growth_cap=1000,
            risk_fund=HAIYAN_RISK_FUND, prepay_ratio=8000, instalments=4,
        ),
        "demo",
    )  # fmt: skip
