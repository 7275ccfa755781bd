"""The public part of the web app: the landing page and a health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.db import db
from haiyan_comp.web.access import public

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
@public
def index() -> str | BaseResponse:
    """Signed in: the role's home page. Otherwise what this server is, and sign-in."""
    if current_user.is_authenticated and not current_user.via_token:
        from haiyan_comp.web.auth import HOME

        return redirect(url_for(HOME[current_user.role]))
    return render_template("index.html")


@bp.get("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure at all means unhealthy
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database=db.dialect), 200
