"""Assessment scores and surpluses (R16) and the bonus caps they give (R17)."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp import bounds
from haiyan_comp.bonus.models import Assessment
from haiyan_comp.bonus.services import set_assessment, year_bonus
from haiyan_comp.db import db
from haiyan_comp.errors import DomainError
from haiyan_comp.institutions.models import Institution
from haiyan_comp.money import format_hundredths
from haiyan_comp.settlement.models import YearSettlement
from haiyan_comp.web.access import allow
from haiyan_comp.web.finance.common import (
    FormErrors,
    Page,
    _by,
    _institutions,
    _names,
    _render,
    _settled,
    _year_arg,
    bp,
)


def _assessments_page(
    year: int,
    *,
    values: dict[str, dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Page:
    session = db.session
    settled = _settled(session, year)
    bonuses = year_bonus(session, year) if settled is not None else []
    if values is None:
        values = {}
        for row in session.execute(
            select(Institution.code, Assessment)
            .join(Institution, Institution.id == Assessment.institution_id)
            .where(Assessment.year == year)
        ).all():
            code, assessment = row
            values[code] = {
                "score": format_hundredths(assessment.score),
                "surplus": format_hundredths(assessment.surplus),
            }
    return _render(
        "finance/assessments.html",
        status,
        year=year,
        years=sorted(session.scalars(select(YearSettlement.year)), reverse=True),
        settled=settled,
        bonuses=bonuses,
        names=_names(session),
        values=values,
        errors=errors or {},
        message=message,
        cap_total=sum(b.cap for b in bonuses),
        pool_total=sum(b.pool for b in bonuses),
        qualifying=95_000,
    )


@bp.get("/assessments")
@allow("finance")
def assessments() -> Page:
    """R16–R19: each institution's score and surplus, and the bonus caps they give."""
    return _assessments_page(_year_arg(db.session))


@bp.post("/assessments")
@allow("finance")
def assessments_save() -> Page | BaseResponse:
    """Record every changed score and surplus at once; nothing on any error."""
    session = db.session
    year = _year_arg(session)
    stored = {
        code: (a.score, a.surplus)
        for code, a in session.execute(
            select(Institution.code, Assessment)
            .join(Institution, Institution.id == Assessment.institution_id)
            .where(Assessment.year == year)
        )
    }
    values: dict[str, dict[str, str]] = {}
    errors = FormErrors()
    wanted: dict[str, tuple[int, int]] = {}
    for institution in _institutions(session):
        code = institution.code
        form = MultiDict(
            {
                f"score-{code}": request.form.get(f"score-{code}", "").strip(),
                f"surplus-{code}": request.form.get(f"surplus-{code}", "").strip(),
            }
        )
        values[code] = {"score": form[f"score-{code}"], "surplus": form[f"surplus-{code}"]}
        if not any(values[code].values()):
            continue
        score = errors.money(
            form,
            f"score-{code}",
            bound=bounds.SCORE,
            too_large=_("考核得分须在 0–1000 之间（R16）"),
        )
        surplus = errors.money(form, f"surplus-{code}", negative=True)
        if score is not None and surplus is not None and stored.get(code) != (score, surplus):
            wanted[code] = (score, surplus)
    if errors:
        return _assessments_page(year, values=values, errors=errors, status=422)
    try:
        with db.unit_of_work():
            for code, (score, surplus) in wanted.items():
                set_assessment(db.session, year, code, score=score, surplus=surplus, by=_by())
    except DomainError as exc:
        return _assessments_page(year, values=values, message=exc.message, status=exc.status)
    flash(_("已保存 %(n)s 家机构的考核结果。", n=len(wanted)), "success")
    return redirect(url_for("finance.assessments", year=year))
