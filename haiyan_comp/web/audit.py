"""The auditor pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from haiyan_comp.web.access import allow
from haiyan_comp.web.layout import nav

bp = Blueprint("audit", __name__, url_prefix="/audit")
nav("auditor", "首页", "audit.home", 10)


@bp.get("/")
@allow("auditor")
def home() -> str:
    """The auditor's home page."""
    return render_template("placeholder.html", title="审计")
