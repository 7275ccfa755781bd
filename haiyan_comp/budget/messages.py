"""What the budget says to people, by code (English here; Chinese in messages/zh/budget.po)."""

from haiyan_comp.messages import define

YEAR_NOT_CONFIGURED = define(
    "year_not_configured",
    "year {year} is not configured: run 'haiyan year configure {year} --budget B "
    "--unit-price P --prepay-ratio RHO --instalments N' (R10)",
)
SCHEDULE_FIXED = define(
    "schedule_fixed",
    "year {year} has paid instalments, so {fields} can no longer change "
    "(they fix the prepayment schedule); price, growth cap and risk fund still can",
)
PREPAYMENT_TOTALS_FIXED = define(
    "prepayment_totals_fixed",
    "year {year} has paid instalments; its prepayment totals are fixed (R11)",
)
PREVIOUS_YEAR_SETTLED = define(
    "previous_year_settled",
    "year {year} is settled in the system; its purchased units are the baseline (R9)",
)
MUST_NOT_BE_NEGATIVE = define("budget_must_not_be_negative", "must not be negative")
MUST_BE_ABOVE_ZERO = define("budget_must_be_above_zero", "must be above 0")
RATIO_ABOVE_ZERO_AT_MOST_ONE = define("budget_ratio_range", "must be above 0 and at most 1 (R10)")
INSTALMENTS_ONE_OF = define(
    "instalments_one_of", "must be one of 1, 2, 3, 4, 6, 12, got {given} (R10)"
)
SHARE_BETWEEN_ZERO_AND_ONE = define("budget_share_range", "must be between 0 and 1")
FIXED_OR_FLOATING = define(
    "fixed_or_floating", "give exactly one of --unit-price P or --floating-price"
)
WEIGHT_OR_TOTAL = define("weight_or_total", "give either a weight or a total")
WEIGHTS_NOT_NEGATIVE = define("weights_not_negative", "weights and totals must not be negative")
# Several problems of one form, in the order found: "first; rest".
AND_ALSO = define("and_also", "{first}; {rest}")

# What a settled year's refusal names as the step that can no longer happen.
CONFIGURATION_FIXED = define("configuration_fixed", "its configuration can no longer change")
BASELINES_FIXED = define("baselines_fixed", "its baselines can no longer change")
PLAN_FIXED = define("plan_fixed", "its prepayment plan can no longer change")

# The fields a paid instalment fixes, as SCHEDULE_FIXED names them.
FROZEN_FIELDS = {
    "budget": define("schedule_field_budget", "budget"),
    "prepay_ratio": define("schedule_field_prepay_ratio", "prepay_ratio"),
    "instalments": define("schedule_field_instalments", "instalments"),
}
