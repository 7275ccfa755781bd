"""The centre's blueprint, its menu, and what its pages share."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask_login import current_user

from haiyan_comp import bounds
from haiyan_comp.operations.institutions import InstitutionRow, institution_by_id
from haiyan_comp.web.inputs import whole_arg
from haiyan_comp.web.layout import nav

bp = Blueprint("centre", __name__, url_prefix="/centre")
nav("centre", "首页", "centre.home", 10)
nav("centre", "服务记录", "centre.records", 20)
nav("centre", "导入记录", "centre.upload", 30)
nav("centre", "审计扣减", "centre.deductions", 40)
nav("centre", "结算单据", "centre.statements", 50)
nav("centre", "效率奖励", "centre.bonus", 60)


def institution() -> InstitutionRow:
    """The signed-in centre's institution."""
    return institution_by_id(current_user.institution_id)


def year_arg(years: list[int]) -> int:
    """?year=, else the latest year with records, else this year."""
    wanted = whole_arg("year", bounds.YEAR)
    if wanted is not None:
        return wanted
    return years[0] if years else date.today().year
