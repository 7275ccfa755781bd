"""The JSON shapes of the audit: batches, a batch's sample and trail, draws, closes, findings.

Defined once: the API answers with these schemas and `haiyan audit … --json`
prints them. Each dumps the typed rows of audit/reports.py and
audit/findings.py (integer hundredths) as decimal strings with 2 places, dates
as YYYY-MM-DD and moments as ISO 8601 in UTC. The keys come in the order the
command line has always printed them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marshmallow import Schema, fields

from haiyan_comp.api.schemas import Day, Hundredths
from haiyan_comp.audit.findings import Findings
from haiyan_comp.audit.reports import Batch, BatchDetail, Closure, Drawn, iso


class Moment(fields.String):
    """A moment out as ISO 8601 in UTC, to the second."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"format": "date-time"}, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return iso(value)


def _stratum(at: str = "") -> dict[str, fields.Field[Any]]:
    """A batch's stratum and sizes, read from the Batch at `at` ("" or "batch.")."""
    return {
        "year": fields.Integer(required=True, attribute=f"{at}year"),
        "institution": fields.String(required=True, attribute=f"{at}institution"),
        "item": fields.String(required=True, attribute=f"{at}item"),
        "from": Day(required=True, attribute=f"{at}date_from"),
        "to": Day(required=True, attribute=f"{at}date_to"),
        "stratum": fields.String(
            required=True, attribute=f"{at}stratum", metadata={"enum": ["all", "flagged"]}
        ),
        "seed": fields.String(required=True, attribute=f"{at}seed"),
    }


def _batch(at: str = "") -> dict[str, fields.Field[Any]]:
    """Every field of a batch, read from the Batch at `at`."""
    return {
        "batch": fields.Integer(required=True, attribute=f"{at}id"),
        **_stratum(at),
        "N": fields.Integer(required=True, attribute=f"{at}population_count"),
        "U": Hundredths(required=True, attribute=f"{at}population_units"),
        "n": fields.Integer(required=True, attribute=f"{at}size"),
        "state": fields.String(
            required=True, attribute=f"{at}state", metadata={"enum": ["open", "closed"]}
        ),
        "pending": fields.Integer(required=True, attribute=f"{at}pending"),
        "failed": fields.Integer(required=True, allow_none=True, attribute=f"{at}failed"),
        "deduction": Hundredths(required=True, allow_none=True, attribute=f"{at}deduction"),
        "drawn_at": Moment(required=True, attribute=f"{at}drawn_at"),
        "drawn_by": fields.String(required=True, attribute=f"{at}drawn_by"),
        "closed_at": Moment(required=True, allow_none=True, attribute=f"{at}closed_at"),
        "closed_by": fields.String(required=True, allow_none=True, attribute=f"{at}closed_by"),
    }


BatchStateSchema = Schema.from_dict(_batch(), name="BatchStateSchema")

DrawSchema = Schema.from_dict(
    {
        "batch": fields.Integer(required=True, attribute="batch.id"),
        "N": fields.Integer(required=True, attribute="batch.population_count"),
        "U": Hundredths(required=True, attribute="batch.population_units"),
        "sample": fields.List(fields.String(), required=True),
        **_stratum("batch."),
        "n": fields.Integer(required=True, attribute="batch.size"),
    },
    name="DrawSchema",
)


class SampledRecord(Schema):
    rank = fields.Integer(required=True)
    source_id = fields.String(required=True)
    service_date = Day(required=True)
    resident_id = fields.String(required=True, allow_none=True)
    staff = fields.String(required=True)
    purchasable = Hundredths(required=True)
    verdict = fields.String(required=True, allow_none=True, metadata={"enum": ["pass", "fail"]})
    reason = fields.String(required=True, allow_none=True)
    responsible = fields.String(required=True, allow_none=True)
    decided_by = fields.String(required=True, allow_none=True)
    decided_at = Moment(required=True, allow_none=True)


class VerdictState(Schema):
    verdict = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    staff = fields.String(allow_none=True)


