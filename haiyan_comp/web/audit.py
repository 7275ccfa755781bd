"""The auditor's pages (R5–R8): batches, flags, drawing a sample, verdicts, closing, findings.

Auditors draw, judge and close; finance may read batches, flags and findings
but never records a verdict (segregation of duties, CONTRACT.md). Every change
calls the same service as `haiyan audit …` inside one unit of work, so a refused
draw or verdict leaves nothing behind.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp import bounds
from haiyan_comp.audit.flags import AFTER_IMPORT, REPEAT, RULES, STAFF_DAY, flag_report
from haiyan_comp.audit.models import AuditBatch
from haiyan_comp.audit.reports import batch_detail, findings, list_batches
from haiyan_comp.audit.rules import VerdictsMissing
from haiyan_comp.audit.services import close_audit, draw_batch, record_verdict
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.db import db
from haiyan_comp.errors import Conflict, DomainError
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.money import format_hundredths, parse_hundredths
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.web.access import allow
from haiyan_comp.web.inputs import whole_arg
from haiyan_comp.web.layout import nav
from haiyan_comp.years.models import Year

bp = Blueprint("audit", __name__, url_prefix="/audit")
nav("auditor", "首页", "audit.home", 10)
nav("auditor", "抽样", "audit.draw", 20)
nav("auditor", "自动标记", "audit.flags", 30)
nav("auditor", "问题追溯", "audit.findings", 40)
nav("finance", "审计结果", "audit.home", 70)

Page = str | BaseResponse | tuple[str, int]
RECENT_CLOSED = 12
FLAG_LIMITS = (100, 500, 1000, 5000)


# --- shared lookups -------------------------------------------------------------------------


def _years() -> list[int]:
    """Every scheme year, newest first."""
    return list(db.session.scalars(select(Year.year).order_by(Year.year.desc())))


def _year() -> int:
    """The year asked for (?year=), else the newest open year, else the newest, else today's."""
    asked = whole_arg("year", bounds.YEAR)
    if asked is not None:
        return asked
    rows = db.session.execute(select(Year.year, Year.settled_at).order_by(Year.year.desc())).all()
    open_years = [year for year, settled in rows if settled is None]
    return (open_years or [year for year, _settled in rows] or [date.today().year])[0]


def _institutions() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Institution.code, Institution.name).order_by(Institution.code))
    return [(code, name) for code, name in rows]


def _items(year: int) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(ServiceItem.code, ServiceItem.name)
        .where(ServiceItem.year == year)
        .order_by(ServiceItem.position)
    )
    return [(code, name) for code, name in rows]


def _staff_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.session.execute(select(Staff.code, Staff.name).where(Staff.code.in_(codes)))
    return {code: name for code, name in rows}


def _actor() -> str:
    """Who acts, for the audit trail: the signed-in user's name."""
    return str(current_user.username)


# --- home -----------------------------------------------------------------------------------


@bp.get("/")
@allow("auditor", "finance")
def home() -> Page:
    """Open batches with their progress, recently closed ones, and the way to each page."""
    year = _year()
    views = list_batches(db.session, year)
    open_views = [v for v in views if not v.closed]
    closed = sorted(
        (v for v in views if v.closed), key=lambda v: (v.batch.closed_at, v.batch.id), reverse=True
    )
    stats = {
        "open": len(open_views),
        "closed": len(closed),
        "pending": sum(v.pending for v in open_views),
        "deducted": sum(v.batch.deduction or 0 for v in closed),
    }
    show_all = request.args.get("all") == "1"
    return render_template(
        "audit/home.html",
        year=year,
        years=_years(),
        open_views=open_views,
        closed=closed if show_all else closed[:RECENT_CLOSED],
        closed_hidden=0 if show_all else max(0, len(closed) - RECENT_CLOSED),
        stats=stats,
        names=dict(_institutions()),
    )


# --- flags ----------------------------------------------------------------------------------

RULE_LABELS = {
    REPEAT: _l("同一居民同日重复"),
    STAFF_DAY: _l("单人单日超 32 当量"),
    AFTER_IMPORT: _l("服务日期晚于导入日"),
}
RULE_HELP = {
    REPEAT: _l("同一机构同一居民同日接受同一项目服务不止一次"),
    STAFF_DAY: _l("同一职工一天记录的当量超过上限（8 小时的 15 分钟当量）"),
    AFTER_IMPORT: _l("服务日期晚于带入该记录的导入日期（县时间）"),
}
_DETAIL = (
    (re.compile(r"^(\d+) records of (\S+) for resident (\S+) on (\S+)$"),
     _l("居民 {2} 于 {3} 有 {0} 条 {1} 记录")),
    (re.compile(r"^(\S+) recorded ([\d.]+) units on (\S+) \(more than ([\d.]+)\)$"),
     _l("{0} 于 {2} 共记 {1} 当量（上限 {3}）")),
    (re.compile(r"^dated (\S+), after import #(\d+) of (\S+)$"),
     _l("服务日期 {0}，晚于第 {1} 次导入的日期 {2}")),
)  # fmt: skip


