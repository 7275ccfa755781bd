"""The centre's blueprint, its menu, and what its pages share."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint
from flask_login import current_user

from haiyan_comp import bounds
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.institutions.models import Institution
from haiyan_comp.web.inputs import whole_arg
from haiyan_comp.web.layout import nav

bp = Blueprint("centre", __name__, url_prefix="/centre")
nav("centre", "首页", "centre.home", 10)
nav("centre", "服务记录", "centre.records", 20)
nav("centre", "导入记录", "centre.upload", 30)
nav("centre", "审计扣减", "centre.deductions", 40)
nav("centre", "结算单据", "centre.statements", 50)
nav("centre", "效率奖励", "centre.bonus", 60)


def institution() -> Institution:
    """The signed-in centre's institution."""
    found = db.session.get(Institution, current_user.institution_id)
    if found is None:  # a user's institution is never deleted; be safe anyway
        raise NotFound("your institution is unknown")
    return found


def year_arg(years: list[int]) -> int:
    """?year=, else the latest year with records, else this year."""
    wanted = whole_arg("year", bounds.YEAR)
    if wanted is not None:
        return wanted
    return years[0] if years else date.today().year


def pairs(query: Any) -> dict[Any, Any]:
    """A two-column query as a dict."""
    return {key: value for key, value in db.session.execute(query)}
