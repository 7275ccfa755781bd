"""The 怎么算的 page: how an institution's final amount of a year came to be, as a tree
with the actual numbers, every leaf opening the records or the audit batch behind it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from haiyan_comp.operations.explain import Link, explanation
from haiyan_comp.web.access import allow

bp = Blueprint("explain", __name__, url_prefix="/explain")


@bp.get("/<year:year>/<institution>")
@allow("finance", "auditor", "centre")
def explain(year: int, institution: str) -> str:
    """The explanation of `institution`'s year (a centre sees only its own: 404 otherwise)."""
    tree = explanation(year, institution)
    return render_template(
        "explain.html", tree=tree, year=year, institution=institution, href=_href_for(year)
    )


def _href_for(year: int) -> Callable[[Link | None, str], str | None]:
    """Where a leaf's link goes for the signed-in role (None where the role has no page)."""
    role = current_user.role

    def href(link: Link | None, institution: str) -> str | None:
        if link is None:
            return None
        if link.kind == "records" and role == "centre":
            dates: dict[str, Any] = {"from": f"{year}-01-01", "to": f"{year}-12-31"}
            return url_for("centre.records", item=link.params["item"], **dates)
        if link.kind == "batch":
            batch = int(link.params["batch"])
            if role == "auditor":
                return url_for("audit.batch", batch_id=batch)
            if role == "centre":
                return url_for("centre.deductions", year=year) + f"#batch-{batch}"
            return url_for("documents.audit_report", institution=institution, batch=batch)
        return None

    return href
