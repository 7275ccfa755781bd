"""The finance officer's pages: the year at a glance, configuration, prepayments,
settlement, the ledger, assessments and statements.

Every figure comes from the domain services (budget, settlement, ledger, bonus,
statements); these views only parse forms, call one service in a unit of work
and show the result. Only the finance role may use them: auditors never touch
money (segregation of duties), centres and staff have their own pages.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.audit.models import AuditBatch
from haiyan_comp.bonus.models import Assessment
from haiyan_comp.bonus.services import set_assessment, year_bonus
from haiyan_comp.budget import rules
from haiyan_comp.budget.models import RATIO_SCALE, Baseline, ConfigChange, Instalment, YearConfig
from haiyan_comp.budget.services import (
    ConfigInput,
    ScheduledInstalment,
    configure_year,
    pay_due_instalments,
    schedule,
    set_baseline,
)
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.db import db
from haiyan_comp.errors import Conflict, DomainError, InvalidInput, NotFound
from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.services import debt_of, ledger_lines, verify_ledger
from haiyan_comp.money import AmountError, format_hundredths, parse_hundredths, parse_ratio
from haiyan_comp.settlement.models import Settlement, YearSettlement
from haiyan_comp.settlement.services import compute_settlement, settle_year
from haiyan_comp.statements.render import render_settlement
from haiyan_comp.statements.services import settled_codes, settlement_statement
from haiyan_comp.units.services import year_units
from haiyan_comp.web import jobs
from haiyan_comp.web.access import allow
from haiyan_comp.web.charts import Series, bar_chart
from haiyan_comp.web.layout import amount, nav
from haiyan_comp.years.models import Year

bp = Blueprint("finance", __name__, url_prefix="/finance")
nav("finance", "年度概览", "finance.home", 10)
nav("finance", "年度配置", "finance.configure", 20)
nav("finance", "分期预付", "finance.prepayments", 30)
nav("finance", "年终结算", "finance.settlement", 40)
nav("finance", "资金台账", "finance.ledger", 50)
nav("finance", "考核与奖励", "finance.assessments", 60)
nav("finance", "结算单据", "finance.statements", 70)

Page = str | tuple[str, int]
LEDGER_PAGE = 100
ZIP_NAME = re.compile(r"^statements-(\d{4})-([A-Za-z0-9_-]{8,40})\.zip$")


# ---------------------------------------------------------------- helpers


def _by() -> str:
    """Who did it, as the trail and the ledger record it."""
    return f"web:{current_user.username}"


def _known_years(session: Session) -> list[int]:
    """Every year the system knows (configured or with records), newest first."""
    years = set(session.scalars(select(Year.year))) | set(session.scalars(select(YearConfig.year)))
    return sorted(years, reverse=True)


def _year_arg(session: Session, name: str = "year") -> int:
    """The year asked for (?year=), else the latest configured year, else this year."""
    text = request.values.get(name, "").strip()
    if text:
        if not text.isdigit() or not 2000 <= int(text) <= 2100:
            raise InvalidInput(_("年度须为 2000–2100 之间的整数，收到“%(text)s”", text=text))
        return int(text)
    latest = session.scalar(select(func.max(YearConfig.year)))
    if latest is None:
        latest = session.scalar(select(func.max(Year.year)))
    return int(latest) if latest is not None else date.today().year


def _date_arg(text: str | None, default: date) -> date:
    """A YYYY-MM-DD field, or the default when empty; InvalidInput otherwise."""
    text = (text or "").strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("日期须为 YYYY-MM-DD，收到“%(text)s”", text=text)) from None


def _institutions(session: Session) -> list[Institution]:
    return list(
        session.scalars(select(Institution).where(Institution.active).order_by(Institution.code))
    )


def _names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Institution.code, Institution.name)).all())


def ratio_text(value: int | None) -> str:
    """Ten-thousandths as the fraction a form takes: 8000 → '0.80', 1250 → '0.125'."""
    if value is None:
        return ""
    text = f"{value // RATIO_SCALE}.{value % RATIO_SCALE:04d}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return text


def percent_text(value: int | None) -> str:
    """Ten-thousandths as a percentage: 8000 → '80%', 1250 → '12.5%'."""
    if value is None:
        return "—"
    whole, part = divmod(value, 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"


def _settled(session: Session, year: int) -> YearSettlement | None:
    return session.get(YearSettlement, year)


def _render(template: str, status: int = 200, **context: Any) -> Page:
    page = render_template(template, **context)
    return page if status == 200 else (page, status)


# ---------------------------------------------------------------- 1. the year at a glance


@dataclass(frozen=True)
class YearRow:
    """One institution's line on the year page."""

    code: str
    name: str
    purchased: int
    prepaid: int
    scheduled: int
    entitlement: int
    final: int
    debt: int
    balance: int | None  # settled years only


