"""Wire the web application and the API into the Flask app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, jsonify, make_response, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.errors import DomainError
from haiyan_comp.web import access
from haiyan_comp.web.auth import init_auth, unauthorized
from haiyan_comp.web.jsonbody import JSONProvider
from haiyan_comp.web.messages import CSRF, SIGN_IN, http_message

csrf = CSRFProtect()
babel = Babel()

# Every blueprint of the pages; each module adds its menu entries on import.
PAGE_BLUEPRINTS = (
    "haiyan_comp.web.views:bp",
    "haiyan_comp.web.jobs:bp",
    "haiyan_comp.web.centre:bp",
    "haiyan_comp.web.staff:bp",
    "haiyan_comp.web.audit:bp",
    "haiyan_comp.web.finance:bp",
    "haiyan_comp.web.admin:bp",
    "haiyan_comp.web.documents:bp",
    "haiyan_comp.web.catalogue:bp",
    "haiyan_comp.web.account:bp",
    "haiyan_comp.web.explain:bp",
)


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def secret_key(app: Flask) -> str:
    """HAIYAN_SECRET_KEY, else a random key kept in the instance folder (never in the repo)."""
    configured = app.config.get("SECRET_KEY")
    if configured:
        return str(configured)
    path = Path(app.instance_path) / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


def init_web(app: Flask) -> None:
    """Sessions, CSRF, translations, access rules, pages, the API, error pages."""
    import importlib

    app.config["SECRET_KEY"] = secret_key(app)
    app.config.setdefault("SESSION_COOKIE_SECURE", False)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="haiyan_session",
        MAX_CONTENT_LENGTH=app.config.get("MAX_UPLOAD_BYTES", 200 * 1024 * 1024 + 64 * 1024),
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        BABEL_DEFAULT_TIMEZONE=str(app.config.get("TIMEZONE") or "Asia/Shanghai"),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.session_interface = SessionInterface()
    app.json = JSONProvider(app)  # request bodies nested too deep are a 400
    csrf.init_app(app)
    from haiyan_comp.web.translations import chosen_locale, compiled

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = compiled(app.instance_path)
    babel.init_app(app, locale_selector=chosen_locale)
    init_auth(app)
    from haiyan_comp.web.layout import init_layout

    init_layout(app)
    app.before_request(access.enforce)
    from haiyan_comp.web.inputs import CONVERTERS, refuse_nul

    app.url_map.converters.update(CONVERTERS)  # bounded ids and years, before any route
    app.before_request(refuse_nul)
    for target in PAGE_BLUEPRINTS:
        module, attribute = target.split(":")
        app.register_blueprint(getattr(importlib.import_module(module), attribute))
    from haiyan_comp.api import init_api

    init_api(app)
    register_errors(app)
    from haiyan_comp.web.schema_gate import init_schema_gate

    init_schema_gate(app)
    app.after_request(security_headers)


def wants_json(req: Request) -> bool:
    """The API, or a request that sent JSON (as the sign-in form accepts), is answered in JSON."""
    return req.path.startswith("/api/") or req.is_json


def error_response(status: int, code: str, message: str, details: Any = None) -> Any:
    """JSON for the API (a message's code and parameters beside its English), a page for people."""
    if wants_json(request):
        response = jsonify(DomainError(message, details).to_dict() | {"error": code})
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="haiyan"'
        return response
    return render_template("error.html", status=status, message=message, details=details), status


def register_errors(app: Flask) -> None:
    """Every error answers in the same shape (CONTRACT.md: error, message, details)."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Any:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(access.Unauthenticated)
    def unauthenticated(_exc: access.Unauthenticated) -> Any:
        if wants_json(request):
            return error_response(401, "unauthorized", SIGN_IN())
        return unauthorized()

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return error_response(
            400,
            "csrf",
            CSRF() if not wants_json(request) else str(exc.description),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        details = data.get("messages") if isinstance(data, dict) else None
        code = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            413: "too_large",
            415: "unsupported_media_type",
            422: "invalid_input",
            429: "too_many_requests",
        }.get(status, "error")
        response = make_response(error_response(status, code, http_message(exc), details))
        for name, value in exc.get_headers():  # Allow on a 405, Retry-After on a 429, …
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


def security_headers(response: Response | BaseResponse) -> Response | BaseResponse:
    """Headers every response carries."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if "Cache-Control" not in headers and response.mimetype in ("text/html", "application/json"):
        headers["Cache-Control"] = "no-store"
    return response
