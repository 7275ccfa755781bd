"""Configuring a year (R9–R12) and its baselines, with the trail of changes."""

from __future__ import annotations

import re
from typing import Any

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
from haiyan_comp.budget import rules
from haiyan_comp.errors import DomainError, InvalidInput
from haiyan_comp.messages import Message
from haiyan_comp.messages import text as in_language
from haiyan_comp.money import format_hundredths
from haiyan_comp.operations.budget import (
    ConfigInput,
    TrailEntry,
    YearConfigView,
    configure_page,
    configure_year,
    set_baselines,
)
from haiyan_comp.web.access import allow
from haiyan_comp.web.finance.common import (
    RATIO_SCALE,
    FormErrors,
    Page,
    _by,
    _frame,
    _page_year,
    _render,
    bp,
    percent_text,
    percent_value,
)
from haiyan_comp.web.layout import amount, decimal_text

CONFIG_LABELS = {
    "year": "年度",
    "budget": "购买预算（元）",
    "price_mode": "单价方式",
    "unit_price": "单价（元/当量）",
    "growth_cap": "基本医疗当量增长上限",
    "risk_fund": "改革风险金（元）",
    "prepay_ratio": "预付比例",
    "instalments": "分期数",
    "basic_share": "基础绩效占比",
}
# The prefixes of budget.services._check's problems, and the form field each names.
SERVICE_FIELDS = {
    "budget": "budget",
    "unit price": "unit_price",
    "risk fund": "risk_fund",
    "prepay ratio": "prepay_ratio",
    "instalments": "instalments",
    "growth cap": "growth_cap",
    "basic share": "basic_share",
}


def _parse_config(form: MultiDict[str, str]) -> tuple[ConfigInput | None, FormErrors]:
    """The configure form → ConfigInput, or every field's problem at once."""
    errors = FormErrors()
    mode = form.get("price_mode", "fixed")
    if mode not in ("fixed", "floating"):
        errors["price_mode"] = _("请选择固定单价或浮动单价")
    budget = errors.money(form, "budget")
    unit_price = errors.money(form, "unit_price", required=mode == "fixed", bound=bounds.PRICE)
    growth_cap = errors.fraction(form, "growth_cap", required=False)
    risk_fund = errors.money(form, "risk_fund", required=False)
    prepay_ratio = errors.fraction(form, "prepay_ratio")
    basic_share = errors.fraction(form, "basic_share", required=False)
    instalments_text = form.get("instalments", "").strip()
    instalments = bounds.WholeBound(1, max(rules.INSTALMENT_COUNTS)).parse(instalments_text) or 0
    if instalments not in rules.INSTALMENT_COUNTS:
        errors["instalments"] = _("须为 1、2、3、4、6 或 12")
    if unit_price is not None and mode == "fixed" and unit_price <= 0:
        errors["unit_price"] = _("须大于 0")
    if prepay_ratio is not None and not 0 < prepay_ratio <= RATIO_SCALE:
        errors["prepay_ratio"] = _("须大于 0 且不超过 100%%，收到 %(text)s",
                                   text=form.get("prepay_ratio", "").strip())  # fmt: skip
    if basic_share is not None and basic_share > RATIO_SCALE:
        errors["basic_share"] = _("须在 0 到 100% 之间")
    if errors:
        return None, errors
    entered = ConfigInput(
        budget=budget or 0,
        unit_price=unit_price if mode == "fixed" else None,
        growth_cap=growth_cap,
        risk_fund=risk_fund or 0,
        prepay_ratio=prepay_ratio or 0,
        instalments=instalments,
        basic_share=4000 if basic_share is None else basic_share,
    )
    return entered, errors


