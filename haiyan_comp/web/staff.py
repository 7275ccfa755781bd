"""The staff pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from haiyan_comp.web.access import allow
from haiyan_comp.web.layout import nav

bp = Blueprint("staff", __name__, url_prefix="/staff")
nav("staff", "首页", "staff.home", 10)


@bp.get("/")
@allow("staff")
def home() -> str:
    """The staff's home page."""
    return render_template("placeholder.html", title="职工")
