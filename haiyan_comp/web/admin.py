"""The administrator's pages: users and API tokens."""

from __future__ import annotations

from flask import Blueprint, render_template

from haiyan_comp.web.access import allow
from haiyan_comp.web.layout import nav

bp = Blueprint("admin", __name__, url_prefix="/admin")
nav("admin", "用户", "admin.home", 10)


@bp.get("/")
@allow("admin")
def home() -> str:
    """Users and tokens."""
    return render_template("placeholder.html", title="系统管理")
