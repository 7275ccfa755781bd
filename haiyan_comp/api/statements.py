"""/api/v1/statements/<institution>/…: the PDF documents, scoped like the pages' downloads.

Every URL names the institution, so a centre or staff principal asking for
another one gets 404 (checked centrally). Auditors get audit reports only;
staff get their institution's statements and notices and their own slip.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.web import pdfs
from haiyan_comp.web.access import allow

blp = Blueprint("api_statements", __name__, url_prefix="/statements", description="PDF documents")

PDF: dict[str, Any] = {"type": "string", "format": "binary"}


def pdf_response(description: str) -> Any:
    return blp.response(200, PDF, content_type="application/pdf", description=description)


@blp.route("/<institution>/settlement/<year:year>", methods=["GET"])
@pdf_response("The settlement statement (PDF).")
@allow("finance", "centre", "staff")
def settlement(institution: str, year: int) -> BaseResponse:
    """The settlement statement of an institution's settled year."""
    return pdfs.settlement_pdf(institution, year)


@blp.route("/<institution>/notice/<as_of>", methods=["GET"])
@pdf_response("The prepayment notice (PDF).")
@allow("finance", "centre", "staff")
def notice(institution: str, as_of: str) -> BaseResponse:
    """The prepayment notice of the run of `as_of` (YYYY-MM-DD)."""
    return pdfs.notice_pdf(institution, as_of)


@blp.route("/<institution>/audit/<int:batch_id>", methods=["GET"])
@pdf_response("The audit report (PDF).")
@allow("finance", "auditor", "centre")
def audit(institution: str, batch_id: int) -> BaseResponse:
    """The report of a closed audit batch of this institution (409 while it is open)."""
    return pdfs.audit_pdf(institution, batch_id)


@blp.route("/<institution>/slips/<year:year>", methods=["GET"])
@pdf_response("Every staff member's bonus slip (PDF).")
@allow("finance", "centre")
def slips(institution: str, year: int) -> BaseResponse:
    """Every staff member's bonus slip of the institution's year (from its pay sheet)."""
    return pdfs.slips_pdf(institution, year)


@blp.route("/<institution>/slips/<year:year>/<staff>", methods=["GET"])
@pdf_response("One staff member's bonus slip (PDF).")
@allow("finance", "centre", "staff")
def slip(institution: str, year: int, staff: str) -> BaseResponse:
    """One staff member's bonus slip; a staff user gets its own only (404 for another's)."""
    return pdfs.slip_pdf(institution, year, staff)