def _glance(session: Session, year: int, config: YearConfig) -> dict[str, Any]:
    """Figures of a configured year, all from the services and R10's rules."""
    plan = schedule(session, year)
    paid: defaultdict[str, int] = defaultdict(int)
    due: defaultdict[str, int] = defaultdict(int)
    for item in plan:
        (paid if item.paid else due)[item.institution] += item.gross
    units = {i.code: i for i in year_units(session, year).institutions}
    purchased = {code: i.purchased for code, i in units.items()}
    if config.unit_price is None:
        estimate = rules.floating_price_amounts(purchased, config.budget)
    else:
        estimate = rules.fixed_price_amounts(
            purchased, config.unit_price, config.budget, config.risk_fund
        )
    settled = {
        s.institution_id: s
        for s in session.scalars(select(Settlement).where(Settlement.year == year))
    }
    ids = dict(session.execute(select(Institution.code, Institution.id)).all())
    rows = []
    for code in sorted(set(units) | set(paid) | set(due)):
        done = settled.get(ids[code])
        rows.append(
            YearRow(
                code=code,
                name=units[code].name if code in units else code,
                purchased=done.purchased if done else purchased.get(code, 0),
                prepaid=paid[code],
                scheduled=due[code],
                entitlement=done.entitlement if done else estimate.entitlement.get(code, 0),
                final=done.final if done else estimate.final.get(code, 0),
                debt=debt_of(session, code),
                balance=done.balance if done else None,
            )
        )
    upcoming = sorted({item.due for item in plan if not item.paid})
    return {
        "rows": rows,
        "estimate": estimate,
        "prepaid": sum(paid.values()),
        "scheduled": sum(due.values()),
        "next_due": upcoming[0] if upcoming else None,
        "instalments_paid": sum(1 for item in plan if item.paid),
        "instalments_total": len(plan),
    }


@bp.get("/")
@allow("finance")
def home() -> Page:
    """The year at a glance: budget, price, prepaid, still to pay, every institution."""
    session = db.session
    year = _year_arg(session)
    config = session.get(YearConfig, year)
    context: dict[str, Any] = {
        "year": year,
        "years": _known_years(session),
        "year_config": config,
        "settled": _settled(session, year),
    }
    if config is not None:
        context.update(_glance(session, year, config))
        rows = context["rows"]
        context["chart"] = bar_chart(
            [r.code for r in rows],
            [
                Series(_("已预付"), [r.prepaid for r in rows], "last"),
                Series(
                    _("结算金额") if context["settled"] else _("预计应得"),
                    [r.final for r in rows],
                    "this",
                ),
            ],
            title=_("%(year)s 年度各机构预付与应得（元）", year=year),
        )
    return _render("finance/home.html", **context, percent_text=percent_text)


# ---------------------------------------------------------------- 2. configure a year

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


class FormErrors(dict[str, str]):
    """Field name → what is wrong with it (shown next to the field)."""

    def money(self, form: MultiDict[str, str], name: str, *, required: bool = True,
              negative: bool = False) -> int | None:  # fmt: skip
        """Yuan (or units) text → hundredths, as commands.amount parses it."""
        text = form.get(name, "").strip()
        if not text:
            if required:
                self[name] = _("必填")
            return None
        try:
            return parse_hundredths(text, what=name, allow_negative=negative)
        except AmountError:
            self[name] = _("须为最多两位小数的数，例如 2000000.00（收到“%(text)s”）", text=text)
            return None

    def fraction(
        self, form: MultiDict[str, str], name: str, *, required: bool = True
    ) -> int | None:
        """A fraction (0.80 = 80%) → ten-thousandths, as commands.fraction parses it."""
        text = form.get(name, "").strip()
        if not text:
            if required:
                self[name] = _("必填")
            return None
        try:
            return parse_ratio(text, what=name)
        except AmountError:
            self[name] = _(
                "须为最多四位小数的比例，例如 0.80 表示 80%%（收到“%(text)s”）", text=text
            )
            return None


