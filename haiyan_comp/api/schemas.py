"""Marshmallow schemas and fields shared by the API's endpoints.

Money and units travel as decimal strings, never as JSON numbers: out with
exactly 2 places (`Decimal2`), in with at most 2 (`Amount`, read into integer
hundredths); fractions (ratios) in with at most 4 places (`Ratio`). What comes
in must match the `pattern` the OpenAPI document shows, made from the bound
(haiyan_comp.bounds) that money.py enforces on every other path too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from haiyan_comp import bounds
from haiyan_comp.bounds import DecimalBound
from haiyan_comp.money import AmountError, format_hundredths, parse_decimal

DECIMAL_PATTERN = r"^-?\d+\.\d{2}$"
DECIMAL = validate.Regexp(DECIMAL_PATTERN)
AMOUNT_PATTERN = bounds.AMOUNT.pattern()
SIGNED_AMOUNT_PATTERN = bounds.AMOUNT.pattern(signed=True)
RATIO_PATTERN = bounds.RATIO.pattern()


def text(longest: int, error: str = "") -> validate.Regexp:
    """1 to `longest` characters without control characters (PostgreSQL refuses NUL)."""
    return validate.Regexp(
        rf"^[^\x00-\x1f\x7f]{{1,{longest}}}$",
        error=error or f"1 to {longest} characters, without control characters",
    )


CODE = text(64)


def Decimal2(**kwargs: Any) -> fields.String:
    """Money or units as the API answers them: a decimal string with 2 places."""
    return fields.String(
        validate=DECIMAL,
        metadata={"pattern": DECIMAL_PATTERN, "example": "12345.60"},
        **kwargs,
    )


class BoundedDecimal(fields.String):
    """A decimal string within a bound (its pattern is in the OpenAPI document), read as an int."""

    def __init__(
        self, *, bound: DecimalBound, signed: bool = False, what: str, **kwargs: Any
    ) -> None:
        metadata = {"pattern": bound.pattern(signed=signed), "example": bound.example.split()[0]}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)
        self.bound = bound
        self.signed = signed
        self.what = what

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:  # type: ignore[override]
        if not isinstance(value, str):
            raise ValidationError(
                f'{self.what}: a decimal string like "{self.metadata["example"]}", not a number'
            )
        try:
            number = parse_decimal(value, self.bound, what=self.what, allow_negative=self.signed)
        except AmountError as exc:
            raise ValidationError(str(exc)) from None
        if not self.bound.matches(value, signed=self.signed):  # spaces, thousands separators
            raise ValidationError(
                f"{self.what}: write digits only, matching {self.bound.pattern(signed=self.signed)}"
            )
        return number


class Amount(BoundedDecimal):
    """Money or units sent to the API: "12.5" or "12.50" (a string), read as hundredths."""

    def __init__(
        self,
        *,
        signed: bool = False,
        what: str = "amount",
        bound: DecimalBound = bounds.AMOUNT,
        **kwargs: Any,
    ) -> None:
        metadata = {"example": "-50.00" if signed else "2000.00"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(bound=bound, signed=signed, what=what, metadata=metadata, **kwargs)


class Ratio(BoundedDecimal):
    """A fraction sent to the API: "0.80" is 80%; read as ten-thousandths."""

    def __init__(self, *, what: str = "ratio", **kwargs: Any) -> None:
        super().__init__(bound=bounds.RATIO, what=what, metadata={"example": "0.80"}, **kwargs)


def IsoDate(**kwargs: Any) -> fields.String:
    """A date the services already wrote as text, YYYY-MM-DD."""
    return fields.String(metadata={"format": "date", "example": "2018-04-01"}, **kwargs)


def IsoDateTime(**kwargs: Any) -> fields.String:
    """A moment the services already wrote as ISO 8601 text (UTC)."""
    return fields.String(metadata={"format": "date-time"}, **kwargs)


def Year(**kwargs: Any) -> fields.Integer:
    """A scheme year."""
    return fields.Integer(
        validate=validate.Range(min=bounds.YEAR.lowest, max=bounds.YEAR.highest),
        metadata={"example": 2018},
        **kwargs,
    )


class ErrorSchema(Schema):
    """Every error: a stable code, a message saying how to mend it, and details."""

    error = fields.String(required=True, metadata={"example": "not_found"})
    message = fields.String(required=True)
    details = fields.Raw(allow_none=True)
    reason = fields.String(
        allow_none=True,
        metadata={
            "description": "What exactly was wrong, as a stable code (the message catalogue's)",
            "example": "sample_too_small",
        },
    )
    params = fields.Dict(
        keys=fields.String(),
        metadata={"description": "The values the message names, by the names its code uses"},
    )
    reasons = fields.List(
        fields.Dict(),
        metadata={"description": "Each problem of `details` as {code, field, params}"},
    )


class YearQuery(Schema):
    year = Year(required=True)


class InstitutionQuery(Schema):
    institution = fields.String(load_default=None, validate=CODE, metadata={"example": "HY01"})


class YearInstitutionQuery(YearQuery, InstitutionQuery):
    pass


def actor() -> str:
    """Who does this, for the audit trail and the ledger: `api:<user>` or `token:<prefix>`."""
    kind = "token" if current_user.via_token else "api"
    return f"{kind}:{current_user.username}"


class Hundredths(fields.String):
    """Integer hundredths (fen, units, points) out as a decimal string: 1234 → "12.34"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            validate=DECIMAL, metadata={"pattern": DECIMAL_PATTERN, "example": "12345.60"}, **kwargs
        )

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format_hundredths(value)


class Day(fields.String):
    """A date out as YYYY-MM-DD."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"format": "date", "example": "2018-04-01"}, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value.isoformat() if isinstance(value, date) else value
