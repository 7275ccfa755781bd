"""The township centre's pages: its units, records, uploads, deductions, documents, bonus.

Every page shows the signed-in centre's own institution only; objects found by
id are checked to be its own (404 otherwise).

Import reports: the record_imports table says who imported a file but not
for which institution, and it keeps counts only, not the rejected rows. So an
upload's report lives with its job: the work stores the report JSON in the
job's state (jobs are owner-only files: only the user who uploaded can open
them, and nobody through an API token), and `import_report` reads it from
there. A refused import (strict, or a bad file) is a report too, saying that
nothing was stored. The upload page lists the institution's earlier imports
from record_imports by the rule "imported_by is web:<username> of one of this
institution's users", counts only.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp import bounds
from haiyan_comp.accounts.models import User
from haiyan_comp.audit.models import AuditBatch
from haiyan_comp.audit.reports import batch_detail, list_batches
from haiyan_comp.bonus.models import Assessment
from haiyan_comp.bonus.rules import QUALIFYING_SCORE
from haiyan_comp.bonus.services import (
    choose_bonus_pool,
    institution_bonus,
    pay_sheet,
    record_pay_sheet,
    recorded_performance_pay,
)
from haiyan_comp.budget.models import YearConfig
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.db import db
from haiyan_comp.errors import DomainError, InvalidInput, NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.money import AmountError, parse_hundredths, round_half_up
from haiyan_comp.records.models import RecordImport, ServiceRecord, UnitTotal
from haiyan_comp.records.services import ImportRefused, import_records
from haiyan_comp.settlement.models import YearSettlement
from haiyan_comp.tabular import csv_writer
from haiyan_comp.units.rules import InstitutionUnits
from haiyan_comp.units.services import year_units
from haiyan_comp.web import jobs
from haiyan_comp.web.access import allow
from haiyan_comp.web.cache import dashboards, institution_version, pages, personal
from haiyan_comp.web.charts import Series, bar_chart
from haiyan_comp.web.documents import institution_documents
from haiyan_comp.web.inputs import amount_problem, upload_name, whole_arg
from haiyan_comp.web.layout import amount, nav
from haiyan_comp.web.reasons import in_chinese

bp = Blueprint("centre", __name__, url_prefix="/centre")
nav("centre", "首页", "centre.home", 10)
nav("centre", "服务记录", "centre.records", 20)
nav("centre", "导入记录", "centre.upload", 30)
nav("centre", "审计扣减", "centre.deductions", 40)
nav("centre", "结算单据", "centre.statements", 50)
nav("centre", "效率奖励", "centre.bonus", 60)

PAGE_SIZE = 50
SHOWN_REJECTIONS = 1000  # rows listed on the report page; the CSV has all the import listed


def _pairs(query: Any) -> dict[Any, Any]:
    """A two-column query as a dict."""
    return {key: value for key, value in db.session.execute(query)}


def _institution() -> Institution:
    institution = db.session.get(Institution, current_user.institution_id)
    if institution is None:  # a user's institution is never deleted; be safe anyway
        raise NotFound("your institution is unknown")
    return institution


def _record_years(institution_id: int) -> list[int]:
    """Years with records of the institution (from the running totals), newest first."""
    return list(
        db.session.scalars(
            select(UnitTotal.year)
            .where(UnitTotal.institution_id == institution_id, UnitTotal.records > 0)
            .distinct()
            .order_by(UnitTotal.year.desc())
        )
    )


def _year_arg(years: list[int]) -> int:
    """?year=, else the latest year with records, else this year."""
    wanted = whole_arg("year", bounds.YEAR)
    if wanted is not None:
        return wanted
    return years[0] if years else date.today().year


def _monthly(institution_id: int, year: int) -> list[int]:
    """Gross units per month 1–12 of a year, from the running totals."""
    months = [0] * 12
    for month, gross in db.session.execute(
        select(UnitTotal.month, func.sum(UnitTotal.gross))
        .where(UnitTotal.institution_id == institution_id, UnitTotal.year == year)
        .group_by(UnitTotal.month)
    ):
        if 1 <= month <= 12:
            months[month - 1] = int(gross or 0)
    return months


def _one(units: list[InstitutionUnits]) -> InstitutionUnits | None:
    return units[0] if units else None


def _change(now: int, before: int) -> Fraction | None:
    """The change from `before` to `now` as a fraction of `before` (None when before is 0)."""
    return None if before == 0 else Fraction(now - before, before)


def percent(change: Fraction | None) -> str:
    """+12.3% (one decimal, rounded half up), or — when there is nothing to compare."""
    if change is None:
        return "—"
    tenths = round_half_up(change * 1000)
    sign = "+" if tenths > 0 else ("-" if tenths < 0 else "")
    return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10}%"


@bp.get("/")
@allow("centre")
def home() -> str:
    """Accumulated units of a year: by month (chart), by item (table), headline figures.

    The busiest page: one statement (the years with records and the data version),
    then the page from the cache (web/cache.py); the institution comes with the
    signed-in user.
    """
    institution = Shown(
        current_user.institution_id, current_user.institution_code, current_user.institution_name
    )
    data = institution_version(db.session, institution.id)
    # Only read so far: end it with COMMIT, not the ROLLBACK of teardown, after
    # which psycopg forgets its prepared statements, so PostgreSQL would plan
    # the version statement anew on every request (most of its CPU here).
    db.session.commit()
    year = _year_arg(list(data.years))
    shown = (institution, year, data.years, date.today())

    def page() -> str:
        body = dashboards.get(
            shown, data.version, lambda: _dashboard(institution, year, list(data.years))
        )
        return render_template("centre/home.html", year=year, body=body)

    person = personal()
    return page() if person is None else pages.get((person, shown), data.version, page)


@dataclass(frozen=True)
class Shown:
    """The institution a dashboard is of: what the page shows of it."""

    id: int
    code: str
    name: str


def _dashboard(institution: Shown, year: int, years: list[int]) -> Markup:
    """The dashboard's body: what it shows depends only on the data version."""
    code = institution.code
    this = _one(year_units(db.session, year, code).institutions)
    last = _one(year_units(db.session, year - 1, code).institutions)
    last_gross = {item.code: item.gross for item in (last.items if last else ())}
    items = list(this.items) if this else []
    gross = sum(i.gross for i in items)
    verified = sum(i.verified for i in items)
    previous_gross = sum(last_gross.values())
    config = db.session.get(YearConfig, year)
    price = config.unit_price if config is not None and config.price_mode == "fixed" else None
    value = None
    if price is not None and this is not None:
        value = round_half_up(Fraction(this.purchased * price, 100))
    chart = bar_chart(
        [f"{m}月" for m in range(1, 13)],
        [
            Series(f"{year}年", _monthly(institution.id, year), "this"),
            Series(f"{year - 1}年", _monthly(institution.id, year - 1), "last"),
        ],
        title=_("%(year)s 年各月毛当量（与上年同期）", year=year),
    )
    rows = [
        {
            "item": item,
            "last": last_gross.get(item.code),
            "change": percent(_change(item.gross, last_gross.get(item.code, 0))),
        }
        for item in items
    ]
    choices = sorted(set(years) | {year, date.today().year}, reverse=True)
    return Markup(
        render_template(
            "centre/_dashboard.html",
            institution=institution,
            year=year,
            years=choices,
            units=this,
            rows=rows,
            gross=gross,
            verified=verified,
            records=sum(i.records for i in items),
            previous_gross=previous_gross,
            gross_change=percent(_change(gross, previous_gross)),
            purchased=this.purchased if this else 0,
            price=price,
            price_mode=None if config is None else config.price_mode,
            value=value,
            chart=chart,
            totals={
                attr: sum(getattr(i, attr) for i in items)
                for attr in ("records", "gross", "over_spec", "purchasable", "deducted", "verified")
            },
            last_total=previous_gross,
        )
    )


