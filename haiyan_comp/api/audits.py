"""/api/v1/audits: draw samples, record verdicts, close batches (R5–R8); findings and flags.

Only auditors draw, decide and close; finance reads; a centre reads its own
institution's batches: another institution's batch, or staff member, answers
exactly as one that does not exist (tests/web/test_oracles.py).
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from haiyan_comp import bounds
from haiyan_comp.api.schemas import (
    CODE,
    Decimal2,
    IsoDate,
    IsoDateTime,
    Year,
    YearInstitutionQuery,
    actor,
    text,
)
from haiyan_comp.operations import audit as operations
from haiyan_comp.web.access import allow, own_code

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


class BatchSchema(Schema):
    batch = fields.Integer(required=True)
    year = fields.Integer(required=True)
    institution = fields.String(required=True)
    item = fields.String(required=True)
    date_from = IsoDate(required=True, data_key="from", attribute="from")
    date_to = IsoDate(required=True, data_key="to", attribute="to")
    stratum = fields.String(required=True, metadata={"enum": ["all", "flagged"]})
    seed = fields.String(required=True)
    N = fields.Integer(required=True)
    U = Decimal2(required=True)
    n = fields.Integer(required=True)


class DrawSchema(BatchSchema):
    sample = fields.List(fields.String(), required=True)


class BatchStateSchema(BatchSchema):
    state = fields.String(required=True, metadata={"enum": ["open", "closed"]})
    pending = fields.Integer(required=True)
    failed = fields.Integer(required=True, allow_none=True)
    deduction = Decimal2(required=True, allow_none=True)
    drawn_at = IsoDateTime(required=True)
    drawn_by = fields.String(required=True)
    closed_at = IsoDateTime(required=True, allow_none=True)
    closed_by = fields.String(required=True, allow_none=True)


class SampledRecord(Schema):
    rank = fields.Integer(required=True)
    source_id = fields.String(required=True)
    service_date = IsoDate(required=True)
    resident_id = fields.String(required=True, allow_none=True)
    staff = fields.String(required=True)
    purchasable = Decimal2(required=True)
    verdict = fields.String(required=True, allow_none=True, metadata={"enum": ["pass", "fail"]})
    reason = fields.String(required=True, allow_none=True)
    responsible = fields.String(required=True, allow_none=True)
    decided_by = fields.String(required=True, allow_none=True)
    decided_at = IsoDateTime(required=True, allow_none=True)


class VerdictState(Schema):
    verdict = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    staff = fields.String(allow_none=True)


class TrailEntry(Schema):
    source_id = fields.String(required=True)
    changed_at = IsoDateTime(required=True)
    changed_by = fields.String(required=True)
    old = fields.Nested(VerdictState, required=True)
    new = fields.Nested(VerdictState, required=True)


class BatchDetailSchema(BatchStateSchema):
    sample = fields.List(fields.Nested(SampledRecord), required=True)
    trail = fields.List(fields.Nested(TrailEntry), required=True)


class BatchListSchema(Schema):
    year = fields.Integer(required=True)
    batches = fields.List(fields.Nested(BatchStateSchema), required=True)


@blp.route("", methods=["POST"])
@blp.arguments(DrawInput)
@blp.response(201, DrawSchema)
@allow("auditor")
def draw(entered: dict[str, Any]) -> dict[str, Any]:
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
    return drawn.to_json()


@blp.route("", methods=["GET"])
@blp.arguments(YearInstitutionQuery, location="query")
@blp.response(200, BatchListSchema)
@allow(*READERS)
def batches(query: dict[str, Any]) -> dict[str, Any]:
    """The audit batches of a year (`haiyan audit list --json`); a centre sees its own."""
    code = own_code(query["institution"])
    batches = operations.batches(query["year"], code)
    return {"year": query["year"], "batches": [batch.to_json() for batch in batches]}


@blp.route("/<int:batch_id>", methods=["GET"])
@blp.response(200, BatchDetailSchema)
@allow(*READERS)
def batch(batch_id: int) -> dict[str, Any]:
    """A batch with its sample, verdicts and their trail (`haiyan audit show --json`)."""
    return operations.batch(batch_id, seen_by=current_user.institution_id).to_json()


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


class VerdictSchema(Schema):
    batch = fields.Integer(required=True)
    source_id = fields.String(required=True)
    verdict = fields.String(required=True, metadata={"enum": ["pass", "fail"]})
    reason = fields.String(required=True, allow_none=True)
    staff = fields.String(required=True)
    changed = fields.Boolean(required=True)
    pending = fields.Integer(required=True)


@blp.route("/<int:batch_id>/verdicts", methods=["POST"])
@blp.arguments(VerdictInput)
@blp.response(200, VerdictSchema)
@allow("auditor")
def verdict(entered: dict[str, Any], batch_id: int) -> dict[str, Any]:
    """Record or change the verdict on a sampled record of an open batch (R7)."""
    result = operations.judge(
        batch_id,
        entered["source_id"],
        entered["verdict"],
        reason=entered["reason"],
        staff=entered["staff"],
        by=actor(),
    )
    return result.to_json()


class CloseSchema(Schema):
    batch = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    n = fields.Integer(required=True)
    deduction = Decimal2(required=True)
    U = Decimal2(required=True)
    N = fields.Integer(required=True)


@blp.route("/<int:batch_id>/close", methods=["POST"])
@blp.response(200, CloseSchema)
@allow("auditor")
def close(batch_id: int) -> dict[str, Any]:
    """Close a batch whose sampled records all have a verdict; fix D (`haiyan audit close`)."""
    return operations.close(batch_id, by=actor()).to_json()


class FindingsQuery(YearInstitutionQuery):
    staff = fields.String(load_default=None, validate=CODE)


class FailedVerdict(Schema):
    batch = fields.Integer(required=True)
    item = fields.String(required=True)
    source_id = fields.String(required=True)
    service_date = IsoDate(required=True)
    reason = fields.String(required=True, allow_none=True)
    decided_by = fields.String(required=True, allow_none=True)
    decided_at = IsoDateTime(required=True, allow_none=True)
    batch_state = fields.String(required=True, metadata={"enum": ["open", "closed"]})
    share = Decimal2(required=True, allow_none=True)


class StaffFindings(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    institution = fields.String(required=True)
    failed = fields.Integer(required=True)
    deducted = Decimal2(required=True)
    verdicts = fields.List(fields.Nested(FailedVerdict), required=True)


class InstitutionFindings(Schema):
    code = fields.String(required=True)
    deducted = Decimal2(required=True)
    batches = fields.List(fields.Nested(BatchStateSchema), required=True)


class FindingsSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True, allow_none=True)
    staff_member = fields.String(required=True, allow_none=True)
    staff = fields.List(fields.Nested(StaffFindings), required=True)
    institutions = fields.List(fields.Nested(InstitutionFindings), required=True)


@blp.route("/findings", methods=["GET"])
@blp.arguments(FindingsQuery, location="query")
@blp.response(200, FindingsSchema)
@allow(*READERS)
def findings_view(query: dict[str, Any]) -> dict[str, Any]:
    """Failed verdicts per responsible staff member, deductions per batch (R7, R8).

    With an institution (a centre's is always its own), `staff` must be one of its staff.
    """
    code = own_code(query["institution"])
    return operations.failures(query["year"], code, query["staff"], scoped=True).to_json()


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


class FlagsSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True, allow_none=True)
    staff_day_limit = Decimal2(required=True)
    rules = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    totals = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    institutions = fields.List(fields.Dict(), required=True)
    staff = fields.List(fields.Dict(), required=True)
    flags = fields.List(fields.Nested(Flag), required=True)
    listed = fields.Integer(required=True)
    limit = fields.Integer(required=True)


@blp.route("/flags", methods=["GET"])
@blp.arguments(FlagsQuery, location="query")
@blp.response(200, FlagsSchema)
@allow(*READERS)
def flags(query: dict[str, Any]) -> dict[str, Any]:
    """Records the automatic checks flag (never reject), counted per institution and staff."""
    code = own_code(query["institution"])
    return operations.flags(query["year"], code, query["limit"])
