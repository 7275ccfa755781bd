"""The staff pages: a staff member's own bonus slips and its institution's statements."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from haiyan_comp.bonus.services import pay_sheet, recorded_performance_pay
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.settlement.models import Settlement
from haiyan_comp.web.access import allow
from haiyan_comp.web.documents import institution_documents
from haiyan_comp.web.layout import nav

bp = Blueprint("staff", __name__, url_prefix="/staff")
nav("staff", "首页", "staff.home", 10)


@bp.get("/")
@allow("staff")
def home() -> str:
    """Its own slips (one line per year with a pay sheet) and the institution's documents."""
    institution = db.session.get(Institution, current_user.institution_id)
    me = db.session.scalar(select(Staff).where(Staff.code == current_user.staff_code))
    if institution is None or me is None:
        raise NotFound("your staff record is unknown")
    slips = []
    for year in db.session.scalars(
        select(Settlement.year)
        .where(Settlement.institution_id == institution.id)
        .order_by(Settlement.year.desc())
    ):
        pay = recorded_performance_pay(db.session, year, institution.code)
        if pay is None:
            continue
        sheet = pay_sheet(db.session, year, institution.code, pay).to_json()
        mine = next((line for line in sheet["staff"] if line["code"] == me.code), None)
        if mine is not None:
            slips.append({"year": year, **mine})
    documents = [
        d
        for d in institution_documents(institution.code, role="staff", staff_code=me.code)
        if d.kind != "slip"
    ]
    return render_template(
        "staff/home.html", institution=institution, me=me, slips=slips, documents=documents
    )
