"""Marshmallow schemas shared by the API's endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

DECIMAL = validate.Regexp(r"^-?\d+\.\d{2}$")


def Decimal2(**kwargs: object) -> fields.String:
    """Money or units: a decimal string with 2 places, never a float."""
    return fields.String(
        validate=DECIMAL,
        metadata={"pattern": r"^-?\d+\.\d{2}$", "example": "12345.60"},
        **kwargs,  # type: ignore[arg-type]
    )


class ErrorSchema(Schema):
    error = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Raw(allow_none=True)
