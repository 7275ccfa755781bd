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
from haiyan_comp.messages import from_described, text
from haiyan_comp.operations.records import recent_uploads
from haiyan_comp.records.messages import NO_IMPORT_REPORT
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
        flash(_("请选择要导入的 CSV 或 JSON Lines 文件。"), "error")
        return redirect(url_for("centre.upload"))
    filename = upload_name(file.filename, "upload.csv")
    strict = request.form.get("strict") == "on"
    handle, path = tempfile.mkstemp(prefix="haiyan-upload-", suffix=".part")
    with os.fdopen(handle, "wb") as target:
        file.save(target)
    params = {
        "filename": filename,
        "size": os.path.getsize(path),
        "strict": strict,
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
    """The rejected rows of an upload as CSV: line, source_id, reasons (as the API gives
    them), 原因 (the same in Chinese, as the page shows them) and their codes."""
    report = _report(job_id)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["line", "source_id", "reasons", "原因", "codes"])
    for row in report["rejected"]:
        reasons = row["reasons"]
        chinese = "；".join(text(reason, "zh") for reason in reasons_of(row))
        codes = "; ".join(str(code.get("code") or "") for code in row.get("codes") or [])
        line = [row["line"], row["source_id"] or "", "; ".join(reasons), chinese, codes]
        writer.writerow(line)
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="rejected-rows.csv"'},
    )