def _config_form(config: YearConfigView | None) -> dict[str, str]:
    """The form's values from a stored configuration (decimal strings, no floats)."""
    if config is None:
        return {"price_mode": "fixed", "instalments": "4", "basic_share": "40%", "risk_fund": "0"}
    return {
        "budget": amount(config.budget),
        "price_mode": config.price_mode,
        "unit_price": "" if config.unit_price is None else format_hundredths(config.unit_price),
        "growth_cap": percent_value(config.growth_cap),
        "risk_fund": amount(config.risk_fund),
        "prepay_ratio": percent_value(config.prepay_ratio),
        "instalments": str(config.instalments),
        "basic_share": percent_value(config.basic_share),
    }


def _change_value(field: str, value: Any) -> str:
    if value is None:
        return "—"
    if field in ("budget", "unit_price", "risk_fund", "units", "total", "weight"):
        return _amount(value)
    if field in ("growth_cap", "prepay_ratio", "basic_share"):
        return percent_text(int(value))
    if field == "price_mode":
        return str(_("固定单价") if value == "fixed" else _("浮动单价"))
    return str(value)


def _amount(value: Any) -> str:
    return amount(value) if isinstance(value, int) else str(value)


SUBJECTS = {
    "configuration": "年度配置",
    "baseline": "基数",
    "prepayment plan": "预付计划",
    "assessment": "考核",
    "bonus pool": "效益奖励池",
    "indicators": "考核指标",
    "copied": "从上年复制",
    "pay sheet": "绩效工资表",
}
# What a copy from the year before keeps in the trail (operations/years.py; English by hand).
TRAIL_LABELS = {
    "from_year": "复制自年度",
    "items": "复制的服务项目（项）",
    "weight": "预付权重",
    "total": "预付总额（元）",
}


def _describe(change: TrailEntry) -> dict[str, Any]:
    """A trail entry as people read it: what changed from what to what."""
    subject = change.subject
    label = subject
    for key, name in SUBJECTS.items():
        if subject == key or subject.startswith(key + " "):
            label = _(name) + subject[len(key) :]
            break
    old, new = change.old, change.new
    lines: list[tuple[str, str, str]] = []
    if isinstance(new, dict):
        before = old if isinstance(old, dict) else {}
        order = list(CONFIG_LABELS)
        for field, value in sorted(new.items(), key=lambda kv: _position(order, kv[0])):
            if before.get(field) != value or not before:
                name = _(CONFIG_LABELS.get(field) or TRAIL_LABELS.get(field, field))
                lines.append(
                    (name, _change_value(field, before.get(field)), _change_value(field, value))
                )
    elif subject.startswith("baseline"):
        lines.append((_("基本医疗当量"), _change_value("units", old), _change_value("units", new)))
    else:
        lines += _text_lines(subject, change.old_text, change.new_text)
    return {"at": change.changed_at, "by": change.changed_by, "subject": label, "lines": lines}


ASSESSED = re.compile(r"^score (-?[\d.]+), surplus (-?[\d.]+)$")
INDICATORS = re.compile(r"^(\d+) indicators from (.+)$")


def _text_lines(subject: str, old: str | None, new: str) -> list[tuple[str, str, str]]:
    """The bonus domain's trail entries (kept as text) in the page's words."""
    if subject.startswith(("bonus pool", "pay sheet")):
        name = _("效益奖励池（元）") if subject.startswith("bonus") else _("绩效工资总额（元）")
        return [(name, _money_text(old), _money_text(new))]
    before, after = ASSESSED.match(old or ""), ASSESSED.match(new)
    if after is not None:
        return [
            (_("考核得分"), before.group(1) if before else "—", after.group(1)),
            (_("收支结余（元）"), _money_text(before.group(2) if before else None),
             _money_text(after.group(2))),
        ]  # fmt: skip
    loaded = INDICATORS.match(new)
    if loaded is not None:
        return [
            (_("考核指标"), "—", _("%(n)s 项（%(file)s）", n=loaded.group(1), file=loaded.group(2)))
        ]
    return [("", "—" if old is None else old, new)]


