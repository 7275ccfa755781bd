"""The centre's efficiency bonus: R17's cap and pool, and the pay sheet (R19)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.errors import InvalidInput
from haiyan_comp.money import AmountError, format_hundredths, parse_hundredths
from haiyan_comp.operations import bonus as operations
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.common import bp, year_arg
from haiyan_comp.web.inputs import amount_problem, plain_amount
from haiyan_comp.web.layout import amount


@bp.get("/bonus")
@allow("centre")
def bonus() -> tuple[str, int]:
    """R17 cap and pool, and the pay sheet (R19) of a settled, assessed year."""
    return _bonus_page(year_arg(operations.settled_years()))


def _bonus_page(year: int, errors: dict[str, str] | None = None) -> tuple[str, int]:
    code = current_user.institution_code
    page = operations.centre_bonus(year, code)
    shares = page.bonus.staff if page.bonus is not None else ()
    return (
        render_template(
            "centre/bonus.html",
            institution={"code": code, "name": page.institution_name},
            year=year,
            years=sorted(set(page.settled_years) | {year}, reverse=True),
            staff_names=page.staff_names,
            errors=errors or {},
            form=request.form,
            settled=page.settled,
            assessment=page.assessment,
            bonus=page.bonus,
            weights={s.code: format_hundredths(s.weight) for s in shares},
            performance_pay=page.performance_pay,
            sheet=page.sheet,
            qualifies=page.qualifies,
        ),
        422 if errors else 200,
    )


def _amount_field(name: str, label: str, errors: dict[str, str]) -> int | None:
    text = request.form.get(name, "")
    try:
        return parse_hundredths(plain_amount(text), what=label)  # 1,234.50 as people write it
    except AmountError as exc:
        errors[name] = f"{label}：{amount_problem(exc, text)}"
        return None


@bp.post("/bonus/<year:year>/pool")
@allow("centre")
def bonus_pool(year: int) -> BaseResponse | tuple[str, int]:
    """Choose the bonus pool (at most the cap)."""
    errors: dict[str, str] = {}
    chosen = _amount_field("pool", _("奖励总额"), errors)
    if chosen is None:
        return _bonus_page(year, errors)
    by = f"web:{current_user.username}"
    try:
        pool = operations.choose_pool(year, current_user.institution_code, chosen, by)
    except InvalidInput as exc:
        return _bonus_page(year, {"pool": exc.message})
    flash(_("效率奖励总额已定为 %(pool)s 元。", pool=amount(pool)), "success")
    return redirect(url_for("centre.bonus", year=year))


@bp.post("/bonus/<year:year>/paysheet")
@allow("centre")
def bonus_paysheet(year: int) -> BaseResponse | tuple[str, int]:
    """Enter the pay sheet: the performance-pay total T (R19)."""
    errors: dict[str, str] = {}
    pay = _amount_field("performance_pay", _("绩效工资总额"), errors)
    if pay is None:
        return _bonus_page(year, errors)
    code = current_user.institution_code
    if operations.assessment(year, code) is None:
        return _bonus_page(year, {"performance_pay": _("本年度尚未考核，不能填报发放单。")})
    try:
        operations.record_pay_sheet(year, code, pay, f"web:{current_user.username}")
    except InvalidInput as exc:
        return _bonus_page(year, {"performance_pay": exc.message})
    flash(_("发放单已保存：绩效工资总额 %(pay)s 元。", pay=amount(pay)), "success")
    return redirect(url_for("centre.bonus", year=year))
