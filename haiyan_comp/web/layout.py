"""What every page shares: the menu of each role, number formats, the error page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Flask, g, has_app_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from haiyan_comp import clock
from haiyan_comp.messages import Message, text
from haiyan_comp.money import format_hundredths, group_decimal

# Menu entries per role, added by each blueprint when it is imported.
_NAV: dict[str, list[NavItem]] = {}


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy string, translated when shown
    endpoint: str
    order: int


def nav(role: str, label: str, endpoint: str, order: int = 50) -> None:
    """Add a menu entry for `role` (call at import time of the blueprint module)."""
    entries = _NAV.setdefault(role, [])
    if all(e.endpoint != endpoint for e in entries):
        entries.append(NavItem(_l(label), endpoint, order))
        entries.sort(key=lambda e: e.order)


def menu() -> list[NavItem]:
    """The current user's menu."""
    if not current_user.is_authenticated:
        return []
    return _NAV.get(current_user.role, [])


def amount(hundredths: int | None, *, grouped: bool = True) -> str:
    """12345678 → '123,456.78' (money and units are hundredths; no floats)."""
    if hundredths is None:
        return "—"
    text = format_hundredths(hundredths)
    return decimal_text(text) if grouped else text


def decimal_text(text: str | None) -> str:
    """A decimal string from a service's JSON ('12345.60') with thousands separators."""
    return "—" if text is None else group_decimal(text)


def when(moment: datetime | date | str | None) -> str:
    """A date or moment the way people read it, in the county's time zone (clock.py)."""
    if isinstance(moment, str):
        try:
            return clock.shown(datetime.fromisoformat(moment))
        except ValueError:
            return moment.replace("T", " ")[:16]
    return clock.shown(moment)


def who(actor: str | None) -> str:
    """Who did something, as a person reads it: 'web:finance' is the login finance,
    'cli:root' the command line run by root, 'api:…' a machine's token."""
    from flask_babel import gettext

    if not actor:
        return "—"
    if actor == "demo":  # what `haiyan demo` loads and does
        return str(gettext("演示数据"))
    channel, _, name = str(actor).partition(":")
    if channel == "web" and name:
        return name
    if channel == "cli" and name:
        return str(gettext("命令行（%(name)s）", name=name))
    if channel in ("api", "token") and name:
        return str(gettext("接口（%(name)s）", name=name))
    return str(actor)


def reason(value: object) -> str:
    """A message (or a list of them) as the page's reader reads it: by its code, from the
    catalogue. Anything else (a person's own words, a name) is shown as it is.

    A message object shown on many rows (the flags share one per day or group) is
    translated once per request: its text is kept, with the object, by its identity.
    """
    if not isinstance(value, Message) or not has_app_context():
        return text(value, str(get_locale() or "zh"))
    shown: dict[int, tuple[object, str]] | None = g.get("reasons_shown")
    if shown is None:
        shown = g.reasons_shown = {}
    hit = shown.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    translated = text(value, str(get_locale() or "zh"))
    shown[id(value)] = (value, translated)
    return translated


def active_class(endpoint: str) -> Markup:
    """' class="active"' for the menu entry of the page being shown."""
    return Markup(' aria-current="page"') if request.endpoint == endpoint else Markup("")


def init_layout(app: Flask) -> None:
    """Template helpers."""
    filters: dict[str, Callable[..., Any]] = {
        "amount": amount,
        "decimal": decimal_text,
        "when": when,
        "reason": reason,
        "who": who,
    }
    app.jinja_env.filters.update(filters)
    from flask_babel import gettext

    from haiyan_comp.accounts.roles import ROLE_NAMES
    from haiyan_comp.web.translations import language

    app.jinja_env.globals.update(
        menu=menu,
        now=clock.now,
        active_class=active_class,
        role_name=lambda role: gettext(ROLE_NAMES[role]) if role in ROLE_NAMES else role,
        language=language,
    )
