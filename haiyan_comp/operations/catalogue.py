"""Use cases of the catalogue: loading a year's catalogue, and valuing its records anew (R1–R3).

Replacing a catalogue crosses three domains: the catalogue plans the change,
the stored records and the audit batches say what it may not do (leave out an
item records use, cap an item whose records name no resident, revalue an
audited item), and the records of changed items are valued anew with their
caps and running totals.
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy.orm import Session

from haiyan_comp import clock
from haiyan_comp.audit.services import audited_items
from haiyan_comp.catalogue import queries, services
from haiyan_comp.catalogue.messages import (
    CAP_WITHOUT_RESIDENTS,
    ITEM_BATCHES,
    ITEM_RECORDS,
    ITEMS_AUDITED,
    ITEMS_IN_USE,
)
from haiyan_comp.catalogue.queries import YearCatalogue
from haiyan_comp.catalogue.rules import CatalogueItem
from haiyan_comp.catalogue.services import CatalogueChange, CataloguePlan
from haiyan_comp.db import db
from haiyan_comp.errors import Conflict
from haiyan_comp.operations import operation, reading
from haiyan_comp.records import usage


@operation
def load_catalogue(
    stream: BinaryIO, filename: str, year: int, sheet: str | None = None
) -> CatalogueChange:
    """Load or replace the catalogue of an open year from CSV, .xlsx or YAML; all or nothing."""
    return change_catalogue(db.session, stream, filename, year, sheet)


def change_catalogue(
    session: Session, stream: BinaryIO, filename: str, year: int, sheet: str | None = None
) -> CatalogueChange:
    """The catalogue change, in the caller's unit of work (an operation's, or a test's)."""
    items = services.read_valid_catalogue(stream, filename, sheet)
    return replace_catalogue(session, items, year)


def copy_catalogue(session: Session, source: int, year: int) -> CatalogueChange:
    """Give open `year` the catalogue of `source` (year to year), with a load's checks."""
    return replace_catalogue(session, services.year_items(session, source), year)


def replace_catalogue(session: Session, items: list[CatalogueItem], year: int) -> CatalogueChange:
    """Replace the catalogue of open `year` by `items`, refusing what stored records forbid."""
    plan = services.plan_change(session, items, year)
    _refuse_removing_used(session, plan)
    _refuse_new_caps_without_residents(session, plan)
    _refuse_revaluing_audited(session, plan)
    change = services.apply_change(session, plan)
    if plan.revalued:
        ids = [item.id for item in plan.revalued]
        change.records_revalued = usage.revalue_items(session, year, ids)
    return change


def _refuse_removing_used(session: Session, plan: CataloguePlan) -> None:
    counts = usage.item_record_counts(session, [item.id for item in plan.removed])
    used = [
        ITEM_RECORDS(code=item.code, count=counts[item.id])
        for item in plan.removed
        if item.id in counts
    ]
    if used:
        raise Conflict(ITEMS_IN_USE(year=plan.year, used=used), details={"used": used})


def _refuse_new_caps_without_residents(session: Session, plan: CataloguePlan) -> None:
    for item in plan.newly_capped:
        missing = usage.records_without_resident(session, item.id)
        if missing:
            raise Conflict(CAP_WITHOUT_RESIDENTS(code=item.code, missing=missing))


def _refuse_revaluing_audited(session: Session, plan: CataloguePlan) -> None:
    """A drawn batch froze its population's units; a new value would make V = S − D wrong."""
    if not plan.revalued:
        return
    audited = audited_items(session, [item.id for item in plan.revalued])
    if audited:
        codes = {item.id: item.code for item in plan.revalued}
        named = [ITEM_BATCHES(code=codes[i], count=n) for i, n in sorted(audited.items())]
        raise Conflict(ITEMS_AUDITED(year=plan.year, audited=named))


@reading
def year_catalogue(year: int | None) -> YearCatalogue:
    """The catalogue page: a year's items (the latest year's when None) against the year before."""
    if year is None:
        years = queries.catalogue_years(db.session)
        year = years[0] if years else clock.today().year
    return queries.year_catalogue(db.session, year)
