"""The centre pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from haiyan_comp.web.access import allow
from haiyan_comp.web.layout import nav

bp = Blueprint("centre", __name__, url_prefix="/centre")
nav("centre", "首页", "centre.home", 10)


@bp.get("/")
@allow("centre")
def home() -> str:
    """The centre's home page."""
    return render_template("placeholder.html", title="卫生院")
