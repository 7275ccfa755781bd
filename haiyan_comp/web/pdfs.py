"""The PDF downloads both the pages (/documents) and the API (/api/v1/statements) send.

Each function checks what it may (the batch belongs to the institution, a staff
user asks for their own slip), builds the document with the statements
services and answers with the file. Role and institution scoping happen before,
in web.access.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from flask import current_app, send_file
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

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


def _county() -> str:
    return str(current_app.config["COUNTY_NAME"])


def pdf(content: bytes, filename: str) -> BaseResponse:
    """A PDF as a download, never cached."""
    response = send_file(
        io.BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def settlement_pdf(institution: str, year: int) -> BaseResponse:
    """The settlement statement of an institution's settled year."""
    data = settlement_statement(db.session, year, institution, _county(), datetime.now(UTC))
    return pdf(render_settlement(data), f"statement-{year}-{institution}.pdf")


def notice_pdf(institution: str, as_of: str) -> BaseResponse:
    """The prepayment notice of the run of `as_of` (YYYY-MM-DD)."""
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise NotFound(f"no prepayment run on {as_of!r}; dates are YYYY-MM-DD") from None
    data = prepayment_notice(db.session, day, institution, _county(), datetime.now(UTC))
    return pdf(render_notice(data), f"notice-{day.isoformat()}-{institution}.pdf")


def audit_pdf(institution: str, batch: int) -> BaseResponse:
    """The report of a closed audit batch of this institution (404 for another's)."""
    owner = db.session.scalar(select(AuditBatch.institution_id).where(AuditBatch.id == batch))
    if owner is None or owner != get_institution(db.session, institution).id:
        raise NotFound(f"{institution} has no audit batch {batch}")
    data = audit_report(db.session, batch, _county(), datetime.now(UTC))
    return pdf(render_audit_report(data), f"audit-report-{batch}-{institution}.pdf")


def _slip_data(institution: str, year: int) -> SlipData:
    pay = recorded_performance_pay(db.session, year, institution)
    if pay is None:
        raise NotFound(f"{institution} has not entered its {year} pay sheet; there is no slip")
    return bonus_slips(db.session, year, institution, pay, _county(), datetime.now(UTC))


def slips_pdf(institution: str, year: int) -> BaseResponse:
    """Every staff member's bonus slip of the institution's year (from its pay sheet)."""
    return pdf(render_slips(_slip_data(institution, year)), f"slips-{year}-{institution}.pdf")


def slip_pdf(institution: str, year: int, staff: str) -> BaseResponse:
    """One staff member's bonus slip; a staff user gets their own only (404 for another's)."""
    if current_user.role == "staff" and staff != current_user.staff_code:
        raise NotFound(f"no slip of {staff!r} for you")
    own = _slip_data(institution, year).for_staff(staff)
    if not own.sheet["staff"]:
        raise NotFound(f"{institution} has no staff member {staff!r} on its {year} pay sheet")
    return pdf(render_slips(own), f"slip-{year}-{staff}.pdf")
