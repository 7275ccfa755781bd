"""The public part of the web app: a landing page and a health check.

Nothing here shows county data: every page with data needs a signed-in user
(deny by default), and sign-in arrives with the web application issue.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template
from sqlalchemy import text

from haiyan_comp.db import db

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    """What this server offers today, and where to start."""
    return render_template("index.html")


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure at all means unhealthy
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database=db.dialect), 200


@bp.after_app_request
def security_headers(response: Response) -> Response:
    """Headers every response carries."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'"
    )
    return response
