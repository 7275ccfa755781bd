"""The centre's efficiency bonus: R17's cap and pool, and the pay sheet (R19)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.bonus.models import Assessment
from haiyan_comp.bonus.rules import QUALIFYING_SCORE
from haiyan_comp.bonus.services import (
    choose_bonus_pool,
    institution_bonus,
    pay_sheet,
    record_pay_sheet,
    recorded_performance_pay,
)
from haiyan_comp.db import db
from haiyan_comp.errors import InvalidInput
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.money import AmountError, parse_hundredths
from haiyan_comp.settlement.models import YearSettlement
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.common import bp, institution, pairs, year_arg
from haiyan_comp.web.inputs import amount_problem
from haiyan_comp.web.layout import amount


def _bonus_state(own: Institution, year: int) -> dict[str, Any]:
    settled = db.session.get(YearSettlement, year) is not None
    assessment = db.session.get(Assessment, (year, own.id)) if settled else None
    state: dict[str, Any] = {"settled": settled, "assessment": assessment, "bonus": None}
    if assessment is None:
        return state
    state["bonus"] = institution_bonus(db.session, year, own)
    state["weights"] = {s["code"]: s["weight"] for s in state["bonus"].to_json()["staff"]}
    pay = recorded_performance_pay(db.session, year, own.code)
    state["performance_pay"] = pay
    state["sheet"] = None if pay is None else pay_sheet(db.session, year, own.code, pay)
    state["qualifies"] = assessment.score >= QUALIFYING_SCORE
    return state


def _settled_years() -> list[int]:
    return list(
        db.session.scalars(select(YearSettlement.year).order_by(YearSettlement.year.desc()))
    )


@bp.get("/bonus")
@allow("centre")
def bonus() -> tuple[str, int]:
    """R17 cap and pool, and the pay sheet (R19) of a settled, assessed year."""
    return _bonus_page(year_arg(_settled_years()))


def _bonus_page(year: int, errors: dict[str, str] | None = None) -> tuple[str, int]:
    own = institution()
    settled = _settled_years()
    staff_names = pairs(select(Staff.code, Staff.name).where(Staff.institution_id == own.id))
    return (
        render_template(
            "centre/bonus.html",
            institution=own,
            year=year,
            years=sorted(set(settled) | {year}, reverse=True),
            staff_names=staff_names,
            errors=errors or {},
            form=request.form,
            **_bonus_state(own, year),
        ),
        422 if errors else 200,
    )


def _amount_field(name: str, label: str, errors: dict[str, str]) -> int | None:
    text = request.form.get(name, "")
    try:
        return parse_hundredths(text, what=label)
    except AmountError as exc:
        errors[name] = f"{label}：{amount_problem(exc, text)}"
        return None


@bp.post("/bonus/<year:year>/pool")
@allow("centre")
def bonus_pool(year: int) -> BaseResponse | tuple[str, int]:
    """Choose the bonus pool (at most the cap)."""
    errors: dict[str, str] = {}
    amount = _amount_field("pool", _("奖励总额"), errors)
    if amount is None:
        return _bonus_page(year, errors)
    try:
        with db.unit_of_work():
            pool = choose_bonus_pool(
                db.session,
                year,
                current_user.institution_code,
                amount,
                f"web:{current_user.username}",
            )
    except InvalidInput as exc:
        return _bonus_page(year, {"pool": exc.message})
    flash(_("效率奖励总额已定为 %(pool)s 元。", pool=_fmt(pool)), "success")
    return redirect(url_for("centre.bonus", year=year))


@bp.post("/bonus/<year:year>/paysheet")
@allow("centre")
def bonus_paysheet(year: int) -> BaseResponse | tuple[str, int]:
    """Enter the pay sheet: the performance-pay total T (R19)."""
    errors: dict[str, str] = {}
    amount = _amount_field("performance_pay", _("绩效工资总额"), errors)
    if amount is None:
        return _bonus_page(year, errors)
    code = current_user.institution_code
    if db.session.get(Assessment, (year, current_user.institution_id)) is None:
        return _bonus_page(year, {"performance_pay": _("本年度尚未考核，不能填报发放单。")})
    try:
        with db.unit_of_work():
            record_pay_sheet(db.session, year, code, amount, f"web:{current_user.username}")
    except InvalidInput as exc:
        return _bonus_page(year, {"performance_pay": exc.message})
    flash(_("发放单已保存：绩效工资总额 %(pay)s 元。", pay=_fmt(amount)), "success")
    return redirect(url_for("centre.bonus", year=year))


def _fmt(hundredths: int) -> str:
    return amount(hundredths)
