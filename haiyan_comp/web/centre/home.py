"""The centre's home (its year's units at a glance) and its documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from haiyan_comp.money import round_half_up
from haiyan_comp.operations import units
from haiyan_comp.operations.money import settled_line
from haiyan_comp.web.access import allow
from haiyan_comp.web.cache import dashboards, pages, personal
from haiyan_comp.web.centre.common import bp, institution, year_arg
from haiyan_comp.web.charts import Series, bar_chart
from haiyan_comp.web.documents import institution_documents


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
    # A read ended with COMMIT (see db.end_read): psycopg keeps its prepared statements.
    data = units.dashboard_version(institution.id)
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
    figures = units.institution_year(year, institution.code)
    this, last = figures.this, figures.last
    last_gross = {item.code: item.gross for item in (last.items if last else ())}
    items = list(this.items) if this else []
    gross = sum(i.gross for i in items)
    verified = sum(i.verified for i in items)
    previous_gross = sum(last_gross.values())
    chart = bar_chart(
        [str(_("%(m)s月", m=m)) for m in range(1, 13)],
        [
            Series(str(_("%(y)s年", y=year)), units.monthly_units(institution.id, year), "this"),
            Series(
                str(_("%(y)s年", y=year - 1)),
                units.monthly_units(institution.id, year - 1),
                "last",
            ),
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
            price=figures.price,
            price_mode=figures.price_mode,
            value=figures.value,
            settled=settled_line(institution.code, year),
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
