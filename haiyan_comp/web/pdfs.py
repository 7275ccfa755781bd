"""The PDF downloads both the pages (/documents) and the API (/api/v1/statements) send.

Each function checks what it may (the batch belongs to the institution, a staff
user asks for their own slip), builds the document through the statements
operations and answers with the file. Role and institution scoping happen before,
in web.access.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from flask import current_app, send_file
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.errors import NotFound
from haiyan_comp.operations import statements as operations
from haiyan_comp.statements import messages as msg
from haiyan_comp.statements.audit_report import render_audit_report
from haiyan_comp.statements.notice import render_notice
from haiyan_comp.statements.render import render_settlement
from haiyan_comp.statements.slip import render_slips


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
    data = operations.settlement_statement(year, institution, _county(), datetime.now(UTC))
    return pdf(render_settlement(data), f"statement-{year}-{institution}.pdf")


def notice_pdf(institution: str, as_of: str) -> BaseResponse:
    """The prepayment notice of the run of `as_of` (YYYY-MM-DD)."""
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise NotFound(msg.NO_RUN_ON(as_of=repr(as_of))) from None
    data = operations.prepayment_notice(day, institution, _county(), datetime.now(UTC))
    return pdf(render_notice(data), f"notice-{day.isoformat()}-{institution}.pdf")


def audit_pdf(institution: str, batch: int) -> BaseResponse:
    """The report of a closed audit batch of this institution (404 for another's)."""
    data = operations.audit_report(batch, _county(), datetime.now(UTC), institution)
    return pdf(render_audit_report(data), f"audit-report-{batch}-{institution}.pdf")


def slips_pdf(institution: str, year: int) -> BaseResponse:
    """Every staff member's bonus slip of the institution's year (from its pay sheet)."""
    data = operations.entered_slips(year, institution, _county(), datetime.now(UTC))
    return pdf(render_slips(data), f"slips-{year}-{institution}.pdf")


def slip_pdf(institution: str, year: int, staff: str) -> BaseResponse:
    """One staff member's bonus slip; a staff user gets their own only (404 for another's)."""
    if current_user.role == "staff" and staff != current_user.staff_code:
        raise NotFound(msg.NOT_YOUR_SLIP(staff=repr(staff)))
    own = operations.staff_slip(year, institution, staff, _county(), datetime.now(UTC))
    return pdf(render_slips(own), f"slip-{year}-{staff}.pdf")
