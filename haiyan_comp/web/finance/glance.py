"""The year at a glance: budget, units, prepayments and settlement by institution."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.budget import rules
from haiyan_comp.budget.models import YearConfig
from haiyan_comp.budget.services import (
    schedule,
)
from haiyan_comp.db import db
from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.services import debt_of
from haiyan_comp.settlement.models import Settlement
from haiyan_comp.units.services import year_units
from haiyan_comp.web.access import allow
from haiyan_comp.web.charts import Series, bar_chart
from haiyan_comp.web.finance.common import (
    Page,
    _known_years,
    _render,
    _settled,
    _year_arg,
    bp,
    percent_text,
)


@dataclass(frozen=True)
class YearRow:
    """One institution's line on the year page."""

    code: str
    name: str
    purchased: int
    prepaid: int
    scheduled: int
    entitlement: int
    final: int
    debt: int
    balance: int | None  # settled years only


def _glance(session: Session, year: int, config: YearConfig) -> dict[str, Any]:
    """Figures of a configured year, all from the services and R10's rules."""
    plan = schedule(session, year)
    paid: defaultdict[str, int] = defaultdict(int)
    due: defaultdict[str, int] = defaultdict(int)
    for item in plan:
        (paid if item.paid else due)[item.institution] += item.gross
    units = {i.code: i for i in year_units(session, year).institutions}
    purchased = {code: i.purchased for code, i in units.items()}
    if config.unit_price is None:
        estimate = rules.floating_price_amounts(purchased, config.budget)
    else:
        estimate = rules.fixed_price_amounts(
            purchased, config.unit_price, config.budget, config.risk_fund
        )
    settled = {
        s.institution_id: s
        for s in session.scalars(select(Settlement).where(Settlement.year == year))
    }
    ids = dict(session.execute(select(Institution.code, Institution.id)).all())
    rows = []
    for code in sorted(set(units) | set(paid) | set(due)):
        done = settled.get(ids[code])
        rows.append(
            YearRow(
                code=code,
                name=units[code].name if code in units else code,
                purchased=done.purchased if done else purchased.get(code, 0),
                prepaid=paid[code],
                scheduled=due[code],
                entitlement=done.entitlement if done else estimate.entitlement.get(code, 0),
                final=done.final if done else estimate.final.get(code, 0),
                debt=debt_of(session, code),
                balance=done.balance if done else None,
            )
        )
    upcoming = sorted({item.due for item in plan if not item.paid})
    return {
        "rows": rows,
        "estimate": estimate,
        "prepaid": sum(paid.values()),
        "scheduled": sum(due.values()),
        "next_due": upcoming[0] if upcoming else None,
        "instalments_paid": sum(1 for item in plan if item.paid),
        "instalments_total": len(plan),
    }


@bp.get("/")
@allow("finance")
def home() -> Page:
    """The year at a glance: budget, price, prepaid, still to pay, every institution."""
    session = db.session
    year = _year_arg(session)
    config = session.get(YearConfig, year)
    context: dict[str, Any] = {
        "year": year,
        "years": _known_years(session),
        "year_config": config,
        "settled": _settled(session, year),
    }
    if config is not None:
        context.update(_glance(session, year, config))
        rows = context["rows"]
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
