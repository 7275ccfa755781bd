"""`?format=xlsx` on the API's table GETs: the same rows as the JSON answer, as a workbook.

The view answers as always; when the request asked for a workbook, its JSON document is
turned into one by the table's description (haiyan_comp.workbooks.tables), so the
workbook's figures are the JSON's. A GET whose answer is no table refuses the format.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from urllib.parse import quote

from flask import Flask, Response, current_app, g, request
from werkzeug.datastructures import ImmutableMultiDict

from haiyan_comp.errors import InvalidInput
from haiyan_comp.workbooks import CONTENT_TYPE, write_workbook
from haiyan_comp.workbooks.book import Workbook
from haiyan_comp.workbooks.messages import NOT_A_TABLE, UNKNOWN_FORMAT
from haiyan_comp.workbooks.tables import TABLES

# endpoint → table (a key of workbooks.tables.TABLES)
XLSX_ENDPOINTS = {
    "api_units.units": "units",
    "api_settlement.preview": "settlement",
    "api_settlement.settled": "settlement",
    "api_audits.batches": "audit_batches",
    "api_audits.batch": "audit_batch",
    "api_audits.flags": "flags",
    "api_audits.findings_view": "findings",
    "api_years.get_schedule": "schedule",
    "api_bonus.bonus": "bonus",
    "api_bonus.get_paysheet": "pay_sheet",
    "api_catalogue.catalogue": "catalogue",
    "api_imports.recent_imports": "imports",
    # These views make their workbook themselves (`wanted()` / `send()`): the ledger as its
    # page reads it, the records search walked page by page and streamed.
    "api_ledger.ledger_view": "ledger",
    "api_records.list_records": "records",
}
FORMATS = ("json", "xlsx")


def init_workbooks(app: Flask, prefix: str) -> None:
    """Take `format` off the query of API requests and answer workbooks where asked."""

    def take_format() -> None:
        if not request.path.startswith(prefix) or "format" not in request.args:
            return
        wanted = request.args.get("format", "")
        rest = request.args.copy()
        rest.pop("format")
        request.args = ImmutableMultiDict(rest)  # the views' query schemas never see it
        if wanted not in FORMATS:
            raise InvalidInput(UNKNOWN_FORMAT.on("format", format=wanted[:20]))
        if wanted == "xlsx":
            if request.method != "GET" or request.endpoint not in XLSX_ENDPOINTS:
                raise InvalidInput(NOT_A_TABLE.on("format"))
            g.workbook = XLSX_ENDPOINTS[request.endpoint]

    app.before_request(take_format)
    app.after_request(as_workbook)


def as_workbook(response: Response) -> Response:
    """The JSON answer of a table GET as an .xlsx download, when one was asked for."""
    table = g.pop("workbook", None)
    if table is None or table not in TABLES:
        return response
    if response.status_code != 200 or not response.is_json:
        return response
    book = TABLES[table](response.get_json())
    county = str(current_app.config["COUNTY_NAME"])
    out = io.BytesIO()
    write_workbook(out, county=county, sheets=book.sheets)
    answer = Response(out.getvalue(), mimetype=CONTENT_TYPE)
    return _named(answer, book, table, county)


def wanted() -> bool:
    """Whether this request asked for its table as a workbook (`?format=xlsx`)."""
    return g.get("workbook") is not None


def send(book: Workbook) -> Response:
    """A view's own workbook (rows streamed to a temporary file in constant memory, then
    sent from it): for tables too big for one JSON answer, or read as the page reads them."""
    table = str(g.pop("workbook", "table"))
    county = str(current_app.config["COUNTY_NAME"])
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="haiyan-")
    os.close(handle)
    try:
        write_workbook(path, county=county, sheets=book.sheets)
        stream = open(path, "rb")  # noqa: SIM115 - closed by the response
    finally:
        os.unlink(path)  # the open stream keeps the file until it is sent
    size = os.fstat(stream.fileno()).st_size
    answer = Response(_chunks(stream), mimetype=CONTENT_TYPE, direct_passthrough=True)
    answer.headers["Content-Length"] = str(size)
    answer.call_on_close(stream.close)
    return _named(answer, book, table, county)


def _chunks(stream: io.BufferedReader) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(1 << 20):
            yield chunk


def _named(answer: Response, book: Workbook, table: str, county: str) -> Response:
    name = book.filename(county)
    fallback = f"{table}-{book.year}.xlsx" if book.year is not None else f"{table}.xlsx"
    answer.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    return answer
