"""Every statement of a settled year, one at a time or all in a ZIP (a job)."""

from __future__ import annotations

import os
import secrets
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

from flask import (
    current_app,
    redirect,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.audit.models import AuditBatch
from haiyan_comp.budget.models import Instalment
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.institutions.models import Institution
from haiyan_comp.settlement.models import YearSettlement
from haiyan_comp.statements.render import render_settlement
from haiyan_comp.statements.services import settled_codes, settlement_statements
from haiyan_comp.web import jobs
from haiyan_comp.web.access import allow
from haiyan_comp.web.finance.common import (
    ZIP_NAME,
    Page,
    _known_years,
    _names,
    _render,
    _year_arg,
    bp,
)
from haiyan_comp.web.finance.settlement import _settled_rows


def _zip_folder() -> Path:
    return jobs.folder(current_app)


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
        progress.update(0, len(codes), _("正在读取 %(year)s 年度结算数据", year=year))
        every_one = settlement_statements(db.session, year, county, datetime.now(UTC))
        with jobs.private_zip(temporary) as zipped:
            for done, data in enumerate(every_one):
                code = data.institution_code
                progress.update(done, len(codes), _("正在生成 %(code)s 的结算单", code=code))
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