def _parse_config(form: MultiDict[str, str]) -> tuple[ConfigInput | None, FormErrors]:
    """The configure form → ConfigInput, or every field's problem at once."""
    errors = FormErrors()
    mode = form.get("price_mode", "fixed")
    if mode not in ("fixed", "floating"):
        errors["price_mode"] = _("请选择固定单价或浮动单价")
    budget = errors.money(form, "budget")
    unit_price = errors.money(form, "unit_price", required=mode == "fixed")
    growth_cap = errors.fraction(form, "growth_cap", required=False)
    risk_fund = errors.money(form, "risk_fund", required=False)
    prepay_ratio = errors.fraction(form, "prepay_ratio")
    basic_share = errors.fraction(form, "basic_share", required=False)
    instalments_text = form.get("instalments", "").strip()
    instalments = int(instalments_text) if instalments_text.isdigit() else 0
    if instalments not in rules.INSTALMENT_COUNTS:
        errors["instalments"] = _("须为 1、2、3、4、6 或 12（R10）")
    if unit_price is not None and mode == "fixed" and unit_price <= 0:
        errors["unit_price"] = _("须大于 0")
    if prepay_ratio is not None and not 0 < prepay_ratio <= RATIO_SCALE:
        errors["prepay_ratio"] = _("须大于 0 且不超过 1（R10），收到 %(text)s",
                                   text=form.get("prepay_ratio", "").strip())  # fmt: skip
    if basic_share is not None and basic_share > RATIO_SCALE:
        errors["basic_share"] = _("须在 0 到 1 之间")
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


def _config_form(config: YearConfig | None) -> dict[str, str]:
    """The form's values from a stored configuration (decimal strings, no floats)."""
    if config is None:
        return {"price_mode": "fixed", "instalments": "4", "basic_share": "0.40", "risk_fund": "0"}
    return {
        "budget": format_hundredths(config.budget),
        "price_mode": config.price_mode,
        "unit_price": "" if config.unit_price is None else format_hundredths(config.unit_price),
        "growth_cap": ratio_text(config.growth_cap),
        "risk_fund": format_hundredths(config.risk_fund),
        "prepay_ratio": ratio_text(config.prepay_ratio),
        "instalments": str(config.instalments),
        "basic_share": ratio_text(config.basic_share),
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
}


def _describe(change: ConfigChange) -> dict[str, Any]:
    """A trail entry as people read it: what changed from what to what."""
    subject = change.subject
    label = subject
    for key, name in SUBJECTS.items():
        if subject == key or subject.startswith(key + " "):
            label = _(name) + subject[len(key) :]
            break
    old, new = _loads(change.old), _loads(change.new)
    lines: list[tuple[str, str, str]] = []
    if isinstance(new, dict):
        before = old if isinstance(old, dict) else {}
        order = list(CONFIG_LABELS)
        for field, value in sorted(new.items(), key=lambda kv: _position(order, kv[0])):
            if before.get(field) != value or not before:
                name = _(CONFIG_LABELS.get(field, field))
                lines.append(
                    (name, _change_value(field, before.get(field)), _change_value(field, value))
                )
    elif subject.startswith("baseline"):
        lines.append((_("基本医疗当量"), _change_value("units", old), _change_value("units", new)))
    else:
        lines.append(("", "—" if change.old is None else str(change.old), str(change.new)))
    return {"at": change.changed_at, "by": change.changed_by, "subject": label, "lines": lines}


