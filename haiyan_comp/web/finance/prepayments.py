"""Prepayment runs (R13): what is due, and paying it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import (
    request,
)

from haiyan_comp.budget.services import (
    ScheduledInstalment,
    pay_due_instalments,
    schedule,
)
from haiyan_comp.db import db
from haiyan_comp.errors import InvalidInput, NotFound
from haiyan_comp.web.access import allow
from haiyan_comp.web.finance.common import (
    Page,
    _by,
    _date_arg,
    _known_years,
    _names,
    _render,
    _settled,
    _year_arg,
    bp,
)


def _prepayments_page(
    year: int,
    *,
    as_of: date | None = None,
    paid: list[ScheduledInstalment] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Page:
    session = db.session
    plan: list[ScheduledInstalment] = []
    problem = None
    try:
        plan = schedule(session, year)
    except NotFound as exc:
        problem = exc.message
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
        }
        for number, items in sorted(by_number.items())
    ]
    return _render(
        "finance/prepayments.html",
        status,
        year=year,
        years=_known_years(session),
        plan=plan,
        rounds=rounds,
        matrix=matrix,
        problem=problem,
        names=_names(session),
        settled=_settled(session, year),
        total=sum(i.gross for i in plan),
        paid_total=sum(i.gross for i in plan if i.paid),
        as_of=as_of or date.today(),
        ran=paid is not None,
        paid=paid or [],
        message=message,
    )


@bp.get("/prepayments")
@allow("finance")
def prepayments() -> Page:
    """The instalment schedule of a year and the prepayment run form (R11, R12)."""
    return _prepayments_page(_year_arg(db.session))


@bp.post("/prepayments/run")
@allow("finance")
def prepayments_run() -> Page:
    """R12: pay every instalment due on or before the date and not yet paid (never twice)."""
    year = _year_arg(db.session)
    try:
        as_of = _date_arg(request.form.get("as_of"), date.today())
    except InvalidInput as exc:
        return _prepayments_page(year, message=exc.message, status=422)
    with db.unit_of_work():
        paid = pay_due_instalments(db.session, as_of, _by())
    return _prepayments_page(year, as_of=as_of, paid=paid)
