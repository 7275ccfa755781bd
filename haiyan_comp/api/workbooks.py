"""`?format=xlsx` on the API's table GETs: the same rows as the JSON answer, as a workbook.

The view answers as always; when the request asked for a workbook, its JSON document is
turned into one by the table's description (haiyan_comp.workbooks.tables), so the
workbook's figures are the JSON's. A GET whose answer is no table refuses the format.
"""

from __future__ import annotations

import io
from urllib.parse import quote

from flask import Flask, Response, current_app, g, request
from werkzeug.datastructures import ImmutableMultiDict

from haiyan_comp.errors import InvalidInput
from haiyan_comp.messages import define
from haiyan_comp.workbooks import CONTENT_TYPE, write_workbook
from haiyan_comp.workbooks.tables import TABLES

# endpoint → table (a key of workbooks.tables.TABLES)
XLSX_ENDPOINTS = {
    "api_units.units": "units",
    "api_settlement.preview": "settlement",
    "api_settlement.settled": "settlement",
}
FORMATS = ("json", "xlsx")

UNKNOWN_FORMAT = define("unknown_format", "format must be json or xlsx, not {format!r}")
NOT_A_TABLE = define("not_a_table", "this answer is not a table, so it has no workbook")


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
    if table is None or response.status_code != 200 or not response.is_json:
        return response
    book = TABLES[table](response.get_json())
    county = str(current_app.config["COUNTY_NAME"])
    out = io.BytesIO()
    write_workbook(out, county=county, sheets=book.sheets)
    name = book.filename(county)
    fallback = f"{table}-{book.year}.xlsx" if book.year is not None else f"{table}.xlsx"
    answer = Response(out.getvalue(), mimetype=CONTENT_TYPE)
    answer.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    return answer
