"""The JSON shapes of the assessment, the bonus and the pay sheet: defined once.

The API answers with these schemas and `haiyan bonus --json` / `haiyan
paysheet --json` print them: each dumps the typed rows of bonus/queries.py
(integer fen and hundredths) as decimal strings with 2 places.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from haiyan_comp import bounds
from haiyan_comp.api.schemas import Amount, Hundredths


class AssessmentInput(Schema):
    score = Amount(
        load_default=None,
        allow_none=True,
        what="score",
        bound=bounds.SCORE,
        metadata={"description": "0.00–1000.00; null: the sum of the loaded indicators."},
    )
    surplus = Amount(required=True, signed=True, what="surplus")


class AssessmentSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True)
    score = Hundredths(required=True)
    surplus = Hundredths(required=True)


class StaffShare(Schema):
    code = fields.String(required=True)
    weight = Hundredths(required=True)
    amount = Hundredths(required=True)


class InstitutionBonusSchema(Schema):
    code = fields.String(required=True)
    score = Hundredths(required=True, allow_none=True)
    surplus = Hundredths(required=True, allow_none=True)
    qualifies = fields.Boolean(required=True)
    cap = Hundredths(required=True)
    pool = Hundredths(required=True)
    note = fields.String(required=True, allow_none=True)
    staff = fields.List(fields.Nested(StaffShare), required=True)


class BonusSchema(Schema):
    year = fields.Integer(required=True)
    institutions = fields.List(fields.Nested(InstitutionBonusSchema), required=True)


class PoolInput(Schema):
    amount = Amount(required=True, what="amount")


class PoolSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True)
    pool = Hundredths(required=True)


class PaySheetInput(Schema):
    performance_pay = Amount(required=True, what="performance pay")


class PaySheetLine(Schema):
    code = fields.String(required=True)
    incentive = Hundredths(required=True)
    efficiency_bonus = Hundredths(required=True)


class PaySheetSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True)
    performance_pay = Hundredths(required=True)
    basic = Hundredths(required=True)
    incentive = Hundredths(required=True)
    efficiency_bonus = Hundredths(required=True)
    staff = fields.List(fields.Nested(PaySheetLine), required=True)


def bonus_document(year: int, bonuses: list[Any]) -> dict[str, Any]:
    """`haiyan bonus --json` and GET …/bonus: the year and every institution's bonus."""
    document: dict[str, Any] = BonusSchema().dump({"year": year, "institutions": bonuses})
    return document


def pay_sheet_document(sheet: Any) -> dict[str, Any]:
    """`haiyan paysheet --json` and the pay sheet endpoints."""
    document: dict[str, Any] = PaySheetSchema().dump(sheet)
    return document
