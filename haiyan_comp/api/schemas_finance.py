"""The JSON shapes of units, instalments and settlements: defined once.

The API answers with these schemas and `haiyan units|prepay|settle --json` print
them: each dumps the typed rows of the queries and operations (integer fen and
hundredths) as decimal strings with 2 places, dates as YYYY-MM-DD.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from marshmallow import Schema, fields

from haiyan_comp.api.schemas import Day, Hundredths, IsoDateTime
from haiyan_comp.audit.reports import iso
from haiyan_comp.ledger.descriptions import MONEY_PARAMS
from haiyan_comp.money import format_hundredths


class ItemUnits(Schema):
    code = fields.String(required=True)
    name = fields.String()
    category = fields.String()
    records = fields.Integer()
    gross = Hundredths(required=True)
    over_spec = Hundredths(required=True)
    purchasable = Hundredths(required=True)
    deducted = Hundredths(required=True)
    verified = Hundredths(required=True)


class InstitutionUnits(Schema):
    code = fields.String(required=True)
    name = fields.String()
    records = fields.Integer()
    gross = Hundredths(required=True)
    over_spec = Hundredths(required=True)
    purchasable = Hundredths(required=True)
    deducted = Hundredths(required=True)
    verified_basic_medical = Hundredths(required=True)
    verified_public_health = Hundredths(required=True)
    purchased_basic_medical = Hundredths(required=True)
    purchased = Hundredths(required=True)
    items = fields.List(fields.Nested(ItemUnits), required=True)


class YearUnitsSchema(Schema):
    year = fields.Integer(required=True)
    institutions = fields.List(fields.Nested(InstitutionUnits), required=True)


class PaidInstalmentSchema(Schema):
    institution = fields.String(required=True)
    year = fields.Integer(required=True)
    number = fields.Integer(required=True)
    due = Day(required=True)
    gross = Hundredths(required=True)
    offset = Hundredths(required=True, allow_none=True)
    cash = Hundredths(required=True, allow_none=True)


class InstalmentSchema(PaidInstalmentSchema):
    paid = fields.Boolean()


class ScheduleSchema(Schema):
    year = fields.Integer(required=True)
    instalments = fields.List(fields.Nested(InstalmentSchema), required=True)


class RunSchema(Schema):
    as_of = Day(required=True)
    instalments = fields.List(fields.Nested(PaidInstalmentSchema), required=True)


class InstitutionSettlementSchema(Schema):
    code = fields.String(required=True)
    verified_basic_medical = Hundredths(required=True)
    verified_public_health = Hundredths(required=True)
    purchased_basic_medical = Hundredths(required=True)
    purchased = Hundredths(required=True)
    entitlement = Hundredths(required=True)
    final = Hundredths(required=True)
    prepaid = Hundredths(required=True)
    balance = Hundredths(required=True)


class SettlementSchema(Schema):
    year = fields.Integer(required=True)
    as_of = Day(required=True)
    dry_run = fields.Boolean(required=True)
    unit_price = fields.String(
        required=True, metadata={"pattern": r"^\d+\.\d{2,4}$", "example": "10.00"}
    )
    budget = Hundredths(required=True)
    risk_fund_draw = Hundredths(required=True)
    institutions = fields.List(fields.Nested(InstitutionSettlementSchema), required=True)
    settled_at = IsoDateTime(allow_none=True)
    settled_by = fields.String(allow_none=True)


class LedgerEntrySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    year = fields.Integer(required=True)
    institution = fields.String(required=True, allow_none=True)
    amount = Hundredths(required=True)
    reason = fields.String(required=True)
    by = fields.String(required=True, attribute="created_by")
    at = fields.Method("_at", required=True, metadata={"format": "date-time"})
    postings = fields.Dict(keys=fields.String(), values=Hundredths(), required=True)
    code = fields.String(required=True, metadata={"description": "the description's message code"})
    params = fields.Method(
        "_params",
        required=True,
        metadata={
            "type": "object",
            "description": "the description's parameters; amounts as decimal strings",
        },
    )
    hash = fields.String(
        required=True, metadata={"description": "the entry's SHA-256 in the ledger's chain"}
    )

    def _at(self, line: Any) -> str | None:
        """When: ISO 8601 in UTC to the second (the API)."""
        return iso(line.created_at)

    def _params(self, line: Any) -> dict[str, Any]:
        """The description's parameters as stored, amounts (held in fen) as money is
        printed everywhere: decimal strings with 2 places."""
        return {
            name: format_hundredths(value)
            if name in MONEY_PARAMS and isinstance(value, int)
            else value
            for name, value in line.params.items()
        }


class CliLedgerEntrySchema(LedgerEntrySchema):
    """The same entry as `haiyan ledger --json` has always printed its time (as stored)."""

    def _at(self, line: Any) -> str | None:
        return str(line.created_at.isoformat())


class LedgerSchema(Schema):
    entries = fields.List(fields.Nested(LedgerEntrySchema), required=True)
    next_after = fields.Integer(
        allow_none=True,
        metadata={"description": "Pass as `after` for the next page; null on the last page."},
    )


def ledger_document(lines: Sequence[Any]) -> dict[str, Any]:
    """`haiyan ledger --json` (GET /api/v1/ledger dumps the same rows with LedgerSchema)."""
    return {"entries": CliLedgerEntrySchema(many=True).dump(lines)}


def units_document(units: Any) -> dict[str, Any]:
    """`haiyan units --json` and GET /api/v1/units."""
    document: dict[str, Any] = YearUnitsSchema().dump(units)
    return document


def schedule_document(year: int, items: Sequence[Any]) -> dict[str, Any]:
    """`haiyan prepay schedule --json` and GET /api/v1/years/<year>/prepayments."""
    document: dict[str, Any] = ScheduleSchema().dump({"year": year, "instalments": items})
    return document


def run_document(as_of: date, paid: Sequence[Any]) -> dict[str, Any]:
    """`haiyan prepay run --json` and POST /api/v1/prepayments/run."""
    document: dict[str, Any] = RunSchema().dump({"as_of": as_of, "instalments": paid})
    return document


def settlement_document(result: Any) -> dict[str, Any]:
    """`haiyan settle --json` and the API's settlement and its preview."""
    document: dict[str, Any] = SettlementSchema().dump(result)
    return document
