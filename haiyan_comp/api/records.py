"""/api/v1/records: import service records (a file upload or a raw body) and read them back.

An import streams: a raw body is read from the socket as it is parsed, a
multipart upload is spooled to disk by Werkzeug; neither is held whole in memory.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any, BinaryIO, cast

from flask import current_app, request
from flask_login import current_user
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from haiyan_comp import bounds
from haiyan_comp.api import workbooks
from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.api.schemas import CODE, Decimal2, ErrorSchema, InstitutionQuery, Year, actor, text
from haiyan_comp.errors import InvalidInput
from haiyan_comp.operations import records as operations
from haiyan_comp.operations.institutions import institution_by_code
from haiyan_comp.records.messages import UPLOAD_WITHOUT_FILE
from haiyan_comp.records.queries import RecordSearch, record_json
from haiyan_comp.records.queries.rows import SORTS
from haiyan_comp.records.queries.search import COUNT_CAP, SORT_BUDGET
from haiyan_comp.records.readers import detect_format
from haiyan_comp.web.access import allow, own_code
from haiyan_comp.web.inputs import upload_name
from haiyan_comp.workbooks import money
from haiyan_comp.workbooks.records import every_row

blp = Blueprint("api_records", __name__, url_prefix="/records", description="Service records")

# Raw bodies: the Content-Type says the format.
RAW_TYPES = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/json-lines": "jsonl",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
EXTENSION = {"csv": ".csv", "jsonl": ".jsonl", "xlsx": ".xlsx"}
MAX_LIMIT = 500


class ImportQuery(Schema):
    strict = fields.Boolean(
        load_default=False, metadata={"description": "Import nothing if any row is bad."}
    )
    filename = fields.String(
        load_default=None,
        validate=text(255),
        metadata={"description": "The file's name for the import's history (raw bodies)."},
    )
    sheet = fields.String(
        load_default=None,
        validate=text(100),
        metadata={"description": "The workbook's sheet to read (.xlsx; default: the first)."},
    )


class ReasonCode(Schema):
    """A reason for machines: its code, the field it is about, its parameters."""

    code = fields.String(required=True, allow_none=True, metadata={"example": "unknown_field"})
    field = fields.String(required=True, allow_none=True, metadata={"example": "colour"})
    params = fields.Dict(required=True)


class RejectedRow(Schema):
    line = fields.Integer(required=True)
    source_id = fields.String(required=True, allow_none=True)
    reasons = fields.List(fields.String(), required=True)
    codes = fields.List(
        fields.Nested(ReasonCode),
        required=True,
        metadata={"description": "Each reason's code and parameters, in the order of `reasons`."},
    )
    cells = fields.List(
        fields.String(),
        metadata={
            "description": "The row's cells as the file gave them, under the report's `header` "
            "(a multipart upload; a raw body cannot be read twice)."
        },
    )


class ImportReportSchema(Schema):
    rows = fields.Integer(required=True)
    imported = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectedRow), required=True)
    rejected_count = fields.Integer(required=True)
    import_id = fields.Integer(allow_none=True)
    strict = fields.Boolean()
    header = fields.List(
        fields.String(), metadata={"description": "The file's header, when `cells` are given."}
    )


_BODY = {
    "required": True,
    "description": "A CSV (UTF-8, UTF-8 with BOM or GB18030), .xlsx or JSON Lines file of "
    "records (CONTRACT.md), up to 200 MB: a multipart upload in the field `file`, or the file "
    "itself as the body.",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        "text/csv": {"schema": {"type": "string"}},
        "application/x-ndjson": {"schema": {"type": "string"}},
        "application/jsonl": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
    },
}


def _upload() -> tuple[BinaryIO, str]:
    """The file's stream and name, from a multipart field or the raw body."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(f"an import is at most {limit // (1024 * 1024)} MB")
    name = request.args.get("filename") or None
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput(UPLOAD_WITHOUT_FILE(), details={"fields": sorted(request.files)})
        return cast(BinaryIO, upload.stream), upload_name(name or upload.filename, "upload.csv")
    file_format = RAW_TYPES.get(request.mimetype)
    if file_format is None:
        raise UnsupportedMediaType(
            "send the records as multipart/form-data (field 'file'), text/csv, "
            "application/x-ndjson or an .xlsx workbook's type, "
            f"not {request.mimetype or 'a body without Content-Type'}"
        )
    name = upload_name(name, f"records{EXTENSION[file_format]}")
    if detect_format(name, b"") != file_format or not name.lower().endswith(
        (".csv", ".txt", ".jsonl", ".ndjson", ".json", ".xlsx", ".xlsm")
    ):
        name += EXTENSION[file_format]  # the Content-Type decides the format
    return cast(BinaryIO, io.BufferedReader(cast(io.RawIOBase, request.stream))), name


@blp.route("", methods=["POST"])
@blp.arguments(ImportQuery, location="query")
@blp.doc(requestBody=_BODY)
@blp.response(200, ImportReportSchema, description="Imported; bad rows are listed in `rejected`.")
@blp.alt_response(422, schema=ErrorSchema, description="Refused (strict, or a bad file).")
@allow("centre", "platform")
def import_file(query: dict[str, Any]) -> dict[str, Any]:
    """Import a CSV or JSON Lines file of service records (one transaction).

    The same report and idempotency as `haiyan records import --json`: good rows
    are imported, bad rows listed with their line and reasons; importing the same
    file again changes nothing. With `strict=true` one bad row imports nothing
    (422, the report in `details`). A centre, or a token of one institution, may
    import its own institution's rows only: other rows are rejected.
    """
    stream, filename = _upload()
    report = operations.import_file(
        stream,
        filename,
        as_of=date.today(),
        imported_by=actor(),
        strict=query["strict"],
        chunk_rows=current_app.config["IMPORT_CHUNK_ROWS"],
        only_institution=current_user.institution_code,
        size_hint=request.content_length,
        sheet=query["sheet"],
    )
    document: dict[str, Any] = report.to_json()
    return document


