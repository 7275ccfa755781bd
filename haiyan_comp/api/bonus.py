"""/api/v1/years/<year>/…: assessments (R16), the efficiency bonus (R17, R18), pay sheets (R19).

The shapes are in api/schemas_bonus.py (the same as `haiyan bonus|paysheet --json`).
"""

from __future__ import annotations

from typing import Any

from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.api.schemas import InstitutionQuery, actor
from haiyan_comp.api.schemas_bonus import (
    AssessmentInput,
    AssessmentSchema,
    BonusSchema,
    PaySheetInput,
    PaySheetSchema,
    PoolInput,
    PoolSchema,
)
from haiyan_comp.bonus.queries import PaySheetResult
from haiyan_comp.operations import bonus as operations
from haiyan_comp.web.access import allow, own_code

blp = Blueprint("api_bonus", __name__, url_prefix="/years", description="Assessment and bonus")


@blp.route("/<year:year>/assessments/<institution>", methods=["PUT"])
@blp.arguments(AssessmentInput)
@blp.response(200, AssessmentSchema)
@allow("finance")
def put_assessment(entered: dict[str, Any], year: int, institution: str) -> dict[str, Any]:
    """Record an institution's score and surplus for a settled year (`haiyan assess set`)."""
    row = operations.set_assessment(
        year, institution, score=entered["score"], surplus=entered["surplus"], by=actor()
    )
    return {"year": year, "institution": institution, "score": row.score, "surplus": row.surplus}


@blp.route("/<year:year>/bonus", methods=["GET"])
@blp.arguments(InstitutionQuery, location="query")
@blp.response(200, BonusSchema)
@allow("finance", "centre")
def bonus(query: dict[str, Any], year: int) -> dict[str, Any]:
    """Cap, pool and every staff member's share (`haiyan bonus --json`); a centre sees its own."""
    code = own_code(query["institution"])
    return {"year": year, "institutions": operations.year_bonus(year, code)}


@blp.route("/<year:year>/bonus/<institution>/pool", methods=["PUT"])
@blp.arguments(PoolInput)
@blp.response(200, PoolSchema)
@allow("centre")
def put_pool(entered: dict[str, Any], year: int, institution: str) -> dict[str, Any]:
    """A centre lowers its own bonus pool; never above the cap (R17)."""
    pool = operations.choose_pool(year, institution, entered["amount"], actor())
    return {"year": year, "institution": institution, "pool": pool}


@blp.route("/<year:year>/paysheets/<institution>", methods=["POST"])
@blp.arguments(PaySheetInput)
@blp.response(200, PaySheetSchema)
@allow("centre")
def post_paysheet(entered: dict[str, Any], year: int, institution: str) -> PaySheetResult:
    """A centre enters its pay sheet: performance pay split 4 : 6, the bonus apart (R19).

    The latest entry is the one the staff's bonus slips are printed from.
    """
    return operations.record_pay_sheet(year, institution, entered["performance_pay"], actor())


@blp.route("/<year:year>/paysheets/<institution>", methods=["GET"])
@blp.response(200, PaySheetSchema)
@allow("finance", "centre")
def get_paysheet(year: int, institution: str) -> PaySheetResult:
    """The pay sheet the centre entered last (`haiyan paysheet --json` of its total)."""
    return operations.entered_pay_sheet(year, institution)
