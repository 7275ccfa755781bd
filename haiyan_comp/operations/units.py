"""A year's units per institution and item, with R9's purchased units."""

from __future__ import annotations

from haiyan_comp.db import db
from haiyan_comp.operations import reading
from haiyan_comp.settlement.queries import purchased_units
from haiyan_comp.units.services import YearUnits

__all__ = ["YearUnits", "year_units"]


@reading
def year_units(year: int, institution: str | None = None) -> YearUnits:
    """`haiyan units`, GET /api/v1/units and the pages' units: R4, R8 and R9's cap applied."""
    return purchased_units(db.session, year, institution)
