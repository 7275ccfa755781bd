"""The centre's home (its year's units at a glance) and its documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from haiyan_comp.budget.models import YearConfig
from haiyan_comp.db import db
from haiyan_comp.money import round_half_up
from haiyan_comp.records.queries import monthly_gross
from haiyan_comp.settlement.queries import purchased_units as year_units  # R9 applied
from haiyan_comp.units.rules import InstitutionUnits
from haiyan_comp.web.access import allow
from haiyan_comp.web.cache import dashboards, institution_version, pages, personal
from haiyan_comp.web.centre.common import bp, institution, year_arg
from haiyan_comp.web.charts import Series, bar_chart
from haiyan_comp.web.documents import institution_documents


def _one(units: list[InstitutionUnits]) -> InstitutionUnits | None:
    return units[0] if units else None


def _change(now: int, before: int) -> Fraction | None:
    """The change from `before` to `now` as a fraction of `before` (None when before is 0)."""
    return None if before == 0 else Fraction(now - before, before)


def percent(change: Fraction | None) -> str:
    """+12.3% (one decimal, rounded half up), or — when there is nothing to compare."""
    if change is None:
        return "—"
    tenths = round_half_up(change * 1000)
    sign = "+" if tenths > 0 else ("-" if tenths < 0 else "")
    return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10}%"


@bp.get("/")
@allow("centre")
def home() -> str:
    """Accumulated units of a year: by month (chart), by item (table), headline figures.

    The busiest page: one statement (the years with records and the data version),
    then the page from the cache (web/cache.py); the institution comes with the
    signed-in user.
    """
    institution = Shown(
        current_user.institution_id, current_user.institution_code, current_user.institution_name
    )
    data = institution_version(db.session, institution.id)
    # Only read so far: end it with COMMIT, not the ROLLBACK of teardown, after
    # which psycopg forgets its prepared statements, so PostgreSQL would plan
    # the version statement anew on every request (most of its CPU here).
    db.session.commit()
    year = year_arg(list(data.years))
    shown = (institution, year, data.years, date.today())

    def page() -> str:
        body = dashboards.get(
            shown, data.version, lambda: _dashboard(institution, year, list(data.years))
        )
        return render_template("centre/home.html", year=year, body=body)

    person = personal()
    return page() if person is None else pages.get((person, shown), data.version, page)


@dataclass(frozen=True)
class Shown:
    """The institution a dashboard is of: what the page shows of it."""

    id: int
    code: str
    name: str


def _dashboard(institution: Shown, year: int, years: list[int]) -> Markup:
    """The dashboard's body: what it shows depends only on the data version."""
    code = institution.code
    this = _one(year_units(db.session, year, code).institutions)
    last = _one(year_units(db.session, year - 1, code).institutions)
    last_gross = {item.code: item.gross for item in (last.items if last else ())}
    items = list(this.items) if this else []
    gross = sum(i.gross for i in items)
    verified = sum(i.verified for i in items)
    previous_gross = sum(last_gross.values())
    config = db.session.get(YearConfig, year)
    price = config.unit_price if config is not None and config.price_mode == "fixed" else None
    value = None
    if price is not None and this is not None:
        value = round_half_up(Fraction(this.purchased * price, 100))
    chart = bar_chart(
        [f"{m}月" for m in range(1, 13)],
        [
            Series(f"{year}年", monthly_gross(db.session, institution.id, year), "this"),
            Series(f"{year - 1}年", monthly_gross(db.session, institution.id, year - 1), "last"),
        ],
        title=_("%(year)s 年各月毛当量（与上年同期）", year=year),
    )
    rows = [
        {
            "item": item,
            "last": last_gross.get(item.code),
            "change": percent(_change(item.gross, last_gross.get(item.code, 0))),
        }
        for item in items
    ]
    choices = sorted(set(years) | {year, date.today().year}, reverse=True)
    return Markup(
        render_template(
            "centre/_dashboard.html",
            institution=institution,
            year=year,
            years=choices,
            units=this,
            rows=rows,
            gross=gross,
            verified=verified,
            records=sum(i.records for i in items),
            previous_gross=previous_gross,
            gross_change=percent(_change(gross, previous_gross)),
            purchased=this.purchased if this else 0,
            price=price,
            price_mode=None if config is None else config.price_mode,
            value=value,
            chart=chart,
            totals={
                attr: sum(getattr(i, attr) for i in items)
                for attr in ("records", "gross", "over_spec", "purchasable", "deducted", "verified")
            },
            last_total=previous_gross,
        )
    )


@bp.get("/statements")
@allow("centre")
def statements() -> str:
    """The documents the centre may download."""
    own = institution()
    documents = institution_documents(own.code, role="centre")
    return render_template("centre/statements.html", institution=own, documents=documents)
