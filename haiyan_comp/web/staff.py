"""The staff pages: a staff member's own bonus slips and its institution's statements."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from haiyan_comp.operations import statements as operations
from haiyan_comp.web.access import allow
from haiyan_comp.web.documents import listed_documents
from haiyan_comp.web.layout import nav

bp = Blueprint("staff", __name__, url_prefix="/staff")
nav("staff", "首页", "staff.home", 10)


@bp.get("/")
@allow("staff")
def home() -> str:
    """Its own slips (one line per year with a pay sheet) and the institution's documents."""
    page = operations.staff_home(current_user.institution_id, current_user.staff_code)
    documents = [
        d
        for d in listed_documents(page.documents, role="staff", staff_code=page.me.code)
        if d.kind != "slip"
    ]
    return render_template("staff/home.html", me=page.me, slips=page.slips, documents=documents)
