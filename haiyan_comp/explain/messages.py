"""What an explanation says, by code (English here; Chinese in messages/zh/explain.po).

Labels name a figure; formulas say in words how it was computed, with the numbers.
"""

from haiyan_comp.messages import define

NOT_EXPLAINABLE = define(
    "explain_not_configured",
    "year {year} is not configured, so no amount can be explained for it",
)
NO_UNITS = define("explain_no_units", "{institution} has no units in year {year}")

# Labels (one per node name).
FINAL = define("explain_final", "final amount")
FINAL_PREVIEW = define("explain_final_preview", "final amount (estimate, year not settled)")
ENTITLEMENT = define("explain_entitlement", "entitlement")
BUDGET_SHARE = define("explain_budget_share", "share of the budget")
PURCHASED = define("explain_purchased", "purchased units")
PURCHASED_BM = define("explain_purchased_bm", "purchased basic-medical units")
VERIFIED_BM = define("explain_verified_bm", "verified basic-medical units")
VERIFIED_PH = define("explain_verified_ph", "verified public-health units")
PREVIOUS_BM = define("explain_previous_bm", "previous year's purchased basic-medical units")
BASELINE_BM = define("explain_baseline_bm", "baseline basic-medical units entered for {year}")
GROWTH_CAP = define("explain_growth_cap", "growth cap")
GROWTH_LIMIT = define("explain_growth_limit", "most basic-medical units the growth cap buys")
UNIT_PRICE = define("explain_unit_price", "unit price (yuan per unit)")
BUDGET = define("explain_budget", "purchase budget")
RISK_DRAW = define("explain_risk_draw", "drawn from the risk fund")
ALL_ENTITLEMENTS = define("explain_all_entitlements", "entitlements of every institution")
ALL_PURCHASED = define("explain_all_purchased", "purchased units of every institution")
ITEM = define("explain_item", "{code} {name}: verified units")
GROSS = define("explain_gross", "gross units ({records} records)")
OVER_SPEC = define("explain_over_spec", "units beyond the per-resident cap")
DEDUCTED = define("explain_deducted", "units deducted by closed audits")
BATCH = define("explain_batch", "audit batch {batch} ({date_from} to {date_to})")

# Formulas in words, with the numbers.
F_FIXED = define(
    "explain_f_fixed",
    "every entitlement is paid in full: the entitlements ({total}) fit the budget ({budget})"
    " plus what the risk fund gave ({draw})",
)
F_SHARED = define(
    "explain_f_shared",
    "the entitlements ({total}) exceed the budget ({budget}) and the risk fund's {draw}: the"
    " {available} available is shared in proportion to the entitlements",
)
F_FLOATING = define(
    "explain_f_floating",
    "the budget {budget} is shared in proportion to the purchased units ({units} of {total})",
)
A_PRICE = define("explain_a_price", "{units} units × {price} yuan = {amount}")
P_SUM = define("explain_p_sum", "basic medical {bm} + public health {ph} = {total}")
PBM_CAPPED = define(
    "explain_pbm_capped",
    "the smaller of verified {verified} and the growth limit {limit}: {result}",
)
PBM_UNCAPPED_NO_CAP = define(
    "explain_pbm_no_cap", "no growth cap is set for the year: all {verified} verified are bought"
)
PBM_UNCAPPED_NO_PREVIOUS = define(
    "explain_pbm_no_previous",
    "no previous year's figure or baseline: all {verified} verified are bought",
)
LIMIT = define("explain_limit", "{previous} × (1 + {cap}) = {limit}, rounded to 2 places")
V_SUM = define("explain_v_sum", "sum of the items' verified units: {total}")
ITEM_V = define(
    "explain_item_v",
    "gross {gross} − beyond the cap {over_spec} − deducted {deducted} = {verified}",
)
DEDUCTED_SUM = define("explain_deducted_sum", "sum over the closed batches: {total}")
BATCH_D = define(
    "explain_batch_d",
    "{units} units in the population ({records} records) × {failed} failed ÷ {sample} sampled"
    " = {deduction}, rounded to 2 places",
)
