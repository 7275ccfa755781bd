"""What the audit pages share: the blueprint, its menu entries, the year shown, who acts."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp import bounds
from haiyan_comp.audit.lookups import Choices
from haiyan_comp.audit.reports import iso
from haiyan_comp.web.inputs import whole_arg
from haiyan_comp.web.layout import nav

bp = Blueprint("audit", __name__, url_prefix="/audit")
nav("auditor", "首页", "audit.home", 10)
nav("auditor", "抽样", "audit.draw", 20)
nav("auditor", "自动标记", "audit.flags", 30)
nav("auditor", "问题追溯", "audit.findings", 40)
nav("finance", "审计结果", "audit.home", 70)

Page = str | BaseResponse | tuple[str, int]


@bp.context_processor
def _helpers() -> dict[str, object]:
    # The batch page shows its moments as the API writes them (UTC), as it always has.
    return {"iso": iso}


def year_shown(choices: Choices) -> int:
    """The year asked for (?year=), else the newest open year, else the newest, else today's."""
    asked = whole_arg("year", bounds.YEAR)
    if asked is not None:
        return asked
    return (choices.open_years or choices.years or (date.today().year,))[0]


def actor() -> str:
    """Who acts, for the audit trail: the signed-in user's name."""
    return str(current_user.username)