@dataclass(frozen=True)
class RecordFilter:
    """The search of the records page, from the query string."""

    source_id: str = ""
    resident_id: str = ""
    item: str = ""
    staff: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict[str, Any]:
        """The query string that repeats this search."""
        values = {
            "source_id": self.source_id,
            "resident_id": self.resident_id,
            "item": self.item,
            "staff": self.staff,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}


def _date_arg(name: str, label: str, problems: list[str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(_("%(label)s应为 YYYY-MM-DD 格式的日期：%(text)s", label=label, text=text))
        return None


@bp.get("/records")
@allow("centre")
def records() -> str:
    """The institution's records, newest first, 50 a page by keyset (never counted)."""
    institution = _institution()
    problems: list[str] = []
    search = RecordFilter(
        source_id=request.args.get("source_id", "").strip(),
        resident_id=request.args.get("resident_id", "").strip(),
        item=request.args.get("item", "").strip(),
        staff=request.args.get("staff", "").strip(),
        date_from=_date_arg("from", _("开始日期"), problems),
        date_to=_date_arg("to", _("结束日期"), problems),
    )
    before = whole_arg("before", bounds.BIG_ID)
    r = ServiceRecord
    if search.source_id or search.resident_id:
        query = select(r).where(r.institution_id == institution.id)  # the indexes find them
    else:
        # Walk the primary key backwards and keep this institution's rows: 50 of them come
        # early. Through the (institution, …) indexes the database would sort all its rows.
        query = select(r).where(r.institution_id + 0 == institution.id)
    all_items = list(db.session.execute(select(ServiceItem.id, ServiceItem.code, ServiceItem.name)))
    if search.source_id:
        query = query.where(r.source_id == search.source_id)
    item_ids = [i for i, c, _n in all_items if not search.item or c == search.item]
    if search.item or search.resident_id:
        # Naming the items lets a resident search use the (institution, item, resident) index.
        query = query.where(r.item_id.in_(item_ids or [-1]))
    if search.resident_id:
        query = query.where(r.resident_id == search.resident_id)
    staff_rows = list(
        db.session.execute(
            select(Staff.id, Staff.code, Staff.name)
            .where(Staff.institution_id == institution.id)
            .order_by(Staff.code)
        )
    )
    if search.staff:
        staff_id = next((i for i, c, _n in staff_rows if c == search.staff), None)
        if staff_id is None:
            problems.append(_("本院没有工号为 %(code)s 的职工。", code=search.staff))
        query = query.where(r.staff_id == (staff_id or -1))
    if search.date_from:
        query = query.where(r.service_date >= search.date_from)
    if search.date_to:
        query = query.where(r.service_date <= search.date_to)
    if before is not None:
        query = query.where(r.id < before)
    found = list(db.session.scalars(query.order_by(r.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    items = {i: (c, n) for i, c, n in all_items}
    staff = {i: (c, n) for i, c, n in staff_rows}
    item_choices = sorted({(c, n) for _i, c, n in all_items})
    return render_template(
        "centre/records.html",
        institution=institution,
        records=found,
        items=items,
        staff=staff,
        item_choices=item_choices,
        staff_choices=[(c, n) for _i, c, n in staff_rows],
        search=search,
        problems=problems,
        first_page=before is None,
        next_url=url_for("centre.records", **search.args(), before=found[-1].id) if more else None,
        first_url=url_for("centre.records", **search.args()),
    )


def _institution_usernames(institution_id: int) -> list[str]:
    return list(
        db.session.scalars(select(User.username).where(User.institution_id == institution_id))
    )


@bp.get("/upload")
@allow("centre")
def upload() -> str:
    """The upload form, and the institution's latest imports (counts)."""
    institution = _institution()
    by = [f"web:{name}" for name in _institution_usernames(institution.id)]
    earlier = list(
        db.session.scalars(
            select(RecordImport)
            .where(RecordImport.imported_by.in_(by))
            .order_by(RecordImport.id.desc())
            .limit(20)
        )
    )
    return render_template("centre/upload.html", institution=institution, imports=earlier)


@bp.post("/upload")
@allow("centre")
def upload_post() -> BaseResponse | tuple[str, int]:
    """Save the file, then import it in a job (with progress) into this institution only."""
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("请选择要导入的 CSV 或 JSON Lines 文件。"), "error")
        return redirect(url_for("centre.upload"))
    filename = upload_name(file.filename, "upload.csv")
    strict = request.form.get("strict") == "on"
    handle, path = tempfile.mkstemp(prefix="haiyan-upload-", suffix=".part")
    with os.fdopen(handle, "wb") as target:
        file.save(target)
    size = os.path.getsize(path)
    code = current_user.institution_code
    by = f"web:{current_user.username}"
    chunk_rows = current_app.config["IMPORT_CHUNK_ROWS"]
    today = date.today()
    # The job's thread has no request to build URLs with: make the report's URL now.
    report_url = url_for("centre.import_report", job_id="JOB-ID")

    def work(progress: jobs.Progress) -> str:
        progress.update(0, size, filename)
        try:
            try:
                with db.unit_of_work(), open(path, "rb") as raw:
                    stream = jobs.counted(raw, progress, size)
                    report = import_records(
                        db.session, stream, filename, as_of=today, imported_by=by,
                        strict=strict, chunk_rows=chunk_rows, only_institution=code,
                        size_hint=size,
                    )  # fmt: skip
                result: dict[str, Any] = {"stored": True, **report.to_json()}
            except ImportRefused as refused:
                result = {"stored": False, "message": refused.message, **refused.report.to_json()}
            except DomainError as problem:  # the file as a whole (header, format)
                result = {
                    "stored": False,
                    "message": problem.message,
                    "rows": 0,
                    "imported": 0,
                    "duplicates": 0,
                    "rejected": [],
                    "rejected_count": 0,
                    "strict": strict,
                }
        finally:
            os.unlink(path)
        result["filename"] = filename
        progress.state.details = result
        return report_url.replace("JOB-ID", progress.state.id)

    job_id = jobs.start("import", _("导入 %(name)s", name=filename), work)
    return redirect(jobs.job_url(job_id))


def _report(job_id: str) -> dict[str, Any]:
    """The report an upload job of the current user stored (404 for anybody else's job)."""
    state = jobs.load(job_id)
    if state.kind != "import" or state.state != "done" or not isinstance(state.details, dict):
        raise NotFound("no such import report")
    report: dict[str, Any] = state.details
    return report


@bp.get("/imports/<job_id>")
@allow("centre")
def import_report(job_id: str) -> str:
    """What came of an upload: counts and every rejected row with its reasons."""
    report = _report(job_id)
    return render_template(
        "centre/import_report.html",
        report=report,
        job_id=job_id,
        shown=report["rejected"][:SHOWN_REJECTIONS],
    )


@bp.get("/imports/<job_id>/rejected.csv")
@allow("centre")
def import_rejections(job_id: str) -> Response:
    """The rejected rows of an upload as CSV: line, source_id, reasons (as the API gives
    them), and 原因 (the same in Chinese, as the page shows them)."""
    report = _report(job_id)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["line", "source_id", "reasons", "原因"])
    for row in report["rejected"]:
        reasons = row["reasons"]
        chinese = "；".join(in_chinese(reason) for reason in reasons)
        writer.writerow([row["line"], row["source_id"] or "", "; ".join(reasons), chinese])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="rejected-rows.csv"'},
    )


@bp.get("/deductions")
@allow("centre")
def deductions() -> str:
    """The closed audit batches of a year: n, failed, D, and each failed record with its reason."""
    institution = _institution()
    years = sorted(
        set(
            db.session.scalars(
                select(AuditBatch.year)
                .where(AuditBatch.institution_id == institution.id)
                .distinct()
            )
        )
        | set(_record_years(institution.id)),
        reverse=True,
    )
    year = _year_arg(years)
    batches = [b for b in list_batches(db.session, year, institution.code) if b.closed]
    details = [batch_detail(db.session, b.batch.id) for b in batches]
    items = _pairs(select(ServiceItem.code, ServiceItem.name).where(ServiceItem.year == year))
    staff_names = _pairs(
        select(Staff.code, Staff.name).where(Staff.institution_id == institution.id)
    )
    open_count = sum(1 for b in list_batches(db.session, year, institution.code) if not b.closed)
    return render_template(
        "centre/deductions.html",
        institution=institution,
        year=year,
        years=sorted(set(years) | {year}, reverse=True),
        batches=details,
        items=items,
        staff_names=staff_names,
        total=sum(b.batch.deduction or 0 for b in batches),
        open_count=open_count,
    )


@bp.get("/statements")
@allow("centre")
def statements() -> str:
    """The documents the centre may download."""
    institution = _institution()
    documents = institution_documents(institution.code, role="centre")
    return render_template("centre/statements.html", institution=institution, documents=documents)


def _bonus_state(institution: Institution, year: int) -> dict[str, Any]:
    settled = db.session.get(YearSettlement, year) is not None
    assessment = db.session.get(Assessment, (year, institution.id)) if settled else None
    state: dict[str, Any] = {"settled": settled, "assessment": assessment, "bonus": None}
    if assessment is None:
        return state
    state["bonus"] = institution_bonus(db.session, year, institution)
    state["weights"] = {s["code"]: s["weight"] for s in state["bonus"].to_json()["staff"]}
    pay = recorded_performance_pay(db.session, year, institution.code)
    state["performance_pay"] = pay
    state["sheet"] = None if pay is None else pay_sheet(db.session, year, institution.code, pay)
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
    return _bonus_page(_year_arg(_settled_years()))


def _bonus_page(year: int, errors: dict[str, str] | None = None) -> tuple[str, int]:
    institution = _institution()
    settled = _settled_years()
    staff_names = _pairs(
        select(Staff.code, Staff.name).where(Staff.institution_id == institution.id)
    )
    return (
        render_template(
            "centre/bonus.html",
            institution=institution,
            year=year,
            years=sorted(set(settled) | {year}, reverse=True),
            staff_names=staff_names,
            errors=errors or {},
            form=request.form,
            **_bonus_state(institution, year),
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
