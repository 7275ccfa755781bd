"""/api/v1/years and /api/v1/prepayments: a year's budget and price (R10), baselines (R9),
prepayment plans and the staged prepayment (R11, R12)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from haiyan_comp import bounds
from haiyan_comp.api.blueprint import Blueprint
from haiyan_comp.api.schemas import (
    Amount,
    BoundedDecimal,
    Decimal2,
    IsoDateTime,
    Ratio,
    actor,
)
from haiyan_comp.api.schemas_finance import (
    RunSchema,
    ScheduleSchema,
)
from haiyan_comp.audit.reports import iso
from haiyan_comp.errors import InvalidInput
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.operations import budget as operations
from haiyan_comp.operations.budget import ConfigInput, YearConfigView
from haiyan_comp.operations.years import copy_previous_year
from haiyan_comp.settlement.messages import AS_OF_OUTSIDE
from haiyan_comp.web.access import allow, own_code

blp = Blueprint("api_years", __name__, url_prefix="/years", description="Years, prepayments")
runs = Blueprint("api_prepayments", __name__, url_prefix="/prepayments", description="Prepayment")

RATIO_OUT = r"^\d+\.\d{4}$"


def ratio_text(value: int | None) -> str | None:
    """Ten-thousandths as a fraction with 4 places: 8000 → "0.8000"."""
    if value is None:
        return None
    return f"{value // 10_000}.{value % 10_000:04d}"


class PriceField(BoundedDecimal):
    """`"floating"`, or a fixed price in yuan (bounds.PRICE)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            bound=bounds.PRICE,
            what="unit price",
            metadata={
                "pattern": f"^floating$|{bounds.PRICE.pattern()}",
                "example": "10.00",
                "description": 'A fixed unit price in yuan, or "floating" (budget ÷ units).',
            },
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | None:  # type: ignore[override]
        if value == "floating":
            return None
        return super()._deserialize(value, attr, data, **kwargs)


class YearConfigInput(Schema):
    budget = Amount(required=True, what="budget")
    unit_price = PriceField(required=True)
    growth_cap = Ratio(load_default=None, allow_none=True, what="growth cap")
    risk_fund = Amount(load_default=0, what="risk fund")
    prepay_ratio = Ratio(required=True, what="prepay ratio")
    instalments = fields.Integer(required=True, metadata={"enum": [1, 2, 3, 4, 6, 12]})
    basic_share = Ratio(load_default=4000, what="basic share")


class YearConfigSchema(Schema):
    year = fields.Integer(required=True)
    budget = Decimal2(required=True)
    unit_price = fields.String(
        required=True, metadata={"pattern": r"^floating$|^\d+\.\d{2}$", "example": "10.00"}
    )
    growth_cap = fields.String(required=True, allow_none=True, metadata={"pattern": RATIO_OUT})
    risk_fund = Decimal2(required=True)
    prepay_ratio = fields.String(required=True, metadata={"pattern": RATIO_OUT})
    instalments = fields.Integer(required=True)
    basic_share = fields.String(required=True, metadata={"pattern": RATIO_OUT})
    settled = fields.Boolean(required=True)
    updated_by = fields.String(required=True)
    updated_at = IsoDateTime(required=True)


def config_json(config: YearConfigView) -> dict[str, Any]:
    """A year's configuration: `haiyan year configure --json`, plus its state."""
    return {
        "year": config.year,
        "budget": fmt(config.budget),
        "unit_price": "floating" if config.unit_price is None else fmt(config.unit_price),
        "growth_cap": ratio_text(config.growth_cap),
        "risk_fund": fmt(config.risk_fund),
        "prepay_ratio": ratio_text(config.prepay_ratio),
        "instalments": config.instalments,
        "basic_share": ratio_text(config.basic_share),
        "settled": config.settled,
        "updated_by": config.updated_by,
        "updated_at": iso(config.updated_at),
    }


@blp.route("/<year:year>", methods=["GET"])
@blp.response(200, YearConfigSchema)
@allow("finance", "centre")
def get_year(year: int) -> dict[str, Any]:
    """A year's configuration: budget, price, growth cap, risk fund, prepayment (R10)."""
    return config_json(operations.year_config(year))


