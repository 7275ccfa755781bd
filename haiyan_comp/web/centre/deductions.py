"""The centre's audit deductions: a year's closed batches, n, failed, D, and failed records."""

from __future__ import annotations

from flask import render_template

from haiyan_comp.audit.reports import iso
from haiyan_comp.operations import audit as operations
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.common import bp, institution, year_arg


@bp.get("/deductions")
@allow("centre")
def deductions() -> str:
    """The closed audit batches of a year: n, failed, D, and each failed record with its reason."""
    own = institution()
    years = operations.deduction_years(own.id)
    year = year_arg(years)
    shown, staff_names = operations.deductions_of(year, own.id)
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
