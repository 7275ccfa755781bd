"""Mounting the JSON API on the app: flask-smorest's Api, the hooks, every blueprint.

Kept out of the package's __init__ so that what imports only a schema (the
commands' `--json` documents) loads neither flask-smorest nor flask-login.
Every API view module is imported from here (`init_api`); each takes its Blueprint
from haiyan_comp.api.blueprint, which sets the arguments parser.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, request
from flask_login import current_user
from flask_smorest import Api

from haiyan_comp.api import API_PREFIX
from haiyan_comp.api.schemas import ErrorSchema
from haiyan_comp.errors import NotFound

# Every API view module takes its Blueprint from haiyan_comp.api.blueprint, which sets the
# arguments parser (JSON bodies nested too deep are a 400) before any view is decorated.

# module:attribute of each API blueprint, mounted under /api/v1.
API_BLUEPRINTS = (
    "haiyan_comp.api.records:blp",
    "haiyan_comp.api.units:blp",
    "haiyan_comp.api.years:blp",
    "haiyan_comp.api.years:runs",
    "haiyan_comp.api.audits:blp",
    "haiyan_comp.api.settlement:blp",
    "haiyan_comp.api.settlement:ledger",
    "haiyan_comp.api.bonus:blp",
    "haiyan_comp.api.statements:blp",
    "haiyan_comp.api.jobs:blp",
    "haiyan_comp.api.explain:blp",
    "haiyan_comp.api.catalogue:blp",
    "haiyan_comp.api.catalogue:imports",
)


class HaiyanApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, minus its error handlers: ours answer every error alike."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


def _csrf_for_cookies() -> None:
    """A browser calling the API with its cookie must prove the call is its own."""
    if not request.path.startswith(API_PREFIX + "/"):
        return
    if request.method in ("GET", "HEAD", "OPTIONS") or current_user.is_anonymous:
        return
    if not current_user.via_token:
        from haiyan_comp.web.setup import csrf

        csrf.protect()


def _refuse_control_characters() -> None:
    """A code in the URL with a control character names nothing (PostgreSQL refuses NUL)."""
    if not request.path.startswith(API_PREFIX + "/"):
        return
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise NotFound(f"nothing is named {value!r}")


def mount(app: Flask) -> None:
    """Mount every API blueprint and the OpenAPI document."""
    from haiyan_comp.web.setup import csrf

    app.config.update(
        API_TITLE="haiyan-comp",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    spec: dict[str, Any] = {
        "info": {
            "description": "Work-equivalent payments of a county's township health institutions. "
            "Money and units are decimal strings with 2 places.",
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "haiyan_session"},
            }
        },
        "security": [{"bearer": []}, {"cookie": []}],
    }
    api = HaiyanApi(app, spec_kwargs=spec)
    app.before_request(_csrf_for_cookies)
    from haiyan_comp.api.workbooks import init_workbooks

    init_workbooks(app, API_PREFIX)
    app.before_request(_refuse_control_characters)
    app.extensions["haiyan_api"] = api
    for target in API_BLUEPRINTS:
        module, attribute = target.split(":")
        blueprint = getattr(importlib.import_module(module), attribute)
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix=API_PREFIX + (blueprint.url_prefix or ""))
