"""/api/v1/years/<year>/…: assessments (R16), the efficiency bonus (R17, R18), pay sheets (R19)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from haiyan_comp import bounds
from haiyan_comp.api.schemas import Amount, Decimal2, InstitutionQuery, actor
from haiyan_comp.bonus.services import (
    choose_bonus_pool,
    pay_sheet,
    record_pay_sheet,
    recorded_performance_pay,
    set_assessment,
    year_bonus,
)
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.web.access import allow, own_code

blp = Blueprint("api_bonus", __name__, url_prefix="/years", description="Assessment and bonus")


class AssessmentInput(Schema):
    score = Amount(
        load_default=None,
        allow_none=True,
        what="score",
        bound=bounds.SCORE,
        metadata={"description": "0.00–1000.00; null: the sum of the loaded indicators."},
    )
    surplus = Amount(required=True, signed=True, what="surplus")


class AssessmentSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True)
    score = Decimal2(required=True)
    surplus = Decimal2(required=True)


@blp.route("/<year:year>/assessments/<institution>", methods=["PUT"])
@blp.arguments(AssessmentInput)
@blp.response(200, AssessmentSchema)
@allow("finance")
def put_assessment(entered: dict[str, Any], year: int, institution: str) -> dict[str, Any]:
    """Record an institution's score and surplus for a settled year (`haiyan assess set`)."""
    with db.unit_of_work():
        row = set_assessment(
            db.session,
            year,
            institution,
            score=entered["score"],
            surplus=entered["surplus"],
            by=actor(),
        )
        document = {
            "year": year,
            "institution": institution,
            "score": fmt(row.score),
            "surplus": fmt(row.surplus),
        }
    return document


class StaffShare(Schema):
    code = fields.String(required=True)
    weight = Decimal2(required=True)
    amount = Decimal2(required=True)


class InstitutionBonusSchema(Schema):
    code = fields.String(required=True)
    score = Decimal2(required=True, allow_none=True)
    surplus = Decimal2(required=True, allow_none=True)
    qualifies = fields.Boolean(required=True)
    cap = Decimal2(required=True)
    pool = Decimal2(required=True)
    note = fields.String(required=True, allow_none=True)
    staff = fields.List(fields.Nested(StaffShare), required=True)


class BonusSchema(Schema):
    year = fields.Integer(required=True)
    institutions = fields.List(fields.Nested(InstitutionBonusSchema), required=True)


@blp.route("/<year:year>/bonus", methods=["GET"])
@blp.arguments(InstitutionQuery, location="query")
@blp.response(200, BonusSchema)
@allow("finance", "centre")
def bonus(query: dict[str, Any], year: int) -> dict[str, Any]:
    """Cap, pool and every staff member's share (`haiyan bonus --json`); a centre sees its own."""
    code = own_code(query["institution"])
    result = year_bonus(db.session, year, code)
    return {"year": year, "institutions": [b.to_json() for b in result]}


class PoolInput(Schema):
    amount = Amount(required=True, what="amount")


class PoolSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True)
    pool = Decimal2(required=True)


@blp.route("/<year:year>/bonus/<institution>/pool", methods=["PUT"])
@blp.arguments(PoolInput)
@blp.response(200, PoolSchema)
@allow("centre")
def put_pool(entered: dict[str, Any], year: int, institution: str) -> dict[str, Any]:
    """A centre lowers its own bonus pool; never above the cap (R17)."""
    with db.unit_of_work():
        pool = choose_bonus_pool(db.session, year, institution, entered["amount"], actor())
    return {"year": year, "institution": institution, "pool": fmt(pool)}


class PaySheetInput(Schema):
    performance_pay = Amount(required=True, what="performance pay")


class PaySheetLine(Schema):
    code = fields.String(required=True)
    incentive = Decimal2(required=True)
    efficiency_bonus = Decimal2(required=True)


class PaySheetSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True)
    performance_pay = Decimal2(required=True)
    basic = Decimal2(required=True)
    incentive = Decimal2(required=True)
    efficiency_bonus = Decimal2(required=True)
    staff = fields.List(fields.Nested(PaySheetLine), required=True)


@blp.route("/<year:year>/paysheets/<institution>", methods=["POST"])
@blp.arguments(PaySheetInput)
@blp.response(200, PaySheetSchema)
@allow("centre")
def post_paysheet(entered: dict[str, Any], year: int, institution: str) -> dict[str, Any]:
    """A centre enters its pay sheet: performance pay split 4 : 6, the bonus apart (R19).

    The latest entry is the one the staff's bonus slips are printed from.
    """
    with db.unit_of_work():
        result = record_pay_sheet(
            db.session, year, institution, entered["performance_pay"], actor()
        )
        document: dict[str, Any] = result.to_json()
    return document


@blp.route("/<year:year>/paysheets/<institution>", methods=["GET"])
@blp.response(200, PaySheetSchema)
@allow("finance", "centre")
def get_paysheet(year: int, institution: str) -> dict[str, Any]:
    """The pay sheet the centre entered last (`haiyan paysheet --json` of its total)."""
    total = recorded_performance_pay(db.session, year, institution)
    if total is None:
        raise NotFound(f"{institution} has not entered its {year} pay sheet")
    document: dict[str, Any] = pay_sheet(db.session, year, institution, total).to_json()
    return document