@blp.route("/<year:year>", methods=["PUT"])
@blp.arguments(YearConfigInput)
@blp.response(200, YearConfigSchema)
@allow("finance")
def put_year(entered: dict[str, Any], year: int) -> dict[str, Any]:
    """Configure a year, as `haiyan year configure` (R10); 409 once settled or scheduled."""
    return config_json(operations.configure_year(year, ConfigInput(**entered), actor()))


class CopyInput(Schema):
    source = fields.Integer(
        load_default=None, allow_none=True, data_key="from", metadata={"example": 2018}
    )


class CopySchema(Schema):
    year = fields.Integer(required=True)
    source = fields.Integer(required=True, data_key="from")
    configuration = fields.Boolean(required=True)
    items = fields.Integer(required=True)


@blp.route("/<year:year>/copy", methods=["POST"])
@blp.arguments(CopyInput)
@blp.response(200, CopySchema)
@allow("finance")
def copy_year(entered: dict[str, Any], year: int) -> Any:
    """Start a year from the previous one's configuration and catalogue (`haiyan year copy`).

    Copies what the year has not got yet, never over it; 409 when it has both or is settled.
    """
    return copy_previous_year(year, actor(), entered["source"])


class BaselineInput(Schema):
    basic_medical_units = Amount(required=True, what="basic-medical units", bound=bounds.UNITS)


class BaselineSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True)
    basic_medical_units = Decimal2(required=True)


@blp.route("/<year:year>/baselines/<institution>", methods=["PUT"])
@blp.arguments(BaselineInput)
@blp.response(200, BaselineSchema)
@allow("finance")
def put_baseline(entered: dict[str, Any], year: int, institution: str) -> dict[str, Any]:
    """Set an institution's previous-year purchased basic-medical units (R9 baseline)."""
    units = entered["basic_medical_units"]
    operations.set_baselines(year, {institution: units}, actor())
    return {"year": year, "institution": institution, "basic_medical_units": fmt(units)}


class PlanInput(Schema):
    weight = Amount(load_default=None, allow_none=True, what="weight", bound=bounds.UNITS)
    total = Amount(load_default=None, allow_none=True, what="total")


class PlanSchema(Schema):
    year = fields.Integer(required=True)
    institution = fields.String(required=True)
    weight = Decimal2(required=True, allow_none=True)
    total = Decimal2(required=True, allow_none=True)


@blp.route("/<year:year>/prepayment-plans/<institution>", methods=["PUT"])
@blp.arguments(PlanInput)
@blp.response(200, PlanSchema)
@allow("finance")
def put_plan(entered: dict[str, Any], year: int, institution: str) -> dict[str, Any]:
    """Set an institution's prepayment weight or outright total (R11), as `haiyan prepay plan`."""
    operations.set_prepayment_plan(
        year, institution, weight=entered["weight"], total=entered["total"], by=actor()
    )
    return {
        "year": year,
        "institution": institution,
        **{k: None if entered[k] is None else fmt(entered[k]) for k in ("weight", "total")},
    }


@blp.route("/<year:year>/prepayments", methods=["GET"])
@blp.response(200, ScheduleSchema)
@allow("finance", "centre")
def get_schedule(year: int) -> dict[str, Any]:
    """Every instalment of a year, paid or due (`haiyan prepay schedule --json`)."""
    code = own_code(None)
    items = operations.prepayment_schedule(year)
    return {
        "year": year,
        "instalments": [i for i in items if code is None or i.institution == code],
    }


class RunInput(Schema):
    as_of = fields.Date(required=True, metadata={"example": "2018-04-01"})


@runs.route("/run", methods=["POST"])
@runs.arguments(RunInput)
@runs.response(200, RunSchema)
@allow("finance")
def run_prepayments(entered: dict[str, Any]) -> dict[str, Any]:
    """Pay every instalment due on or before `as_of` and not yet paid (`haiyan prepay run`)."""
    as_of = entered["as_of"]
    if as_of.year not in bounds.YEAR:
        raise InvalidInput(AS_OF_OUTSIDE.on("as_of", as_of=as_of))
    return {"as_of": as_of, "instalments": operations.pay_instalments(as_of, actor())}