def _position(order: list[str], field: str) -> int:
    return order.index(field) if field in order else len(order)


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _baselines(session: Session, year: int) -> dict[str, Any]:
    """R9's previous-year figures: the settled year's purchased units, or the baselines."""
    previous = _settled(session, year - 1)
    rows = session.execute(
        select(Institution.code, Baseline.basic_medical_units)
        .join(Institution, Institution.id == Baseline.institution_id)
        .where(Baseline.year == year)
    ).all()
    settled_units: dict[str, int] = {}
    if previous is not None:
        settled_units = dict(
            session.execute(
                select(Institution.code, Settlement.purchased_basic_medical)
                .join(Institution, Institution.id == Settlement.institution_id)
                .where(Settlement.year == year - 1)
            ).all()
        )
    return {"previous_settled": previous, "baseline": dict(rows), "settled_units": settled_units}


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
    session = db.session
    config = session.get(YearConfig, year)
    paid = session.scalar(
        select(func.count()).select_from(Instalment).where(Instalment.year == year)
    )
    trail = session.scalars(
        select(ConfigChange)
        .where(ConfigChange.year == year)
        .order_by(ConfigChange.changed_at.desc(), ConfigChange.id.desc())
        .limit(50)
    ).all()
    baselines = _baselines(session, year)
    stored = {code: format_hundredths(units) for code, units in baselines["baseline"].items()}
    return _render(
        "finance/configure.html",
        status,
        year=year,
        years=_known_years(session),
        year_config=config,
        settled=_settled(session, year),
        paid_instalments=paid or 0,
        values=values if values is not None else _config_form(config),
        errors=errors or {},
        labels=CONFIG_LABELS,
        counts=rules.INSTALMENT_COUNTS,
        trail=[_describe(c) for c in trail],
        institutions=_institutions(session),
        baseline_values=baseline_values if baseline_values is not None else stored,
        baseline_errors=baseline_errors or {},
        message=message,
        percent_text=percent_text,
        **baselines,
    )


@bp.get("/configure")
@allow("finance")
def configure() -> Page:
    """The configuration form of a year (R10), its baselines (R9) and its change trail."""
    return _configure_page(_year_arg(db.session))


@bp.post("/configure")
@allow("finance")
def configure_save() -> Page | BaseResponse:
    """Save a year's configuration; on any error show every problem and store nothing."""
    year = _year_arg(db.session)
    entered, errors = _parse_config(request.form)
    values = {key: request.form.get(key, "") for key in CONFIG_LABELS}
    if entered is None:
        return _configure_page(year, values=values, errors=errors, status=422)
    try:
        with db.unit_of_work():
            configure_year(db.session, year, entered, _by())
    except InvalidInput as exc:
        return _configure_page(
            year, values=values, errors=_service_errors(exc), message=exc.message, status=422
        )
    except DomainError as exc:  # settled year, or the schedule is fixed by paid instalments
        return _configure_page(year, values=values, message=exc.message, status=exc.status)
    flash(_("%(year)s 年度配置已保存。", year=year), "success")
    return redirect(url_for("finance.configure", year=year))


def _service_errors(exc: InvalidInput) -> dict[str, str]:
    """budget.services' problems ('prepay ratio: must be …') on the fields they name."""
    problems = (exc.details or {}).get("problems", []) if isinstance(exc.details, dict) else []
    errors: dict[str, str] = {}
    for problem in problems or [exc.message]:
        prefix, _sep, rest = str(problem).partition(": ")
        errors[SERVICE_FIELDS.get(prefix, "_form")] = rest or str(problem)
    return errors


@bp.post("/configure/baselines")
@allow("finance")
def baselines_save() -> Page | BaseResponse:
    """R9: each institution's previous-year basic-medical units; all or nothing."""
    session = db.session
    year = _year_arg(session)
    stored = _baselines(session, year)["baseline"]
    values = {
        i.code: request.form.get(f"baseline-{i.code}", "").strip() for i in _institutions(session)
    }
    errors = FormErrors()
    wanted: dict[str, int] = {}
    for code, text in values.items():
        units = errors.money(MultiDict({code: text}), code, required=False)
        if units is not None and units != stored.get(code):
            wanted[code] = units
    if errors:
        return _configure_page(year, baseline_values=values, baseline_errors=errors, status=422)
    try:
        with db.unit_of_work():
            for code, units in wanted.items():
                set_baseline(db.session, year, code, units, _by())
    except DomainError as exc:
        return _configure_page(year, baseline_values=values, message=exc.message, status=exc.status)
    flash(_("已更新 %(n)s 家机构的基数。", n=len(wanted)), "success")
    return redirect(url_for("finance.configure", year=year) + "#baselines")


# ---------------------------------------------------------------- 3. prepayments


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


# ---------------------------------------------------------------- 4. settlement


def _default_as_of(year: int) -> date:
    """Today, or the first day a year may be settled (R13) when that is later."""
    return max(date.today(), date(year + 1, 1, 1))


def _settled_rows(session: Session, year: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Institution.code, Institution.name, Settlement)
        .join(Institution, Institution.id == Settlement.institution_id)
        .where(Settlement.year == year)
        .order_by(Institution.code)
    ).all()
    return [
        {
            "code": code,
            "name": name,
            "purchased": s.purchased,
            "entitlement": s.entitlement,
            "final": s.final,
            "prepaid": s.prepaid,
            "balance": s.balance,
            "verified_basic_medical": s.verified_basic_medical,
            "verified_public_health": s.verified_public_health,
            "purchased_basic_medical": s.purchased_basic_medical,
        }
        for code, name, s in rows
    ]


