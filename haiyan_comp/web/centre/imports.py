"""The centre's uploads: the form, the import job, its report and rejected rows.

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
from datetime import date
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.errors import NotFound
from haiyan_comp.messages import from_described
from haiyan_comp.operations.records import recent_uploads
from haiyan_comp.records.messages import NO_IMPORT_REPORT
from haiyan_comp.records.originals import rejected_table
from haiyan_comp.records.report import reasons_of
from haiyan_comp.tabular import csv_writer
from haiyan_comp.web import jobs
from haiyan_comp.web.access import allow
from haiyan_comp.web.centre.common import bp, institution
from haiyan_comp.web.inputs import upload_name

SHOWN_REJECTIONS = 1000  # rows listed on the report page; the CSV has all the import listed


@bp.get("/upload")
@allow("centre")
def upload() -> str:
    """The upload form, and the institution's latest imports (counts)."""
    own = institution()
    earlier = recent_uploads(own.id)
    return render_template("centre/upload.html", institution=own, imports=earlier)


@bp.post("/upload")
@allow("centre")
def upload_post() -> BaseResponse | tuple[str, int]:
    """Save the file, then import it in a job (with progress) into this institution only."""
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("请选择要导入的 CSV、电子表格（.xlsx）或 JSON Lines 文件。"), "error")
        return redirect(url_for("centre.upload"))
    filename = upload_name(file.filename, "upload.csv")
    strict = request.form.get("strict") == "on"
    sheet = (request.form.get("sheet") or "").strip()[:100] or None
    handle, path = tempfile.mkstemp(prefix="haiyan-upload-", suffix=".part")
    with os.fdopen(handle, "wb") as target:
        file.save(target)
    params = {
        "filename": filename,
        "size": os.path.getsize(path),
        "strict": strict,
        "sheet": sheet,
        "by": f"web:{current_user.username}",
        "code": current_user.institution_code,
        "chunk_rows": current_app.config["IMPORT_CHUNK_ROWS"],
        "today": date.today().isoformat(),
        # A worker has no request to build URLs with: make the report's URL now.
        "report_url": url_for("centre.import_report", job_id="JOB-ID"),
    }
    job_id = jobs.submit("import", _("导入 %(name)s", name=filename), params, upload_path=path)
    return redirect(jobs.job_url(job_id))


def _report(job_id: str) -> dict[str, Any]:
    """The report an upload job of the current user stored (404 for anybody else's job).

    Its messages are kept as English and codes (JSON): they are messages again
    here, so that the page shows them in Chinese from the catalogue.
    """
    state = jobs.load(job_id)
    if state.kind != "import" or state.state != "done" or not isinstance(state.details, dict):
        raise NotFound(NO_IMPORT_REPORT())
    report: dict[str, Any] = dict(state.details)
    if report.get("message"):
        report["message"] = from_described(report["message"], report.get("reason"))
    return report


@bp.get("/imports/<job_id>")
@allow("centre")
def import_report(job_id: str) -> str:
    """What came of an upload: counts and every rejected row with its reasons."""
    report = _report(job_id)
    shown = [{**row, "reasons": reasons_of(row)} for row in report["rejected"][:SHOWN_REJECTIONS]]
    return render_template("centre/import_report.html", report=report, job_id=job_id, shown=shown)


@bp.get("/imports/<job_id>/rejected.csv")
@allow("centre")
def import_rejections(job_id: str) -> Response:
    """The rejected rows of an upload as CSV: 行号, the row's own columns as the file had
    them, 原因 (in Chinese). Corrected in place, the file imports as it is."""
    header, rows = rejected_table(_report(job_id))
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="rejected-rows.csv"'},
    )


@bp.get("/imports/<job_id>/rejected.xlsx")
@allow("centre")
def import_rejections_xlsx(job_id: str) -> Response:
    """The same rows as an .xlsx workbook: every cell text, as the file gave it."""
    header, rows = rejected_table(_report(job_id))
    return Response(
        rejected_workbook(header, rows),
        mimetype=XLSX,
        headers={"Content-Disposition": 'attachment; filename="rejected-rows.xlsx"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rejected_workbook(header: list[str], rows: list[list[Any]]) -> bytes:
    """One sheet: the header (bold, frozen) and the rows; text cells are written as text,
    never as formulas, so a cell from the file cannot run in a spreadsheet."""
    import xlsxwriter  # type: ignore[import-untyped]

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("退回的记录")
    bold = book.add_format({"bold": True})
    widths = [max(6, len(str(name)) * 2) for name in header]
    for column, name in enumerate(header):
        sheet.write_string(0, column, str(name), bold)
    for number, row in enumerate(rows, start=1):
        sheet.write_number(number, 0, int(row[0]))
        for column, cell in enumerate(row[1:], start=1):
            value = "" if cell is None else str(cell)
            sheet.write_string(number, column, value)
            widths[column] = min(60, max(widths[column], len(value) + 2))
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
