"""/api/v1/statements/<institution>/…: the PDF documents, scoped like the pages' downloads.

Every URL names the institution, so a centre or staff principal asking for
another one gets 404 (checked centrally). Auditors get audit reports only;
staff get their institution's statements and notices and their own slip.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app, send_file
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.api.audits import check_batch
from haiyan_comp.api.years import check_year
from haiyan_comp.audit.models import AuditBatch
from haiyan_comp.bonus.services import recorded_performance_pay
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.statements.audit_report import render_audit_report
from haiyan_comp.statements.notice import render_notice
from haiyan_comp.statements.render import render_settlement
from haiyan_comp.statements.services import (
    audit_report,
    bonus_slips,
    prepayment_notice,
    settlement_statement,
)
from haiyan_comp.statements.slip import SlipData, render_slips
from haiyan_comp.web.access import allow

blp = Blueprint("api_statements", __name__, url_prefix="/statements", description="PDF documents")

PDF: dict[str, Any] = {"type": "string", "format": "binary"}


def _county() -> str:
    return str(current_app.config["COUNTY_NAME"])


def _pdf(content: bytes, filename: str) -> BaseResponse:
    response = send_file(
        io.BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def pdf_response(description: str) -> Any:
    return blp.response(200, PDF, content_type="application/pdf", description=description)


@blp.route("/<institution>/settlement/<int:year>", methods=["GET"])
@pdf_response("The settlement statement (PDF).")
@allow("finance", "centre", "staff")
def settlement(institution: str, year: int) -> BaseResponse:
    """The settlement statement of an institution's settled year."""
    now = datetime.now(UTC)
    data = settlement_statement(db.session, check_year(year), institution, _county(), now)
    return _pdf(render_settlement(data), f"statement-{year}-{institution}.pdf")


@blp.route("/<institution>/notice/<as_of>", methods=["GET"])
@pdf_response("The prepayment notice (PDF).")
@allow("finance", "centre", "staff")
def notice(institution: str, as_of: str) -> BaseResponse:
    """The prepayment notice of the run of `as_of` (YYYY-MM-DD)."""
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise NotFound(f"no prepayment run on {as_of!r}; dates are YYYY-MM-DD") from None
    data = prepayment_notice(db.session, day, institution, _county(), datetime.now(UTC))
    return _pdf(render_notice(data), f"notice-{day.isoformat()}-{institution}.pdf")


@blp.route("/<institution>/audit/<int:batch_id>", methods=["GET"])
@pdf_response("The audit report (PDF).")
@allow("finance", "auditor", "centre")
def audit(institution: str, batch_id: int) -> BaseResponse:
    """The report of a closed audit batch of this institution (409 while it is open)."""
    owner = db.session.scalar(
        select(AuditBatch.institution_id).where(AuditBatch.id == check_batch(batch_id))
    )
    if owner is None or owner != get_institution(db.session, institution).id:
        raise NotFound(f"{institution} has no audit batch {batch_id}")
    data = audit_report(db.session, batch_id, _county(), datetime.now(UTC))
    return _pdf(render_audit_report(data), f"audit-report-{batch_id}-{institution}.pdf")


def _slip_data(institution: str, year: int) -> SlipData:
    pay = recorded_performance_pay(db.session, check_year(year), institution)
    if pay is None:
        raise NotFound(f"{institution} has not entered its {year} pay sheet; there is no slip")
    return bonus_slips(db.session, year, institution, pay, _county(), datetime.now(UTC))


@blp.route("/<institution>/slips/<int:year>", methods=["GET"])
@pdf_response("Every staff member's bonus slip (PDF).")
@allow("finance", "centre")
def slips(institution: str, year: int) -> BaseResponse:
    """Every staff member's bonus slip of the institution's year (from its pay sheet)."""
    return _pdf(render_slips(_slip_data(institution, year)), f"slips-{year}-{institution}.pdf")


@blp.route("/<institution>/slips/<int:year>/<staff>", methods=["GET"])
@pdf_response("One staff member's bonus slip (PDF).")
@allow("finance", "centre", "staff")
def slip(institution: str, year: int, staff: str) -> BaseResponse:
    """One staff member's bonus slip; a staff user gets its own only (404 for another's)."""
    if current_user.role == "staff" and staff != current_user.staff_code:
        raise NotFound(f"no slip of {staff!r} for you")
    data = _slip_data(institution, year)
    own = [line for line in data.sheet["staff"] if line["code"] == staff]
    if not own:
        raise NotFound(f"{institution} has no staff member {staff!r} on its {year} pay sheet")
    data = replace(
        data, sheet={**data.sheet, "staff": own}, names={staff: data.names.get(staff, "")}
    )
    return _pdf(render_slips(data), f"slip-{year}-{staff}.pdf")
