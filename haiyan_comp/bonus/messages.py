"""What the assessment and the bonus say to people, by code (Chinese in messages/zh/bonus.po)."""

from haiyan_comp.messages import define

YEAR_NOT_SETTLED = define(
    "bonus_year_not_settled",
    "year {year} is not settled yet; assessments and bonuses follow settlement (R16)",
)
SCORE_OUT_OF_RANGE = define("score_out_of_range", "must be 0.00–1000.00, got {score} (R16)")
SCORE_OR_INDICATORS = define(
    "score_or_indicators",
    "give --score, or load the {year} indicators with 'haiyan assess indicators load'",
)
NO_ASSESSMENT = define(
    "no_assessment", "{institution} has no assessment for {year}; finance enters it first"
)
POOL_ABOVE_CAP = define(
    "pool_above_cap", "the bonus pool must be between 0.00 and the cap {cap} (R17)"
)
PAY_NEGATIVE = define(
    "performance_pay_negative",
    "{institution} {year}: performance pay must not be negative (R19)",
)
PAY_UNSPLITTABLE = define(
    "pay_sheet_unsplittable",
    "{institution} {year}: no staff member has verified units this year: "
    "the pool cannot be split (R19)",
)

# An institution's bonus, as the note beside its figures.
NOT_ASSESSED = define("not_assessed", "not assessed yet")
BELOW_QUALIFYING = define(
    "below_qualifying_score", "score {score} is below 950.00: no efficiency bonus (R17)"
)
POOL_UNSPLITTABLE = define(
    "pool_unsplittable",
    "no staff member has verified units this year: the pool cannot be split (R18)",
)

# `haiyan assess indicators load`: a file refused whole, and why.
INDICATORS_HEADER = define("indicators_header", "{filename}: line 1: the header must be {header}")
INDICATORS_NOT_LOADED = define(
    "indicators_not_loaded", "{filename}: nothing was loaded:\n  {problems}"
)
INDICATOR_AMOUNT = define("indicator_amount", "line {line}: {problem}")
INDICATOR_MAX_DIFFERS = define(
    "indicator_max_differs", "line {line}: max_points of {indicator} differs from its first row"
)
INDICATOR_UNKNOWN_INSTITUTION = define(
    "indicator_unknown_institution",
    "line {line}: institution_code: unknown institution {institution}",
)
INDICATOR_ABOVE_MAX = define(
    "indicator_above_max", "line {line}: points {points} above the maximum {most} of {indicator}"
)
INDICATOR_TWICE = define("indicator_twice", "line {line}: {institution} has {indicator} twice")
INDICATORS_TOTAL = define(
    "indicators_total", "the indicators' maximum points add up to {total}, not 1000.00 (R16)"
)
INDICATORS_NONE = define("indicators_none", "the file has no indicators")
PAY_SHEET_NOT_ENTERED = define(
    "pay_sheet_not_entered", "{institution} has not entered its {year} pay sheet"
)