def flag_detail(text: str) -> str:
    """The service's English explanation of a flag, in the pages' Chinese."""
    for pattern, chinese in _DETAIL:
        match = pattern.match(text)
        if match:
            return str(chinese).format(*match.groups())
    return text


@bp.get("/flags")
@allow("auditor", "finance")
def flags() -> Page:
    """The automatic checks per institution and staff member, and the flagged records."""
    year = _year()
    institution = request.args.get("institution") or None
    rule = request.args.get("rule") if request.args.get("rule") in RULES else None
    limit = whole_arg("limit", bounds.ID) or 1000
    limit = limit if limit in FLAG_LIMITS else 1000
    report = flag_report(db.session, year, institution, limit)
    listed = [f for f in report["flags"] if rule is None or f["rule"] == rule]
    for entry in listed:
        entry["text"] = flag_detail(entry["detail"])
    return render_template(
        "audit/flags.html",
        year=year,
        years=_years(),
        institution=institution,
        rule=rule,
        limit=limit,
        limits=FLAG_LIMITS,
        report=report,
        listed=listed,
        labels=RULE_LABELS,
        rule_help=RULE_HELP,
        institutions=_institutions(),
        total_flags=sum(report["totals"][r] for r in RULES),
    )


# --- draw -----------------------------------------------------------------------------------

DRAW_FIELDS = ("year", "institution", "item", "size", "seed", "date_from", "date_to")


