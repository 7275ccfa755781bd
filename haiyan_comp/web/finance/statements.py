"""Every statement of a settled year, one at a time or all in a ZIP (a job)."""

from __future__ import annotations

import io
import secrets
import zipfile
from datetime import date, datetime

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
from haiyan_comp.statements.queries import NoticeLine
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
    params = {
        "year": year,
        "county": str(current_app.config["COUNTY_NAME"]),
        "name": name,
        "total": len(codes),
        "result_url": url_for("finance.statement_zip", name=name),
    }
    title = _("%(year)s 年度全部机构结算单（ZIP）", year=year)
    return redirect(jobs.job_url(jobs.submit("statements-zip", title, params)))


def _zip_file(name: str) -> tuple[bytes, datetime]:
    if not ZIP_NAME.match(name):
        raise NotFound(msg.ZIP_UNKNOWN())
    try:
        return jobs.result_file(name)
    except NotFound:
        raise NotFound(msg.ZIP_GONE()) from None


@bp.get("/statements/zip/<name>")
@allow("finance")
def statement_zip(name: str) -> Page:
    """The finished ZIP: what it holds, and a download button."""
    data, made = _zip_file(name)
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        entries = [(i.filename, i.file_size) for i in zipped.infolist()]
    match = ZIP_NAME.match(name)
    return _render(
        "finance/statement_zip.html",
        name=name,
        year=int(match.group(1)) if match else None,
        size=len(data),
        entries=entries,
        made=made,
    )


@bp.get("/statements/zip/<name>/download")
@allow("finance")
def statement_zip_file(name: str) -> BaseResponse:
    """Download the ZIP."""
    data, _made = _zip_file(name)
    response = send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
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
