"""The public part of the web app: the landing page, the favicon and a health check."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.operations.health import database_answers
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


@bp.get("/favicon.ico")
@public
def favicon() -> Response:
    """The site's icon where browsers look for it (the pages also link the SVG one)."""
    response = Response(_favicon(), mimetype="image/vnd.microsoft.icon")
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    return response


@cache
def _favicon() -> bytes:
    """The icon's bytes, read once (a few hundred bytes; no file left open per request)."""
    return (Path(__file__).parent / "static" / "favicon.ico").read_bytes()


@bp.get("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 when it does not (for load balancers)."""
    dialect = database_answers()
    if dialect is None:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database=dialect), 200


@bp.post("/language")
@public
def choose_language() -> BaseResponse:
    """Show the pages in Chinese or English from now on (a cookie of this browser)."""
    from haiyan_comp.web.translations import COOKIE, LANGUAGES

    chosen = request.form.get("lang", "")
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = url_for("web.index")  # only a page of this site
    response = redirect(back)
    if chosen in LANGUAGES:
        response.set_cookie(
            COOKIE, chosen, max_age=365 * 24 * 3600, httponly=True, samesite="Lax", path="/"
        )
    return response