class TrailEntry(Schema):
    source_id = fields.String(required=True)
    changed_at = Moment(required=True)
    changed_by = fields.String(required=True)
    old = fields.Nested(VerdictState, required=True)
    new = fields.Nested(VerdictState, required=True)


BatchDetailSchema = Schema.from_dict(
    {
        **_batch("batch."),
        "sample": fields.List(fields.Nested(SampledRecord), required=True),
        "trail": fields.List(fields.Nested(TrailEntry), required=True),
    },
    name="BatchDetailSchema",
)


class BatchListSchema(Schema):
    year = fields.Integer(required=True)
    batches = fields.List(fields.Nested(BatchStateSchema), required=True)


class VerdictSchema(Schema):
    batch = fields.Integer(required=True, attribute="batch_id")
    source_id = fields.String(required=True)
    verdict = fields.String(required=True, attribute="outcome", metadata={"enum": ["pass", "fail"]})
    reason = fields.String(required=True, allow_none=True)
    staff = fields.String(required=True)
    changed = fields.Boolean(required=True)
    pending = fields.Integer(required=True)


class CloseSchema(Schema):
    batch = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    n = fields.Integer(required=True, attribute="size")
    deduction = Hundredths(required=True)
    U = Hundredths(required=True, attribute="population_units")
    N = fields.Integer(required=True, attribute="population_count")


class FailedVerdict(Schema):
    batch = fields.Integer(required=True)
    item = fields.String(required=True)
    source_id = fields.String(required=True)
    service_date = Day(required=True)
    reason = fields.String(required=True, allow_none=True)
    decided_by = fields.String(required=True, allow_none=True)
    decided_at = Moment(required=True, allow_none=True)
    batch_state = fields.String(required=True, metadata={"enum": ["open", "closed"]})
    share = Hundredths(required=True, allow_none=True)


class StaffFindings(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    institution = fields.String(required=True)
    verdicts = fields.List(fields.Nested(FailedVerdict), required=True)
    failed = fields.Integer(required=True)
    deducted = Hundredths(required=True)


class InstitutionFindings(Schema):
    code = fields.String(required=True)
    batches = fields.List(fields.Nested(BatchStateSchema), required=True)
    deducted = Hundredths(required=True)


class FindingsSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True, allow_none=True)
    staff_member = fields.String(required=True, allow_none=True)
    staff = fields.List(fields.Nested(StaffFindings), required=True)
    institutions = fields.List(fields.Nested(InstitutionFindings), required=True)


def batches_document(year: int, batches: Sequence[Batch]) -> dict[str, Any]:
    """`haiyan audit list --json` and GET /api/v1/audits."""
    document: dict[str, Any] = BatchListSchema().dump({"year": year, "batches": batches})
    return document


def batch_document(detail: BatchDetail) -> dict[str, Any]:
    """`haiyan audit show --json` and GET /api/v1/audits/<id>."""
    document: dict[str, Any] = BatchDetailSchema().dump(detail)
    return document


def draw_document(drawn: Drawn) -> dict[str, Any]:
    """`haiyan audit draw --json` (CONTRACT.md) and POST /api/v1/audits."""
    document: dict[str, Any] = DrawSchema().dump(drawn)
    return document


def close_document(closure: Closure) -> dict[str, Any]:
    """`haiyan audit close --json` (CONTRACT.md) and POST /api/v1/audits/<id>/close."""
    document: dict[str, Any] = CloseSchema().dump(closure)
    return document


def verdict_document(result: Any) -> dict[str, Any]:
    """`haiyan audit verdict --json` and POST /api/v1/audits/<id>/verdicts."""
    document: dict[str, Any] = VerdictSchema().dump(result)
    return document


def findings_document(findings: Findings) -> dict[str, Any]:
    """`haiyan audit findings --json` and GET /api/v1/audits/findings."""
    document: dict[str, Any] = FindingsSchema().dump(findings)
    return document
