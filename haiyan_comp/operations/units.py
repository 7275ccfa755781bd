"""A year's units per institution and item, with R9's purchased units."""

from __future__ import annotations

from dataclasses import dataclass

from haiyan_comp.budget.queries import config_view
from haiyan_comp.db import db
from haiyan_comp.operations import reading
from haiyan_comp.settlement.queries import purchased_units
from haiyan_comp.settlement.rules import entitlement
from haiyan_comp.units.rules import InstitutionUnits
from haiyan_comp.units.services import YearUnits

__all__ = ["InstitutionUnits", "InstitutionYear", "YearUnits", "institution_year", "year_units"]


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
    return InstitutionYear(this[0] if this else None, last[0] if last else None, price, value)
