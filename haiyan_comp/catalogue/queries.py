"""The catalogue of a year as people read it, and what changed since the year before (R1)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem

NEW, CHANGED, SAME = "new", "changed", "same"


@dataclass(frozen=True)
class CatalogueEntry:
    """One item of a year's catalogue; value in hundredths of a unit; what the year before had."""

    code: str
    name: str
    category: str
    unit: str
    value: int
    cap: int | None
    spec: str
    data_rule: str
    source: str
    change: str  # new | changed | same (against the year before; same when there is none)
    previous_value: int | None
    previous_cap: int | None

    @property
    def value_changed(self) -> bool:
        return self.change == CHANGED and self.previous_value != self.value

    @property
    def cap_changed(self) -> bool:
        return self.change == CHANGED and self.previous_cap != self.cap


@dataclass(frozen=True)
class RemovedItem:
    """An item of the year before that the year's catalogue no longer has."""

    code: str
    name: str
    value: int
    cap: int | None


@dataclass(frozen=True)
class YearCatalogue:
    """A year's catalogue in its order, and against the previous year's (None: none loaded)."""

    year: int
    years: tuple[int, ...]  # every year with a catalogue, newest first
    entries: tuple[CatalogueEntry, ...]
    previous_year: int | None
    removed: tuple[RemovedItem, ...]

    def count(self, change: str) -> int:
        """How many items are new, changed or the same."""
        return sum(1 for e in self.entries if e.change == change)


def catalogue_years(session: Session) -> list[int]:
    """Every year with a catalogue, newest first."""
    query = select(ServiceItem.year).distinct().order_by(ServiceItem.year.desc())
    return [int(year) for year in session.scalars(query)]


def year_catalogue(session: Session, year: int) -> YearCatalogue:
    """The catalogue of `year` item by item, each compared with the year before's."""
    years = catalogue_years(session)
    rows = session.execute(
        select(ServiceItem)
        .where(ServiceItem.year.in_([year, year - 1]))
        .order_by(ServiceItem.year, ServiceItem.position, ServiceItem.code)
    ).scalars()
    this: list[ServiceItem] = []
    before: dict[str, ServiceItem] = {}
    for item in rows:
        if item.year == year:
            this.append(item)
        else:
            before[item.code] = item
    compared = bool(before)
    entries = tuple(_entry(item, before.get(item.code), compared) for item in this)
    codes = {item.code for item in this}
    removed = tuple(
        RemovedItem(old.code, old.name, old.value, old.cap)
        for old in before.values()
        if old.code not in codes
    )
    return YearCatalogue(year, tuple(years), entries, year - 1 if compared else None, removed)


def _entry(item: ServiceItem, old: ServiceItem | None, compared: bool) -> CatalogueEntry:
    if not compared:
        change = SAME
    elif old is None:
        change = NEW
    elif (old.value, old.cap) != (item.value, item.cap):
        change = CHANGED
    else:
        change = SAME
    return CatalogueEntry(
        item.code, item.name, item.category, item.unit, item.value, item.cap,
        item.spec, item.data_rule, item.source, change,
        None if old is None else old.value, None if old is None else old.cap,
    )  # fmt: skip