class RecordsQuery(InstitutionQuery):
    year = Year(load_default=None)
    item = fields.String(load_default=None, validate=CODE, metadata={"example": "HTN"})
    staff = fields.String(load_default=None, validate=CODE, metadata={"example": "HY01S001"})
    resident = fields.String(load_default=None, validate=CODE)
    source_id = fields.String(load_default=None, validate=CODE)
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")
    source_id_prefix = fields.String(
        load_default=None,
        validate=CODE,
        metadata={"description": "Records whose source id starts with this."},
    )
    resident_prefix = fields.String(
        load_default=None,
        validate=CODE,
        metadata={"description": "Records whose resident id starts with this."},
    )
    sort = fields.String(
        load_default="id",
        validate=validate.OneOf(SORTS),
        metadata={"description": "id (pages by `after`), or date, item, units (by `offset`)."},
    )
    order = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))
    offset = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=SORT_BUDGET),
        metadata={"description": "Sorted searches: the records before the page."},
    )
    count = fields.Boolean(
        load_default=False,
        metadata={"description": f"Also count the matching records (up to {COUNT_CAP:,})."},
    )
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=bounds.BIG_ID.highest),
        metadata={"description": "Records after this id (the previous page's `next_after`)."},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_LIMIT))


class RecordSchema(Schema):
    """A record as `record_json` (haiyan_comp.records.queries) makes it."""

    id = fields.Integer(required=True)
    source_id = fields.String(required=True)
    institution = fields.String(required=True)
    staff = fields.String(required=True)
    item = fields.String(required=True)
    year = fields.Integer(required=True)
    service_date = fields.String(required=True, metadata={"format": "date"})
    resident_id = fields.String(required=True, allow_none=True)
    quantity = fields.Integer(required=True)
    units = Decimal2(required=True)
    purchasable = Decimal2(required=True)
    capped = fields.Boolean(required=True)
    import_id = fields.Integer(required=True)
    line = fields.Integer(required=True)


class RecordPage(Schema):
    records = fields.List(fields.Nested(RecordSchema), required=True)
    next_after = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `after` for the next page; null on the last page."},
    )
    next_offset = fields.Integer(
        allow_none=True,
        metadata={"description": "Sorted searches: pass as `offset` for the next page."},
    )
    sorted = fields.Boolean(
        metadata={"description": "False when the sort was refused (too many records to sort)."}
    )
    total = fields.Integer(
        allow_none=True, metadata={"description": "With count=true: the matching records."}
    )
    total_exact = fields.Boolean(
        metadata={"description": "False: `total` is an estimate from the running totals."}
    )
    total_capped = fields.Boolean(
        metadata={"description": "True: at least `total` records match (counting stopped)."}
    )


@blp.route("", methods=["GET"])
@blp.arguments(RecordsQuery, location="query")
@blp.response(200, RecordPage)
@allow("finance", "auditor", "centre", "platform")
def list_records(query: dict[str, Any]) -> dict[str, Any]:
    """Service records in id order, a page at a time (at most 500); a centre sees its own.

    Also by the beginning of a source id or resident id, sorted by date, item or units
    (paged by `offset`), and counted with `count=true`.
    """
    code = own_code(query["institution"])
    source, source_prefix = query["source_id"], False
    if query["source_id_prefix"] is not None and source is None:
        source, source_prefix = query["source_id_prefix"], True
    resident, resident_prefix = query["resident"], False
    if query["resident_prefix"] is not None and resident is None:
        resident, resident_prefix = query["resident_prefix"], True
    search = RecordSearch(
        institution_id=None if code is None else institution_by_code(code).id,
        year=query["year"],
        source_id=source,
        source_prefix=source_prefix,
        item=query["item"],
        staff=query["staff"],
        resident_id=resident,
        resident_prefix=resident_prefix,
        date_from=query["date_from"],
        date_to=query["date_to"],
        after=query["after"],
        limit=query["limit"],
        sort=query["sort"],
        descending=query["order"] == "desc",
        offset=query["offset"],
        count=query["count"],
    )
    if workbooks.wanted():
        title = _title({**query, "institution": code})
        book = money.records(
            every_row(search, operations.search, operations.stream), title, query["year"]
        )
        return workbooks.send(book)  # type: ignore[return-value]
    page = operations.search(search)
    sorted_pages = page.by_offset  # sorted, or a common source-id prefix in its own order
    document: dict[str, Any] = {
        "records": [record_json(row) for row in page.rows],
        "next_after": None if sorted_pages else page.next_cursor,
        "next_offset": search.offset + search.limit if sorted_pages and page.more else None,
        "sorted": page.sorted,
    }
    if search.count:
        document |= {
            "total": page.total,
            "total_exact": page.total_exact,
            "total_capped": page.total_capped,
        }
    return document


def _title(query: dict[str, Any]) -> str:
    """The search's title: its year and the filters asked for."""
    year = f"{query['year']}年度" if query["year"] is not None else ""
    shown = {
        "institution": "机构", "item": "项目", "staff": "职工", "resident": "居民",
        "resident_prefix": "居民编号开头", "source_id": "记录号",
        "source_id_prefix": "记录号开头", "date_from": "服务日期自", "date_to": "服务日期至",
    }  # fmt: skip
    filters = [f"{label} {query[key]}" for key, label in shown.items() if query.get(key)]
    return f"{year}服务记录查询结果" + (f"（{'，'.join(filters)}）" if filters else "")
