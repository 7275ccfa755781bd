"""GET /api/v1/units: R4, R8, R9 per institution and item (as `haiyan units --json`)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from haiyan_comp.api.schemas import Decimal2, YearInstitutionQuery
from haiyan_comp.operations.units import year_units
from haiyan_comp.web.access import allow, own_code

blp = Blueprint("api_units", __name__, url_prefix="/units", description="Accumulated units")


class UnitsQuery(YearInstitutionQuery):
    pass


class ItemUnits(Schema):
    code = fields.String(required=True)
    name = fields.String()
    category = fields.String()
    records = fields.Integer()
    gross = Decimal2(required=True)
    over_spec = Decimal2(required=True)
    purchasable = Decimal2(required=True)
    deducted = Decimal2(required=True)
    verified = Decimal2(required=True)


class InstitutionUnits(Schema):
    code = fields.String(required=True)
    name = fields.String()
    records = fields.Integer()
    gross = Decimal2(required=True)
    over_spec = Decimal2(required=True)
    purchasable = Decimal2(required=True)
    deducted = Decimal2(required=True)
    verified_basic_medical = Decimal2(required=True)
    verified_public_health = Decimal2(required=True)
    purchased_basic_medical = Decimal2(required=True)
    purchased = Decimal2(required=True)
    items = fields.List(fields.Nested(ItemUnits), required=True)


class YearUnitsSchema(Schema):
    year = fields.Integer(required=True)
    institutions = fields.List(fields.Nested(InstitutionUnits), required=True)


@blp.route("")
@blp.arguments(UnitsQuery, location="query")
@blp.response(200, YearUnitsSchema)
@allow("finance", "auditor", "centre", "platform")
def units(query: dict[str, Any]) -> dict[str, Any]:
    """Units of a year per institution and item; a centre sees its own institution only."""
    code = own_code(query["institution"])
    document: dict[str, Any] = year_units(query["year"], code).to_json()
    return document
