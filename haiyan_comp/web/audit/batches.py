"""A batch's life on the pages: draw it, judge its sample record by record, close it (R5–R7)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from haiyan_comp import bounds
from haiyan_comp.audit.reports import BatchDetail, Sampled
from haiyan_comp.audit.rules import VerdictsMissing
from haiyan_comp.errors import Conflict, DomainError
from haiyan_comp.operations import audit as operations
from haiyan_comp.web.access import allow
from haiyan_comp.web.audit.common import Page, actor, bp, year_shown
from haiyan_comp.web.layout import amount, reason

DRAW_FIELDS = ("year", "institution", "item", "size", "seed", "date_from", "date_to")


def _parse_draw(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The draw form's values for the draw, and what is wrong with each field."""
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
        form["year"] = form["year"] or str(year_shown(operations.choices()))
        form["flagged_only"] = "1" if request.args.get("flagged") == "1" else ""
        return _draw_page(form, {}, None)
    form = {name: request.form.get(name, "") for name in (*DRAW_FIELDS, "flagged_only")}
    values, errors = _parse_draw(form)
    if errors:
        return _draw_page(form, errors, _("请改正标出的字段后再抽样。"), 422)
    try:
        drawn = operations.draw(**values, by=actor())
    except DomainError as exc:  # the form's input broke a rule, or overlaps a batch (409)
        return _draw_page(form, {}, exc.message, 409 if isinstance(exc, Conflict) else 422)
    b = drawn.batch
    flash(
        _("已抽取批次 %(id)s：总体 %(n)s 条记录、%(u)s 当量，抽样 %(size)s 条。",
          id=b.id, n=format(b.population_count, ","), u=amount(b.population_units),
          size=b.size),
        "success",
    )  # fmt: skip
    return redirect(url_for("audit.batch", batch_id=b.id))


def _draw_page(
    form: dict[str, str], errors: dict[str, str], message: str | None, status: int = 200
) -> tuple[str, int]:
    asked = bounds.YEAR.parse(form.get("year", ""))
    choices = operations.choices(asked)
    if asked is None:
        choices = operations.choices(year_shown(choices))
    page = render_template(
        "audit/draw.html",
        form=form,
        errors=errors,
        message=message,
        years=list(choices.years),
        institutions=list(choices.institutions),
        items=list(choices.items),
    )
    return page, status


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
    detail: BatchDetail = operations.batch(batch_id)
    position = _current(detail.sample, wanted)
    page = render_template(
        "audit/batch.html",
        d=detail,
        b=detail.batch,
        sample=detail.sample,
        position=position,
        current=detail.sample[position] if position is not None else None,
        judged=detail.batch.size - detail.batch.pending,
        failed=detail.failed,
        can_judge=current_user.role == "auditor" and not detail.batch.closed,
        error=error,
        form=form or {},
    )
    return page, status


def _current(sample: tuple[Sampled, ...], wanted: str | None) -> int | None:
    """The record asked for, else the first without a verdict, else none (all judged)."""
    for index, entry in enumerate(sample):
        if entry.source_id == wanted:
            return index
    for index, entry in enumerate(sample):
        if entry.verdict is None:
            return index
    return None


@bp.post("/batches/<int:batch_id>/verdict")
@allow("auditor")
def verdict(batch_id: int) -> Page:
    """Record (or change) one verdict, then show the next record without one (R7)."""
    source_id = request.form.get("source_id", "")
    outcome = request.form.get("outcome", "")
    why = request.form.get("reason") if outcome == "fail" else None
    staff = (request.form.get("staff") or "").strip() or None
    try:
        result = operations.judge(
            batch_id, source_id, outcome, reason=why,
            staff=staff if outcome == "fail" else None, by=actor(),
        )  # fmt: skip
    except DomainError as exc:
        form = {"reason": why or "", "staff": staff or ""}
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
        closure = operations.close(batch_id, by=actor())
    except VerdictsMissing as exc:
        missing = len((exc.details or {}).get("missing", []))
        flash(
            _("还有 %(k)s 条样本记录没有结论，批次不能关闭。请先逐条判定。", k=missing),
            "error",
        )
        return redirect(url_for("audit.batch", batch_id=batch_id))
    except Conflict as exc:
        flash(reason(exc.message), "error")  # in the page's language before it is stored
        return redirect(url_for("audit.batch", batch_id=batch_id))
    flash(
        _("批次 %(id)s 已关闭：%(n)s 条中 %(failed)s 条不合格，扣减 %(d)s 当量"
          "（总体 %(u)s 当量）。",
          id=batch_id, n=closure.size, failed=closure.failed,
          d=amount(closure.deduction), u=amount(closure.population_units)),
        "success",
    )  # fmt: skip
    return redirect(url_for("audit.batch", batch_id=batch_id))
