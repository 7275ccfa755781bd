"""Settlement (R14, R15): a preview, then the confirmed run; and the ledger."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp import bounds
from haiyan_comp.errors import Conflict, DomainError, InvalidInput, NotFound
from haiyan_comp.operations.ledger import ledger_page, verify_books
from haiyan_comp.operations.settlement import preview_settlement, settled_year
from haiyan_comp.web import jobs
from haiyan_comp.web.access import allow
from haiyan_comp.web.finance.common import (
    LEDGER_PAGE,
    Page,
    _by,
    _date_arg,
    _frame,
    _page_year,
    _render,
    bp,
)
from haiyan_comp.web.inputs import whole_arg


def _default_as_of(year: int) -> date:
    """Today, or the first day a year may be settled (R13) when that is later."""
    return max(date.today(), date(year + 1, 1, 1))


def _settled_rows(year: int) -> list[dict[str, Any]]:
    """Every institution's line of settled `year` (none when it is not settled)."""
    done = settled_year(year)
    return [vars(line) for line in done.institutions] if done else []


def _settlement_page(
    year: int, as_of: date | None = None, *, message: str | None = None, status: int = 200
) -> Page:
    frame = _frame(year)
    settled = frame.settled
    context: dict[str, Any] = {
        "year": year,
        "years": frame.years,
        "settled": settled,
        "message": message,
        "names": frame.names,
        "done": request.args.get("done") == "1",
    }
    if settled is not None:
        rows = _settled_rows(year)
        context.update(rows=rows, as_of=settled.as_of, unit_price=settled.unit_price,
                       budget=settled.budget, risk_fund_draw=settled.risk_fund_draw)  # fmt: skip
    else:
        as_of = as_of or _default_as_of(year)
        context["as_of"] = as_of
        try:
            preview = preview_settlement(year, as_of)
        except DomainError as exc:
            context["problem"] = exc
            rows = []
        else:
            rows = [{**vars(i), "balance": i.balance, "name": context["names"].get(i.code, "")}
                    for i in preview.institutions]  # fmt: skip
            context.update(unit_price=preview.unit_price, budget=preview.budget,
                           risk_fund_draw=preview.risk_fund_draw)  # fmt: skip
        context["rows"] = rows
    rows = context["rows"]
    final = sum(r["final"] for r in rows)
    context.update(
        final_total=final,
        purchased_total=sum(r["purchased"] for r in rows),
        entitlement_total=sum(r["entitlement"] for r in rows),
        prepaid_total=sum(r["prepaid"] for r in rows),
        top_ups=sum(r["balance"] for r in rows if r["balance"] > 0),
        debts=-sum(r["balance"] for r in rows if r["balance"] < 0),
    )
    if rows:
        draw = context["risk_fund_draw"]
        context["budget_draw"] = final - draw
        context["unspent"] = max(context["budget"] - (final - draw), 0)
    return _render("finance/settlement.html", status, **context)


@bp.get("/settlement")
@allow("finance")
def settlement() -> Page:
    """A settled year's settlement, or the preview of an open one (R13, R14)."""
    year = _page_year()
    try:
        as_of = _date_arg(request.args.get("as_of"), _default_as_of(year))
    except InvalidInput as exc:
        return _settlement_page(year, message=exc.message, status=422)
    return _settlement_page(year, as_of)


@bp.post("/settlement/confirm")
@allow("finance")
def settlement_confirm() -> Page | BaseResponse:
    """Settle the year for real, as a job with progress; a settled year answers 409."""
    year = _page_year()
    try:
        as_of = _date_arg(request.form.get("as_of"), _default_as_of(year))
    except InvalidInput as exc:
        return _settlement_page(year, message=exc.message, status=422)
    if _frame(year).settled is not None:
        try:  # the service's own refusal, word for word
            preview_settlement(year, as_of)
        except Conflict as exc:
            return _settlement_page(year, message=exc.message, status=409)
    params = {
        "year": year,
        "as_of": as_of.isoformat(),
        "by": _by(),
        "result_url": url_for("finance.settlement", year=year, done=1),
    }
    title = _("%(year)s 年度结算", year=year)
    return redirect(jobs.job_url(jobs.submit("settlement", title, params)))


KIND_LABELS = {
    "instalment": "分期预付",
    "settlement": "结算转记",
    "top_up": "结算补付",
    "debt": "结算欠款",
    "risk_fund_draw": "动用风险金",
    "adjustment": "调整",
}


ENTRY_OR_START = bounds.WholeBound(0, bounds.ID.highest)  # ?after=0: the oldest entries


@bp.get("/ledger")
@allow("finance")
def ledger() -> Page:
    """The journal (every money movement, newest first): date, description, account,
    debit, credit and the account's balance after it, who by name; filtered by year,
    institution and account, paged by keyset (?before= / ?after= an entry); and what the
    latest verification of the books found (核对台账 runs one)."""
    year_text = request.args.get("year", "").strip()
    year = _page_year() if year_text else None
    code = request.args.get("institution", "").strip() or None
    account = request.args.get("account", "").strip()[:100] or None
    frame = _frame(year)
    names = frame.names
    if code is not None and code not in names:
        raise NotFound(_("没有机构 %(code)s", code=code))
    page = whole_arg("page", bounds.ID) or 1
    before, after = whole_arg("before", bounds.ID), whole_arg("after", ENTRY_OR_START)
    journal, check = ledger_page(year, code, account, page, LEDGER_PAGE, before=before, after=after)
    if account is not None and account not in dict(journal.accounts):
        raise NotFound(_("没有科目 %(account)s", account=account))
    pages = max(1, -(-journal.count // LEDGER_PAGE))
    if page > pages and before is None and after is None:
        page = pages
        journal, check = ledger_page(year, code, account, page, LEDGER_PAGE)
    return _render(
        "finance/ledger.html",
        journal=journal,
        check=check,
        year=year,
        code=code,
        account=account,
        years=frame.years,
        names=names,
        kinds=KIND_LABELS,
        checked=request.args.get("checked") == "1",
    )


@bp.post("/ledger/verify")
@allow("finance")
def ledger_verify() -> BaseResponse:
    """核对台账: recompute the books now (as `haiyan ledger verify`) and keep the result;
    back to the ledger page, which shows it."""
    verify_books(_by())
    return redirect(url_for("finance.ledger", checked=1), code=303)
