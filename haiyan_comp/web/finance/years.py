"""Year on year for finance: each institution's units and money against the previous year,
per category, and the county's growth over the years."""

from __future__ import annotations

from flask import render_template

from haiyan_comp import bounds
from haiyan_comp.operations.years_view import year_on_year
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.years import growth
from haiyan_comp.web.finance.common import bp
from haiyan_comp.web.inputs import whole_arg
from haiyan_comp.web.layout import nav

nav("finance", "历年对比", "finance.years", 15)


@bp.get("/years")
@allow("finance")
def years() -> str:
    """The county year by year, and every institution's ?year= against the year before."""
    view = year_on_year(whole_arg("year", bounds.YEAR))
    return render_template(
        "years/finance.html", view=view, year=view.year, years=view.years, growth=growth
    )