def _parse_draw(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The draw form's values for draw_batch, and what is wrong with each field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, bound in (("year", bounds.YEAR), ("size", bounds.ID)):
        number = bound.parse(form.get(name, ""))
        if number is None:
            errors[name] = _(
                "请填写正整数（%(low)s 至 %(high)s）。", low=bound.lowest, high=bound.highest
            )
        else:
            values[name] = number
    for name in ("institution", "item", "seed"):
        if not form.get(name, "").strip():
            errors[name] = _("必填。")
        values[name] = form.get(name, "").strip() if name != "seed" else form.get(name, "")
    for name in ("date_from", "date_to"):
        text = form.get(name, "").strip()
        try:
            values[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[name] = _("日期格式应为 YYYY-MM-DD。")
    values["flagged_only"] = form.get("flagged_only") == "1"
    return values, errors


@bp.route("/draw", methods=["GET", "POST"])
@allow("auditor")
def draw() -> Page:
    """Draw a sample as `haiyan audit draw` does; errors beside the form, nothing stored."""
    if request.method == "GET":
        form = {name: request.args.get(name, "") for name in DRAW_FIELDS}
        form["year"] = form["year"] or str(_year())
        form["flagged_only"] = "1" if request.args.get("flagged") == "1" else ""
        return _draw_page(form, {}, None)
    form = {name: request.form.get(name, "") for name in (*DRAW_FIELDS, "flagged_only")}
    values, errors = _parse_draw(form)
    if errors:
        return _draw_page(form, errors, _("请改正标出的字段后再抽样。"), 422)
    try:
        with db.unit_of_work():
            result = draw_batch(
                db.session, year=values["year"], institution_code=values["institution"],
                item_code=values["item"], size=values["size"], seed=values["seed"],
                date_from=values["date_from"], date_to=values["date_to"],
                flagged_only=values["flagged_only"], drawn_by=_actor(),
            )  # fmt: skip
            document = result.to_json()
    except DomainError as exc:  # the form's input broke a rule, or overlaps a batch (409)
        return _draw_page(form, {}, exc.message, 409 if isinstance(exc, Conflict) else 422)
    flash(
        _("已抽取批次 %(id)s：总体 N = %(n)s 条记录，U = %(u)s 当量，样本 %(size)s 条。",
          id=document["batch"], n=document["N"], u=document["U"], size=document["n"]),
        "success",
    )  # fmt: skip
    return redirect(url_for("audit.batch", batch_id=document["batch"]))


def _draw_page(
    form: dict[str, str], errors: dict[str, str], message: str | None, status: int = 200
) -> tuple[str, int]:
    year = bounds.YEAR.parse(form.get("year", "")) or _year()
    page = render_template(
        "audit/draw.html",
        form=form,
        errors=errors,
        message=message,
        years=_years(),
        institutions=_institutions(),
        items=_items(year),
    )
    return page, status


# --- a batch: verdicts and closing --------------------------------------------------------


@bp.get("/batches/<int:batch_id>")
@allow("auditor", "finance")
def batch(batch_id: int) -> Page:
    """The sample record by record, one at a time, with Pass / Fail; the whole list below."""
    return _batch_page(batch_id, request.args.get("record"))


def _batch_page(
    batch_id: int,
    wanted: str | None,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    detail = batch_detail(db.session, batch_id)
    sample: list[dict[str, Any]] = detail["sample"]
    position = _current(sample, wanted)
    current = sample[position] if position is not None else None
    stored = db.session.get(AuditBatch, batch_id)
    assert stored is not None  # batch_detail found it
    item = db.session.get(ServiceItem, stored.item_id)
    institution = db.session.get(Institution, stored.institution_id)
    codes = {s["staff"] for s in sample} | {s["responsible"] for s in sample if s["responsible"]}
    page = render_template(
        "audit/batch.html",
        b=detail,
        sample=sample,
        position=position,
        current=current,
        record=_record(stored.institution_id, current["source_id"]) if current else None,
        item=item,
        institution=institution,
        staff_names=_staff_names(codes),
        judged=detail["n"] - detail["pending"],
        failed=sum(1 for s in sample if s["verdict"] == "fail"),
        can_judge=current_user.role == "auditor" and detail["state"] == "open",
        error=error,
        form=form or {},
    )
    return page, status


def _current(sample: list[dict[str, Any]], wanted: str | None) -> int | None:
    """The record asked for, else the first without a verdict, else none (all judged)."""
    for index, entry in enumerate(sample):
        if entry["source_id"] == wanted:
            return index
    for index, entry in enumerate(sample):
        if entry["verdict"] is None:
            return index
    return None


def _record(institution_id: int, source_id: str) -> dict[str, Any] | None:
    """What the auditor checks of one sampled record beyond the sample list."""
    row = db.session.execute(
        select(ServiceRecord.quantity, ServiceRecord.units, ServiceRecord.purchasable).where(
            ServiceRecord.institution_id == institution_id, ServiceRecord.source_id == source_id
        )
    ).first()
    if row is None:
        return None
    return {"quantity": row.quantity, "units": row.units, "purchasable": row.purchasable}


@bp.post("/batches/<int:batch_id>/verdict")
@allow("auditor")
def verdict(batch_id: int) -> Page:
    """Record (or change) one verdict, then show the next record without one (R7)."""
    source_id = request.form.get("source_id", "")
    outcome = request.form.get("outcome", "")
    reason = request.form.get("reason") if outcome == "fail" else None
    staff = (request.form.get("staff") or "").strip() or None
    try:
        with db.unit_of_work():
            result = record_verdict(
                db.session, batch_id, source_id, outcome, reason=reason,
                staff_code=staff if outcome == "fail" else None, by=_actor(),
            )  # fmt: skip
    except DomainError as exc:
        form = {"reason": reason or "", "staff": staff or ""}
        return _batch_page(batch_id, source_id, error=exc.message, form=form, status=exc.status)
    word = _("通过") if result.outcome == "pass" else _("不合格")
    flash(
        _("%(source)s：%(word)s。还有 %(pending)s 条未判定。",
          source=result.source_id, word=word, pending=result.pending),
        "success",
    )  # fmt: skip
    return redirect(url_for("audit.batch", batch_id=batch_id))


@bp.post("/batches/<int:batch_id>/close")
@allow("auditor")
def close(batch_id: int) -> Page:
    """Close the batch when every record has a verdict, fixing D = round(U × failed ÷ n) (R7)."""
    try:
        with db.unit_of_work():
            closed, closing = close_audit(db.session, batch_id, by=_actor())
            units = closed.population_units
    except VerdictsMissing as exc:
        missing = len((exc.details or {}).get("missing", []))
        flash(
            _("还有 %(k)s 条样本记录没有结论，批次不能关闭（R7）。请先逐条判定。", k=missing),
            "error",
        )
        return redirect(url_for("audit.batch", batch_id=batch_id))
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("audit.batch", batch_id=batch_id))
    flash(
        _("批次 %(id)s 已关闭：%(n)s 条中 %(failed)s 条不合格，核减 D = %(d)s 当量（U = %(u)s）。",
          id=batch_id, n=closing.size, failed=closing.failed,
          d=format_hundredths(closing.deduction), u=format_hundredths(units)),
        "success",
    )  # fmt: skip
    return redirect(url_for("audit.batch", batch_id=batch_id))


# --- findings -------------------------------------------------------------------------------


@bp.get("/findings", endpoint="findings")
@allow("auditor", "finance")
def findings_page() -> Page:
    """Failed records and deducted units per staff member and institution, for a year."""
    year = _year()
    institution = request.args.get("institution") or None
    report = findings(db.session, year, institution)
    return render_template(
        "audit/findings.html",
        year=year,
        years=_years(),
        institution=institution,
        institutions=_institutions(),
        report=report,
        failed=sum(p["failed"] for p in report["staff"]),
        deducted=sum(parse_hundredths(i["deducted"]) for i in report["institutions"]),
    )
