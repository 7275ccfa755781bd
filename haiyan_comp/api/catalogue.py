"""GET /api/v1/catalogue (a year's catalogue, as the /catalogue page shows it) and
GET /api/v1/imports (a centre's latest imports, as its upload page lists them)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask_login import current_user

from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.api.schemas_tables import CatalogueQuery, CatalogueSchema, ImportsSchema
from haiyan_comp.audit.reports import iso
from haiyan_comp.catalogue.queries import YearCatalogue
from haiyan_comp.operations.catalogue import year_catalogue
from haiyan_comp.operations.records import recent_uploads
from haiyan_comp.web.access import allow, own_code

blp = Blueprint("api_catalogue", __name__, url_prefix="/catalogue", description="The catalogue")
imports = Blueprint("api_imports", __name__, url_prefix="/imports", description="Imports")


@blp.route("", methods=["GET"])
@blp.arguments(CatalogueQuery, location="query")
@blp.response(200, CatalogueSchema)
@allow("finance", "auditor", "centre", "staff", "admin", "platform")
def catalogue(query: dict[str, Any]) -> YearCatalogue:
    """A year's catalogue (the latest year's without `year`) item by item, each against the
    year before's: value, cap, specification, data rule, source, and what changed."""
    return year_catalogue(query["year"])


@imports.route("", methods=["GET"])
@imports.response(200, ImportsSchema)
@allow("centre")
def recent_imports() -> dict[str, Any]:
    """The centre's latest imports through the pages, newest first, with their counts (each
    import's rejected rows: /centre/imports/<job>/rejected.csv or .xlsx)."""
    code = own_code(None)
    rows = recent_uploads(current_user.institution_id)
    listed = [{**asdict(row), "started_at": iso(row.started_at)} for row in rows]
    return {"institution": code, "imports": listed}