def _settlement_page(
    year: int, as_of: date | None = None, *, message: str | None = None, status: int = 200
) -> Page:
    session = db.session
    settled = _settled(session, year)
    context: dict[str, Any] = {
        "year": year,
        "years": _known_years(session),
        "settled": settled,
        "message": message,
        "names": _names(session),
        "done": request.args.get("done") == "1",
    }
    if settled is not None:
        rows = _settled_rows(session, year)
        context.update(rows=rows, as_of=settled.as_of, unit_price=settled.unit_price,
                       budget=settled.budget, risk_fund_draw=settled.risk_fund_draw)  # fmt: skip
    else:
        as_of = as_of or _default_as_of(year)
        context["as_of"] = as_of
        try:
            with db.unit_of_work():
                preview = settle_year(session, year, as_of, _by(), dry_run=True)
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
    year = _year_arg(db.session)
    try:
        as_of = _date_arg(request.args.get("as_of"), _default_as_of(year))
    except InvalidInput as exc:
        return _settlement_page(year, message=exc.message, status=422)
    return _settlement_page(year, as_of)


@bp.post("/settlement/confirm")
@allow("finance")
def settlement_confirm() -> Page | BaseResponse:
    """Settle the year for real, as a job with progress; a settled year answers 409."""
    session = db.session
    year = _year_arg(session)
    try:
        as_of = _date_arg(request.form.get("as_of"), _default_as_of(year))
    except InvalidInput as exc:
        return _settlement_page(year, message=exc.message, status=422)
    if _settled(session, year) is not None:
        try:  # the service's own refusal, word for word
            compute_settlement(session, year, as_of)
        except Conflict as exc:
            return _settlement_page(year, message=exc.message, status=409)
    by = _by()
    result_url = url_for("finance.settlement", year=year, done=1)

    def work(progress: jobs.Progress) -> str:
        progress.update(0, 2, _("正在计算并记账……"))
        with db.unit_of_work():
            settle_year(db.session, year, as_of, by)
        progress.update(2, 2, _("已完成"))
        return result_url

    title = _("%(year)s 年度结算", year=year)
    session.rollback()  # the job writes with a unit of work of its own
    return redirect(jobs.job_url(jobs.start("settlement", title, work)))


# ---------------------------------------------------------------- 5. ledger

KIND_LABELS = {
    "instalment": "分期预付",
    "settlement": "结算转记",
    "top_up": "结算补付",
    "debt": "结算欠款",
    "risk_fund_draw": "动用风险金",
    "adjustment": "调整",
}


