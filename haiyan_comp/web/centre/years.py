"""Year on year for a centre: its own units and money, year by year and per category."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from haiyan_comp.operations.years_view import change, year_on_year
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.common import bp, institution
from haiyan_comp.web.centre.home import percent
from haiyan_comp.web.layout import nav

nav("centre", "历年对比", "centre.years", 18)


def growth(now: int | None, before: int | None) -> str:
    """+12.3% from `before` to `now`, or — when there is nothing to compare."""
    return percent(change(now, before))


@bp.get("/years")
@allow("centre")
def years() -> str:
    """The centre's own figures of every year, each against the year before."""
    own = institution()
    view = year_on_year(None, current_user.institution_code)
    return render_template("years/centre.html", institution=own, view=view, growth=growth)
