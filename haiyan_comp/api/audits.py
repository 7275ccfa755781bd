"""/api/v1/audits: draw samples, record verdicts, close batches (R5–R8); findings and flags.

Only auditors draw, decide and close; finance reads; a centre reads its own
institution's batches: another institution's batch, or staff member, answers
exactly as one that does not exist (tests/web/test_oracles.py).
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from marshmallow import Schema, fields, validate

from haiyan_comp import bounds
from haiyan_comp.api import workbooks
from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.api.schemas import (
    CODE,
    Decimal2,
    IsoDate,
    Year,
    YearInstitutionQuery,
    actor,
    text,
)
from haiyan_comp.api.schemas_audit import (
    BatchDetailSchema,
    BatchListSchema,
    CloseSchema,
    DrawSchema,
    FindingsSchema,
    VerdictSchema,
)
from haiyan_comp.audit.findings import Findings
from haiyan_comp.audit.reports import BatchDetail, Closure, Drawn
from haiyan_comp.operations import audit as operations
from haiyan_comp.operations.audit import VerdictResult
from haiyan_comp.web.access import allow, own_code
from haiyan_comp.workbooks import audit as audit_tables

blp = Blueprint("api_audits", __name__, url_prefix="/audits", description="Random audits")

READERS = ("auditor", "finance", "centre")


class DrawInput(Schema):
    year = Year(required=True)
    institution = fields.String(required=True, validate=CODE, metadata={"example": "HY01"})
    item = fields.String(required=True, validate=CODE, metadata={"example": "HTN"})
    size = fields.Integer(required=True, validate=validate.Range(min=1, max=bounds.ID.highest))
    seed = fields.String(required=True, validate=text(200))
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")
    flagged_only = fields.Boolean(load_default=False)


@blp.route("", methods=["POST"])
@blp.arguments(DrawInput)
@blp.response(201, DrawSchema)
@allow("auditor")
def draw(entered: dict[str, Any]) -> Drawn:
    """Freeze a stratum's population and draw a reproducible sample (`haiyan audit draw`)."""
    drawn = operations.draw(
        year=entered["year"],
        institution=entered["institution"],
        item=entered["item"],
        size=entered["size"],
        seed=entered["seed"],
        date_from=entered["date_from"],
        date_to=entered["date_to"],
        flagged_only=entered["flagged_only"],
        by=actor(),
    )
    return drawn


@blp.route("", methods=["GET"])
@blp.arguments(YearInstitutionQuery, location="query")
@blp.response(200, BatchListSchema)
@allow(*READERS)
def batches(query: dict[str, Any]) -> dict[str, Any]:
    """The audit batches of a year (`haiyan audit list --json`); a centre sees its own."""
    code = own_code(query["institution"])
    batches = operations.batches(query["year"], code)
    return {"year": query["year"], "batches": batches}


@blp.route("/<int:batch_id>", methods=["GET"])
@blp.response(200, BatchDetailSchema)
@allow(*READERS)
def batch(batch_id: int) -> BatchDetail:
    """A batch with its sample, verdicts and their trail (`haiyan audit show --json`)."""
    return operations.batch(batch_id, seen_by=current_user.institution_id)


class VerdictInput(Schema):
    source_id = fields.String(required=True, validate=CODE)
    verdict = fields.String(required=True, validate=validate.OneOf(["pass", "fail"]))
    reason = fields.String(load_default=None, allow_none=True, validate=text(1000))
    staff = fields.String(
        load_default=None,
        allow_none=True,
        validate=CODE,
        metadata={"description": "The responsible staff member, if not the record's."},
    )


@blp.route("/<int:batch_id>/verdicts", methods=["POST"])
@blp.arguments(VerdictInput)
@blp.response(200, VerdictSchema)
@allow("auditor")
def verdict(entered: dict[str, Any], batch_id: int) -> VerdictResult:
    """Record or change the verdict on a sampled record of an open batch (R7)."""
    result = operations.judge(
        batch_id,
        entered["source_id"],
        entered["verdict"],
        reason=entered["reason"],
        staff=entered["staff"],
        by=actor(),
    )
    return result


@blp.route("/<int:batch_id>/close", methods=["POST"])
@blp.response(200, CloseSchema)
@allow("auditor")
def close(batch_id: int) -> Closure:
    """Close a batch whose sampled records all have a verdict; fix D (`haiyan audit close`)."""
    return operations.close(batch_id, by=actor())


class FindingsQuery(YearInstitutionQuery):
    staff = fields.String(load_default=None, validate=CODE)


@blp.route("/findings", methods=["GET"])
@blp.arguments(FindingsQuery, location="query")
@blp.response(200, FindingsSchema)
@allow(*READERS)
def findings_view(query: dict[str, Any]) -> Findings:
    """Failed verdicts per responsible staff member, deductions per batch (R7, R8).

    With an institution (a centre's is always its own), `staff` must be one of its staff.
    """
    code = own_code(query["institution"])
    return operations.failures(query["year"], code, query["staff"], scoped=True)


class FlagsQuery(YearInstitutionQuery):
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=0, max=10_000))


class Flag(Schema):
    rule = fields.String(required=True)
    institution = fields.String(required=True)
    source_id = fields.String(required=True)
    staff = fields.String(required=True)
    item = fields.String(required=True)
    service_date = IsoDate(required=True)
    resident_id = fields.String(required=True, allow_none=True)
    units = Decimal2(required=True)
    detail = fields.String(required=True)


FLAG_KEYS = tuple(Flag._declared_fields)  # the documented fields, in order


class FlagRows(fields.List[Any]):
    """The listed flags (up to 10,000 rows) as `Flag` dumps them, without its per-field calls.

    Every field of `Flag` is text: a value out as `str(value)`, None as null, a
    missing key left out. Documented in the OpenAPI schema as a list of `Flag`.
    """

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else [flag_json(row) for row in value]


_FLAG_KEY_SET = frozenset(FLAG_KEYS)


def flag_json(row: dict[str, Any]) -> dict[str, Any]:
    """One listed flag as the API answers it (what `Flag().dump(row)` gives).

    A row of the flag listing has exactly the documented keys and every value already
    text (or None) but its explanation, a message, which becomes its English text.
    """
    if row.keys() == _FLAG_KEY_SET:
        return {**row, "detail": str(row["detail"])}
    return {key: None if row[key] is None else str(row[key]) for key in FLAG_KEYS if key in row}


class FlagsSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True, allow_none=True)
    staff_day_limit = Decimal2(required=True)
    rules = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    totals = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    institutions = fields.List(fields.Dict(), required=True)
    staff = fields.List(fields.Dict(), required=True)
    flags = FlagRows(fields.Nested(Flag), required=True)
    listed = fields.Integer(required=True)
    limit = fields.Integer(required=True)


@blp.route("/flags", methods=["GET"])
@blp.arguments(FlagsQuery, location="query")
@blp.response(200, FlagsSchema)
@allow(*READERS)
def flags(query: dict[str, Any]) -> dict[str, Any]:
    """Records the automatic checks flag (never reject), counted per institution and staff.

    With `format=xlsx`: the flagged records, each flag's explanation in Chinese."""
    code = own_code(query["institution"])
    report = operations.flags(query["year"], code, query["limit"])
    if workbooks.wanted():  # the report's explanations are still messages here
        return workbooks.send(audit_tables.flags({**report, "year": query["year"]}))  # type: ignore[return-value]
    return report