@bp.get("/ledger")
@allow("finance")
def ledger() -> Page:
    """Every money movement (append-only), filtered by year and institution; R15's checks."""
    session = db.session
    year_text = request.args.get("year", "").strip()
    year = _year_arg(session) if year_text else None
    code = request.args.get("institution", "").strip() or None
    names = _names(session)
    if code is not None and code not in names:
        raise NotFound(_("没有机构 %(code)s", code=code))
    lines = ledger_lines(session, year, code)
    pages = max(1, -(-len(lines) // LEDGER_PAGE))
    page_text = request.args.get("page", "1")
    page = min(max(int(page_text), 1), pages) if page_text.isdigit() else 1
    shown = list(reversed(lines))[(page - 1) * LEDGER_PAGE : page * LEDGER_PAGE]
    totals: defaultdict[str, int] = defaultdict(int)
    for line in lines:
        totals[line.kind] += line.amount
    return _render(
        "finance/ledger.html",
        lines=shown,
        count=len(lines),
        page=page,
        pages=pages,
        year=year,
        code=code,
        years=_known_years(session),
        names=names,
        problems=verify_ledger(session),
        kinds=KIND_LABELS,
        totals=dict(totals),
    )


# ---------------------------------------------------------------- 6. assessments


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
        score = errors.money(form, f"score-{code}")
        surplus = errors.money(form, f"surplus-{code}", negative=True)
        if score is not None and not 0 <= score <= 100_000:
            errors[f"score-{code}"] = _("考核得分须在 0–1000 之间（R16）")
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


# ---------------------------------------------------------------- 7. statements


def _zip_folder() -> Path:
    folder = Path(current_app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@bp.get("/statements")
@allow("finance")
def statements() -> Page:
    """Settlement statements, prepayment notices and audit reports, to download."""
    session = db.session
    settled_years = sorted(session.scalars(select(YearSettlement.year)), reverse=True)
    year = _year_arg(session)
    codes = settled_codes(session, year) if year in settled_years else []
    notices = session.execute(
        select(
            Instalment.as_of,
            Institution.code,
            func.sum(Instalment.gross),
            func.sum(Instalment.cash),
        )
        .join(Institution, Institution.id == Instalment.institution_id)
        .where(Instalment.year == year)
        .group_by(Instalment.as_of, Institution.code)
        .order_by(Instalment.as_of.desc(), Institution.code)
    ).all()
    runs: dict[date, list[tuple[str, int, int]]] = {}
    for as_of, code, gross, cash in notices:
        runs.setdefault(as_of, []).append((code, int(gross), int(cash)))
    batches = session.execute(
        select(AuditBatch, Institution.code, ServiceItem.code)
        .join(Institution, Institution.id == AuditBatch.institution_id)
        .join(ServiceItem, ServiceItem.id == AuditBatch.item_id)
        .where(AuditBatch.year == year, AuditBatch.closed_at.is_not(None))
        .order_by(AuditBatch.id)
    ).all()
    settlements = {row["code"]: row for row in _settled_rows(session, year)}
    return _render(
        "finance/statements.html",
        year=year,
        years=_known_years(session),
        settled_years=settled_years,
        codes=codes,
        settlements=settlements,
        runs=runs,
        batches=batches,
        names=_names(session),
    )


@bp.post("/statements/zip")
@allow("finance")
def statements_zip_start() -> BaseResponse:
    """Every institution's settlement statement as one ZIP, made by a job with progress."""
    session = db.session
    year = _year_arg(session)
    codes = settled_codes(session, year)  # NotFound (404) for an unsettled year
    name = f"statements-{year}-{secrets.token_urlsafe(12)}.zip"
    folder = _zip_folder()
    county = str(current_app.config["COUNTY_NAME"])
    result_url = url_for("finance.statement_zip", name=name)

    def work(progress: jobs.Progress) -> str:
        temporary = folder / (name + ".part")
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as zipped:
            for done, code in enumerate(codes):
                progress.update(done, len(codes), _("正在生成 %(code)s 的结算单", code=code))
                now = datetime.now(UTC)
                data = settlement_statement(db.session, year, code, county, now)
                zipped.writestr(f"statement-{year}-{code}.pdf", render_settlement(data))
        os.replace(temporary, folder / name)
        progress.update(len(codes), len(codes), _("已完成"))
        return result_url

    title = _("%(year)s 年度全部机构结算单（ZIP）", year=year)
    return redirect(jobs.job_url(jobs.start("statements-zip", title, work)))


def _zip_path(name: str) -> Path:
    if not ZIP_NAME.match(name):
        raise NotFound(_("没有这个文件"))
    path = _zip_folder() / name
    if not path.is_file():
        raise NotFound(_("没有这个文件（可能已被清理），请重新生成"))
    return path


@bp.get("/statements/zip/<name>")
@allow("finance")
def statement_zip(name: str) -> Page:
    """The finished ZIP: what it holds, and a download button."""
    path = _zip_path(name)
    with zipfile.ZipFile(path) as zipped:
        entries = [(i.filename, i.file_size) for i in zipped.infolist()]
    match = ZIP_NAME.match(name)
    return _render(
        "finance/statement_zip.html",
        name=name,
        year=int(match.group(1)) if match else None,
        size=path.stat().st_size,
        entries=entries,
        made=datetime.fromtimestamp(path.stat().st_mtime, UTC),
    )


@bp.get("/statements/zip/<name>/download")
@allow("finance")
def statement_zip_file(name: str) -> BaseResponse:
    """Download the ZIP."""
    response = send_file(_zip_path(name), mimetype="application/zip", as_attachment=True,
                         download_name=name, max_age=0)  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response


def kilobytes(size: int) -> str:
    """A file size for people: 1536 → '1.5 KB'."""
    tenths = (size * 10 + 512) // 1024
    return f"{tenths // 10}.{tenths % 10} KB"


@bp.app_template_filter("kb")
def _kb_filter(size: int) -> str:
    return kilobytes(size)
