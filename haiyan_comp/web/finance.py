"""The finance pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from haiyan_comp.web.access import allow
from haiyan_comp.web.layout import nav

bp = Blueprint("finance", __name__, url_prefix="/finance")
nav("finance", "首页", "finance.home", 10)


@bp.get("/")
@allow("finance")
def home() -> str:
    """The finance's home page."""
    return render_template("placeholder.html", title="财务")
