"""The JSON API under /api/v1, described by /api/v1/openapi.json (flask-smorest).

Machines authenticate with `Authorization: Bearer <token>`; people's browsers
with the session cookie (and then, for anything that changes data, the CSRF
token in an `X-CSRFToken` header). Access rules are the pages' rules
(haiyan_comp.web.access); errors are `{"error", "message", "details"}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

API_PREFIX = "/api/v1"


def init_api(app: Flask) -> None:
    """Mount every API blueprint and the OpenAPI document (haiyan_comp.api.mount)."""
    from haiyan_comp.api.mount import mount

    mount(app)
