"""The catalogue of each year, for every role: items, values, caps, rules, and what changed."""

from __future__ import annotations

from flask import Blueprint, render_template

from haiyan_comp import bounds
from haiyan_comp.catalogue.messages import unit_name
from haiyan_comp.operations.catalogue import year_catalogue
from haiyan_comp.web.access import allow
from haiyan_comp.web.inputs import whole_arg
from haiyan_comp.web.layout import nav, reason

bp = Blueprint("catalogue", __name__)
for _role, _order in (("finance", 80), ("auditor", 80), ("centre", 80), ("staff", 80)):
    nav(_role, "服务项目目录", "catalogue.show", _order)
nav("admin", "服务项目目录", "catalogue.show", 80)

# How the catalogue names where a value comes from, as a person reads it.
_SOURCE_KINDS = {"documented": "有据可查", "derived": "本项目测算"}


@bp.app_template_filter("unit")
def unit(token: str | None) -> str:
    """A counting unit in the reader's language (人次、床日 … for visit, bed-day)."""
    return "" if token is None else reason(unit_name(token))


def source_parts(source: str) -> tuple[str | None, str]:
    """('有据可查', 'Zhejiang …') for 'documented: Zhejiang …'; (None, source) otherwise."""
    kind, colon, rest = source.partition(":")
    label = _SOURCE_KINDS.get(kind.strip().lower()) if colon else None
    return (label, rest.strip()) if label else (None, source)


@bp.get("/catalogue")
@allow("finance", "auditor", "centre", "staff", "admin")
def show() -> str:
    """A year's catalogue (?year=, else the latest) against the previous year's."""
    catalogue = year_catalogue(whole_arg("year", bounds.YEAR))
    return render_template(
        "catalogue/year.html", catalogue=catalogue, year=catalogue.year, source_parts=source_parts
    )
