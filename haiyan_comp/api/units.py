"""GET /api/v1/units: R4, R8, R9 per institution and item (as `haiyan units --json`)."""

from __future__ import annotations

from typing import Any

from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.api.schemas import YearInstitutionQuery
from haiyan_comp.api.schemas_finance import YearUnitsSchema
from haiyan_comp.operations.units import YearUnits, year_units
from haiyan_comp.web.access import allow, own_code

blp = Blueprint("api_units", __name__, url_prefix="/units", description="Accumulated units")


class UnitsQuery(YearInstitutionQuery):
    pass


@blp.route("")
@blp.arguments(UnitsQuery, location="query")
@blp.response(200, YearUnitsSchema)
@allow("finance", "auditor", "centre", "platform")
def units(query: dict[str, Any]) -> YearUnits:
    """Units of a year per institution and item; a centre sees its own institution only."""
    code = own_code(query["institution"])
    return year_units(query["year"], code)  # dumped by YearUnitsSchema
