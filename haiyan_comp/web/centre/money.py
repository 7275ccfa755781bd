"""The centre's money: prepayments received and due, offsets, settlement, open debt."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from haiyan_comp import bounds
from haiyan_comp.operations.money import centre_money
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.common import bp, institution
from haiyan_comp.web.inputs import whole_arg
from haiyan_comp.web.layout import nav

nav("centre", "预付与结算", "centre.money", 15)


@bp.get("/money")
@allow("centre")
def money() -> str:
    """A year's instalments (overdue flagged), its settlement once settled, and open debt."""
    own = institution()
    figures = centre_money(current_user.institution_code, whole_arg("year", bounds.YEAR))
    years = sorted(set(figures.years) | {figures.year}, reverse=True)
    return render_template(
        "centre/money.html", institution=own, money=figures, year=figures.year, years=years
    )
