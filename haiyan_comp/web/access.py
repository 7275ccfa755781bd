"""Who may do what: deny by default, decided in one place.

Every view says which roles may use it (`@allow(...)`) or that anybody may
(`@public`). `enforce` runs before every request and refuses whatever a view
has not declared. Views whose URL names an institution (`<institution>`) are
scoped here too: a centre or staff user, or an institution's token, asking for
another institution gets 404, as if it did not exist. Views that find an
institution's object by id call `own()` with it, which answers the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import current_app, request
from flask_login import current_user

from haiyan_comp.accounts.messages import (
    NOT_YOUR_INSTITUTION,
    NOT_YOUR_OBJECT,
    OPEN_TO_NOBODY,
    ROLE_MAY_NOT,
    role_name,
)
from haiyan_comp.accounts.roles import ROLES, TOKEN_ROLES
from haiyan_comp.errors import Forbidden, NotFound

V = TypeVar("V", bound=Callable[..., Any])

# Blueprints whose every view is public: flask-smorest's OpenAPI document.
PUBLIC_BLUEPRINTS = frozenset({"api-docs"})


class Principal(Protocol):
    """A signed-in user or an API token: what access decisions look at."""

    role: str
    is_authenticated: bool

    @property
    def institution_code(self) -> str | None: ...


def allow(*roles: str) -> Callable[[V], V]:
    """Let these roles use the view (and nobody else)."""
    unknown = set(roles) - set(TOKEN_ROLES)
    if unknown or not roles:
        raise ValueError(f"allow(): unknown or no roles {sorted(unknown)}; known: {ROLES}")

    def mark(view: V) -> V:
        view.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: V) -> V:
    """Anybody may use the view, signed in or not (it must show no county data)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def rule_of(view: Callable[..., Any]) -> frozenset[str] | None:
    """The roles a view allows; an empty set when public; None when undeclared."""
    target: Any = view
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: the method's own declaration
        target = getattr(view_class, request.method.lower(), None) or view
    if getattr(target, "public", False):
        return frozenset()
    roles: frozenset[str] | None = getattr(target, "allowed_roles", None)
    return roles


class Unauthenticated(Exception):
    """Nobody is signed in (web: go to sign-in; API: 401)."""


def enforce() -> None:
    """Refuse the request unless the view allows the current principal (before_request)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return  # routing answers 404 / 405 itself; static files hold no data
    if request.blueprint in PUBLIC_BLUEPRINTS:
        return
    rule = rule_of(current_app.view_functions[endpoint])
    if rule is None:
        current_app.logger.error("view %s declares no access rule: denied", endpoint)
        raise Forbidden(OPEN_TO_NOBODY())
    if not rule:
        return
    if not current_user.is_authenticated:
        raise Unauthenticated()
    if current_user.role not in rule:
        raise Forbidden(ROLE_MAY_NOT(role=role_name(current_user.role)))
    wanted = (request.view_args or {}).get("institution")
    if wanted is not None:
        own_code(wanted)


def scoped() -> bool:
    """Whether the current principal sees one institution only."""
    return current_user.institution_code is not None


def own_code(code: str | None) -> str | None:
    """The institution to show: a scoped principal's own (404 for another); else `code`."""
    mine: str | None = current_user.institution_code
    if mine is None:
        return code
    if code is not None and code != mine:
        raise NotFound(NOT_YOUR_INSTITUTION(code=repr(code)))
    return mine


def own(institution_id: int | None) -> None:
    """404 unless a scoped principal owns the object of this institution."""
    mine: int | None = current_user.institution_id
    if mine is not None and institution_id != mine:
        raise NotFound(NOT_YOUR_OBJECT())
