"""The centre's audit deductions: a year's closed batches, n, failed, D, and failed records."""

from __future__ import annotations

from flask import render_template

from haiyan_comp.audit.queries import audit_years, centre_deductions
from haiyan_comp.audit.reports import iso
from haiyan_comp.db import db
from haiyan_comp.records.queries import record_years, staff_choices
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.common import bp, institution, year_arg


@bp.get("/deductions")
@allow("centre")
def deductions() -> str:
    """The closed audit batches of a year: n, failed, D, and each failed record with its reason."""
    own = institution()
    years = sorted(
        set(audit_years(db.session, own.id)) | set(record_years(db.session, own.id)), reverse=True
    )
    year = year_arg(years)
    shown = centre_deductions(db.session, year, own.id)
    staff_names = {s.code: s.name for s in staff_choices(db.session, own.id)}
    return render_template(
        "centre/deductions.html",
        institution=own,
        year=year,
        years=sorted(set(years) | {year}, reverse=True),
        batches=shown.batches,
        staff_names=staff_names,
        total=shown.total,
        open_count=shown.open_count,
        iso=iso,
    )
