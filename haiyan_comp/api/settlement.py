"""/api/v1/years/<year>/settlement and /api/v1/ledger: settle a year once (R13, R14), the ledger."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from haiyan_comp import bounds
from haiyan_comp.api import workbooks
from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.api.schemas import InstitutionQuery, Year, actor
from haiyan_comp.api.schemas_finance import LedgerSchema, SettlementSchema
from haiyan_comp.audit.reports import iso
from haiyan_comp.errors import InvalidInput, NotFound
from haiyan_comp.operations.ledger import ledger_lines, ledger_page
from haiyan_comp.operations.settlement import (
    SettlementResult,
    preview_settlement,
    settle_year,
    settled_year,
)
from haiyan_comp.settlement.messages import AS_OF_OUTSIDE, NOT_SETTLED_YET
from haiyan_comp.web.access import allow, own_code
from haiyan_comp.workbooks import money

blp = Blueprint("api_settlement", __name__, url_prefix="/years", description="Settlement")
ledger = Blueprint("api_ledger", __name__, url_prefix="/ledger", description="The ledger")


class AsOfQuery(Schema):
    as_of = fields.Date(required=True, metadata={"example": "2019-01-15"})


def _as_of(value: date) -> date:
    if value.year > 9999 or value.year < 1900:
        raise InvalidInput(AS_OF_OUTSIDE.on("as_of", as_of=value))
    return value


@blp.route("/<year:year>/settlement/preview", methods=["GET"])
@blp.arguments(AsOfQuery, location="query")
@blp.response(200, SettlementSchema)
@allow("finance")
def preview(query: dict[str, Any], year: int) -> SettlementResult:
    """The settlement's figures without settling (`haiyan settle --dry-run --json`)."""
    return preview_settlement(year, _as_of(query["as_of"]))


@blp.route("/<year:year>/settlement", methods=["POST"])
@blp.arguments(AsOfQuery)
@blp.response(200, SettlementSchema)
@allow("finance")
def settle(entered: dict[str, Any], year: int) -> SettlementResult:
    """Settle a year, once (`haiyan settle --json`); 409 when it is settled already."""
    return settle_year(year, _as_of(entered["as_of"]), actor())


@blp.route("/<year:year>/settlement", methods=["GET"])
@blp.response(200, SettlementSchema)
@allow("finance", "centre")
def settled(year: int) -> dict[str, Any]:
    """What the settlement of a settled year fixed; a centre sees its own institution."""
    head = settled_year(year, own_code(None))
    if head is None:
        raise NotFound(NOT_SETTLED_YET(year=year))
    return {**vars(head), "dry_run": False, "settled_at": iso(head.settled_at)}


WORKBOOK_ENTRIES = 1_000_000  # the ledger's workbook: every entry selected


LEDGER_LIMIT, LEDGER_MAX_LIMIT = 1000, 10_000  # entries a page: several years of a county


class LedgerQuery(InstitutionQuery):
    year = Year(load_default=None)
    after = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=bounds.ID.highest),  # an entry id (int4)
        metadata={"description": "Entries after this id (the previous page's `next_after`)."},
    )
    limit = fields.Integer(
        load_default=LEDGER_LIMIT, validate=validate.Range(min=1, max=LEDGER_MAX_LIMIT)
    )


@ledger.route("", methods=["GET"])
@ledger.arguments(LedgerQuery, location="query")
@ledger.response(200, LedgerSchema)
@allow("finance")
def ledger_view(query: dict[str, Any]) -> dict[str, Any]:
    """Every money movement, append-only, in order (`haiyan ledger --json`), `limit`
    entries a page (1000 unless asked): `next_after` is the next page's `after`, null on
    the last page.

    With `format=xlsx`: the journal as the ledger page reads it (newest first, one line
    per posting, descriptions and accounts in Chinese)."""
    if workbooks.wanted():
        journal, _ = ledger_page(query["year"], query["institution"], None, 1, WORKBOOK_ENTRIES)
        return workbooks.send(money.ledger(journal.entries, query["year"]))  # type: ignore[return-value]
    limit = query["limit"]
    lines = ledger_lines(query["year"], query["institution"], query["after"], limit + 1)
    more = len(lines) > limit
    return {"entries": lines[:limit], "next_after": lines[limit - 1].id if more else None}
