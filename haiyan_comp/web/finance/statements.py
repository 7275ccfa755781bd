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
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.errors import NotFound
from haiyan_comp.operations import statements as operations
from haiyan_comp.statements import messages as msg
from haiyan_comp.statements.data import StatementData
from haiyan_comp.statements.queries import NoticeLine
from haiyan_comp.statements.render import render_settlement
from haiyan_comp.web import jobs
from haiyan_comp.web.access import allow
from haiyan_comp.web.finance.common import (
    ZIP_NAME,
    Page,
    _known_years,
    _render,
    _year_arg,
    bp,
)


def _zip_folder() -> Path:
    return jobs.folder(current_app)


@bp.get("/statements")
@allow("finance")
def statements() -> Page:
    """Settlement statements, prepayment notices and audit reports, to download."""
    page = operations.statements_page(_year_arg())
    runs: dict[date, list[NoticeLine]] = {}
    for line in page.notices:
        runs.setdefault(line.as_of, []).append(line)
    return _render(
        "finance/statements.html",
        year=page.year,
        years=_known_years(),
        settled_years=page.settled_years,
        codes=page.codes,
        settlements={line.code: line for line in page.settlements},
        runs=runs,
        batches=page.batches,
        names=page.names,
    )


@bp.post("/statements/zip")
@allow("finance")
def statements_zip_start() -> BaseResponse:
    """Every institution's settlement statement as one ZIP, made by a job with progress."""
    year = _year_arg()
    codes = operations.settled_codes(year)  # NotFound (404) for an unsettled year
    name = f"statements-{year}-{secrets.token_urlsafe(12)}.zip"
    folder = _zip_folder()
    county = str(current_app.config["COUNTY_NAME"])
    result_url = url_for("finance.statement_zip", name=name)

    def work(progress: jobs.Progress) -> str:
        temporary = folder / (name + ".part")
        progress.update(0, len(codes), _("正在读取 %(year)s 年度结算数据", year=year))
        every_one: list[StatementData] = operations.settlement_statements(
            year, county, datetime.now(UTC)
        )
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
        raise NotFound(msg.ZIP_UNKNOWN())
    path = _zip_folder() / name
    if not path.is_file():
        raise NotFound(msg.ZIP_GONE())
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