def _money_text(text: str | None) -> str:
    """A stored amount (fen as a whole number, or yuan with 2 decimals) with separators."""
    if text is None or text == "None":
        return "—"
    if text.lstrip("-").isdigit():  # a pool is kept in fen
        return amount(int(text))
    return decimal_text(text)


def _position(order: list[str], field: str) -> int:
    return order.index(field) if field in order else len(order)


def _configure_page(
    year: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    baseline_values: dict[str, str] | None = None,
    baseline_errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Page:
    frame = _frame(year)
    page = configure_page(year)
    config = page.config
    stored = {code: amount(units) for code, units in page.baseline.items()}  # 1,234.50
    return _render(
        "finance/configure.html",
        status,
        year=year,
        years=frame.years,
        year_config=config,
        settled=frame.settled,
        paid_instalments=page.paid_instalments,
        values=values if values is not None else _config_form(config),
        errors=errors or {},
        labels=CONFIG_LABELS,
        counts=rules.INSTALMENT_COUNTS,
        trail=[_describe(c) for c in page.trail],
        institutions=frame.active,
        baseline_values=baseline_values if baseline_values is not None else stored,
        baseline_errors=baseline_errors or {},
        message=message,
        percent_text=percent_text,
        previous_settled=page.previous_settled,
        baseline=page.baseline,
        settled_units=page.settled_units,
    )


@bp.get("/configure")
@allow("finance")
def configure() -> Page:
    """The configuration form of a year (R10), its baselines (R9) and its change trail."""
    return _configure_page(_page_year())


@bp.post("/configure")
@allow("finance")
def configure_save() -> Page | BaseResponse:
    """Save a year's configuration; on any error show every problem and store nothing."""
    year = _page_year()
    entered, errors = _parse_config(request.form)
    values = {key: request.form.get(key, "") for key in CONFIG_LABELS}
    if entered is None:
        return _configure_page(year, values=values, errors=errors, status=422)
    try:
        configure_year(year, entered, _by())
    except InvalidInput as exc:
        return _configure_page(
            year, values=values, errors=_service_errors(exc), message=exc.message, status=422
        )
    except DomainError as exc:  # settled year, or the schedule is fixed by paid instalments
        return _configure_page(year, values=values, message=exc.message, status=exc.status)
    flash(_("%(year)s 年度配置已保存。", year=year), "success")
    return redirect(url_for("finance.configure", year=year))


def _service_errors(exc: InvalidInput) -> dict[str, str]:
    """budget.services' problems (each about one field) on the form fields they name."""
    problems = (exc.details or {}).get("problems", []) if isinstance(exc.details, dict) else []
    errors: dict[str, str] = {}
    for problem in problems or [exc.message]:
        if isinstance(problem, Message) and problem.field:
            bare = problem.template(**problem.params)  # without the field's name
            errors[SERVICE_FIELDS.get(problem.field, "_form")] = bare.text("zh")
        else:
            errors["_form"] = in_language(problem, "zh")
    return errors


@bp.post("/configure/baselines")
@allow("finance")
def baselines_save() -> Page | BaseResponse:
    """R9: each institution's previous-year basic-medical units; all or nothing."""
    year = _page_year()
    stored = configure_page(year).baseline
    values = {
        i.code: request.form.get(f"baseline-{i.code}", "").strip() for i in _frame(year).active
    }
    errors = FormErrors()
    wanted: dict[str, int] = {}
    for code, text in values.items():
        units = errors.money(MultiDict({code: text}), code, required=False, bound=bounds.UNITS)
        if units is not None and units != stored.get(code):
            wanted[code] = units
    if errors:
        return _configure_page(year, baseline_values=values, baseline_errors=errors, status=422)
    try:
        set_baselines(year, wanted, _by())
    except DomainError as exc:
        return _configure_page(year, baseline_values=values, message=exc.message, status=exc.status)
    flash(_("已更新 %(n)s 家机构的基数。", n=len(wanted)), "success")
    return redirect(url_for("finance.configure", year=year) + "#baselines")
