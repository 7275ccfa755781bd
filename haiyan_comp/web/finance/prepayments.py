"""Prepayment runs (R13): what is due, and paying it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import (
    request,
)

from haiyan_comp import clock
from haiyan_comp.errors import InvalidInput
from haiyan_comp.operations.budget import ScheduledInstalment, pay_instalments, prepayments_page
from haiyan_comp.operations.money import run_preview
from haiyan_comp.web.access import allow
from haiyan_comp.web.finance.common import Page, _by, _date_arg, _frame, _page_year, _render, bp


def _prepayments_page(
    year: int,
    *,
    as_of: date | None = None,
    paid: list[ScheduledInstalment] | None = None,
    message: str | None = None,
    status: int = 200,
    preview_date: date | None = None,
) -> Page:
    frame = _frame(year)
    page = prepayments_page(year)
    today = clock.today()
    plan, problem = page.plan, page.problem
    by_number: defaultdict[int, list[ScheduledInstalment]] = defaultdict(list)
    matrix: dict[str, dict[int, ScheduledInstalment]] = {}
    for item in plan:
        by_number[item.number].append(item)
        matrix.setdefault(item.institution, {})[item.number] = item
    rounds = [
        {
            "number": number,
            "due": items[0].due,
            "gross": sum(i.gross for i in items),
            "paid": sum(i.gross for i in items if i.paid),
            "cash": sum(i.cash or 0 for i in items),
            "offset": sum(i.offset or 0 for i in items),
            "done": all(i.paid for i in items),
            "overdue": frame.settled is None and any(not i.paid and i.due < today for i in items),
        }
        for number, items in sorted(by_number.items())
    ]
    return _render(
        "finance/prepayments.html",
        status,
        year=year,
        years=frame.years,
        plan=plan,
        rounds=rounds,
        matrix=matrix,
        problem=problem,
        names=frame.names,
        settled=frame.settled,
        total=sum(i.gross for i in plan),
        paid_total=sum(i.gross for i in plan if i.paid),
        as_of=as_of or today,
        today=today,
        preview=run_preview(preview_date or as_of or today),
        ran=paid is not None,
        paid=paid or [],
        message=message,
    )


@bp.get("/prepayments")
@allow("finance")
def prepayments() -> Page:
    """The instalment schedule of a year and the prepayment run form (R11, R12): what a run
    as of ?as_of= (today when absent) would pay, confirmed with its amount and count."""
    year = _page_year()
    try:
        preview_date = _date_arg(request.args.get("as_of"), clock.today())
    except InvalidInput as exc:
        return _prepayments_page(year, message=exc.message, status=422)
    return _prepayments_page(year, preview_date=preview_date)


@bp.post("/prepayments/run")
@allow("finance")
def prepayments_run() -> Page:
    """R12: pay every instalment due on or before the date and not yet paid (never twice)."""
    year = _page_year()
    try:
        as_of = _date_arg(request.form.get("as_of"), date.today())
    except InvalidInput as exc:
        return _prepayments_page(year, message=exc.message, status=422)
    paid = pay_instalments(as_of, _by())
    return _prepayments_page(year, as_of=as_of, paid=paid)
