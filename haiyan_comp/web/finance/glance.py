"""The year at a glance: budget, units, prepayments and settlement by institution."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from haiyan_comp.operations.settlement import year_glance
from haiyan_comp.web.access import allow
from haiyan_comp.web.charts import Series, bar_chart
from haiyan_comp.web.finance.common import Page, _frame, _page_year, _render, bp, percent_text


@bp.get("/")
@allow("finance")
def home() -> Page:
    """The year at a glance: budget, price, prepaid, still to pay, every institution."""
    year = _page_year()
    frame = _frame(year)
    glance = year_glance(year)
    context: dict[str, Any] = {
        "year": year,
        "years": frame.years,
        "year_config": glance.config if glance else None,
        "settled": frame.settled,
    }
    if glance is not None:
        context.update({k: v for k, v in vars(glance).items() if k != "config"})
        rows = glance.rows
        context["chart"] = bar_chart(
            [r.code for r in rows],
            [
                Series(_("已预付"), [r.prepaid for r in rows], "last"),
                Series(
                    _("结算金额") if context["settled"] else _("预计应得"),
                    [r.final for r in rows],
                    "this",
                ),
            ],
            title=_("%(year)s 年度各机构预付与应得（元）", year=year),
        )
    return _render("finance/home.html", **context, percent_text=percent_text)
