"""Assessment scores and surpluses (R16) and the bonus caps they give (R17)."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp import bounds
from haiyan_comp.errors import DomainError
from haiyan_comp.money import format_hundredths
from haiyan_comp.operations import bonus as operations
from haiyan_comp.operations.bonus import AssessmentsView
from haiyan_comp.web.access import allow
from haiyan_comp.web.finance.common import (
    FormErrors,
    Page,
    _by,
    _render,
    _year_arg,
    bp,
)
from haiyan_comp.web.layout import amount

QUALIFYING = 95_000  # R17's 950.00, as the page marks it


def _assessments_page(
    view: AssessmentsView,
    *,
    values: dict[str, dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Page:
    if values is None:
        values = {
            a.institution: {
                "score": format_hundredths(a.score),
                "surplus": amount(a.surplus),  # 120,000.00, as the field takes it back
            }
            for a in view.assessments
        }
    return _render(
        "finance/assessments.html",
        status,
        year=view.year,
        years=view.years,
        settled=view.settled,
        bonuses=view.bonuses,
        names=view.names,
        values=values,
        errors=errors or {},
        message=message,
        cap_total=sum(b.cap for b in view.bonuses),
        pool_total=sum(b.pool for b in view.bonuses),
        qualifying=QUALIFYING,
    )


@bp.get("/assessments")
@allow("finance")
def assessments() -> Page:
    """R16–R19: each institution's score and surplus, and the bonus caps they give."""
    return _assessments_page(operations.assessments(_year_arg()))


def _wanted(
    view: AssessmentsView, values: dict[str, dict[str, str]], errors: FormErrors
) -> dict[str, tuple[int, int]]:
    """Every (score, surplus) the form changes, by institution; problems go to `errors`."""
    stored = {a.institution: (a.score, a.surplus) for a in view.assessments}
    wanted: dict[str, tuple[int, int]] = {}
    for code in view.institutions:
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
    return wanted


@bp.post("/assessments")
@allow("finance")
def assessments_save() -> Page | BaseResponse:
    """Record every changed score and surplus at once; nothing on any error."""
    year = _year_arg()
    view = operations.assessments(year)
    values: dict[str, dict[str, str]] = {}
    errors = FormErrors()
    wanted = _wanted(view, values, errors)
    if errors:
        return _assessments_page(view, values=values, errors=errors, status=422)
    try:
        saved = operations.set_assessments(year, wanted, _by())
    except DomainError as exc:
        view = operations.assessments(year)
        return _assessments_page(view, values=values, message=exc.message, status=exc.status)
    flash(_("已保存 %(n)s 家机构的考核结果。", n=saved), "success")
    return redirect(url_for("finance.assessments", year=year))
