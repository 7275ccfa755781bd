"""A year's units per institution and item, with R9's purchased units."""

from __future__ import annotations

from dataclasses import dataclass

from haiyan_comp.budget.queries import config_view
from haiyan_comp.db import db
from haiyan_comp.operations import reading
from haiyan_comp.records.queries import monthly_gross
from haiyan_comp.settlement.queries import DataVersion, institution_version, purchased_units
from haiyan_comp.settlement.rules import entitlement
from haiyan_comp.units.rules import InstitutionUnits
from haiyan_comp.units.services import YearUnits

__all__ = [
    "DataVersion",
    "InstitutionUnits",
    "InstitutionYear",
    "YearUnits",
    "dashboard_version",
    "institution_year",
    "monthly_units",
    "year_units",
]


@reading
def year_units(year: int, institution: str | None = None) -> YearUnits:
    """`haiyan units`, GET /api/v1/units and the pages' units: R4, R8 and R9's cap applied."""
    return purchased_units(db.session, year, institution)


@dataclass(frozen=True)
class InstitutionYear:
    """An institution's units of a year and of the year before, and what they are worth."""

    this: InstitutionUnits | None
    last: InstitutionUnits | None
    price: int | None  # the year's fixed unit price, fen per unit; None when floating
    value: int | None  # R10's entitlement A = round(P × p) at that price
    price_mode: str | None = None  # "fixed" or "floating"; None when the year is not configured


@reading
def institution_year(year: int, institution: str) -> InstitutionYear:
    """The centre's dashboard figures of `institution` for `year` (R4, R8, R9, R10)."""
    session = db.session
    this = purchased_units(session, year, institution).institutions
    last = purchased_units(session, year - 1, institution).institutions
    config = config_view(session, year)
    price = config.unit_price if config is not None and config.price_mode == "fixed" else None
    value = None
    if price is not None and this:
        value = entitlement(this[0].purchased, price)
    return InstitutionYear(
        this[0] if this else None,
        last[0] if last else None,
        price,
        value,
        None if config is None else config.price_mode,
    )


@reading
def dashboard_version(institution_id: int) -> DataVersion:
    """The years an institution has records in, and the version of its dashboard's figures."""
    return institution_version(db.session, institution_id)


@reading
def monthly_units(institution_id: int, year: int) -> list[int]:
    """The institution's gross units of each month of `year` (the dashboard's chart)."""
    return monthly_gross(db.session, institution_id, year)
