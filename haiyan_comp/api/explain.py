"""GET /api/v1/years/<year>/explain/<institution>: how a final amount came to be
(`haiyan explain --json`)."""

from __future__ import annotations

from typing import Any

from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.api.schemas_explain import NodeSchema
from haiyan_comp.operations.explain import explanation
from haiyan_comp.web.access import allow

blp = Blueprint("api_explain", __name__, url_prefix="/years", description="Explanations")


@blp.route("/<year:year>/explain/<institution>", methods=["GET"])
@blp.response(200, NodeSchema)
@allow("finance", "auditor", "centre")
def explain(year: int, institution: str) -> Any:
    """The explanation tree of `institution`'s final amount of `year` (an estimate while the
    year is open); a centre may ask for its own institution only (404 otherwise)."""
    return explanation(year, institution)
