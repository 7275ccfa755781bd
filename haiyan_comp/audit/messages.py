"""What the audit says to people, by code (English here; Chinese in messages/zh/audit.po)."""

from haiyan_comp.messages import define

SEED_EMPTY = define("seed_empty", "the seed must not be empty (R6); choose one and publish it")
SEED_TOO_LONG = define("seed_too_long", "the seed has {length} characters; at most {most} (R6)")
SEED_UNTYPABLE = define(
    "seed_untypable",
    "the seed {seed} has surrounding spaces or control characters; anyone "
    "recomputing the sample must be able to type it exactly (R6)",
)
ACTOR_LENGTH = define(
    "actor_length", "--by must name who acts in 1 to {most} characters, got {given}"
)
RANGE_OUTSIDE_YEAR = define(
    "range_outside_year",
    "the date range {start} to {end} is not inside the year {year} ({first} to {last}) (R5)",
)
RANGE_REVERSED = define(
    "range_reversed", "the date range is reversed: from {start} is after to {end} (R5)"
)
SAMPLE_TOO_SMALL = define("sample_too_small", "the sample size must be at least 1, got {size} (R6)")
SAMPLE_TOO_LARGE = define(
    "sample_too_large",
    "the sample size {size} is more than the {most:,} records an audit can judge",
)
SAMPLE_OVER_POPULATION = define(
    "sample_over_population",
    "the sample size {size} is larger than the population of {stratum}: "
    "N = {population} records with purchasable units (R6: n ≤ N)",
)
VERDICT_UNKNOWN = define("verdict_unknown", "a verdict is 'pass' or 'fail', got {given} (R7)")
FAIL_NEEDS_REASON = define(
    "fail_needs_reason", "a failed verdict needs a reason: --fail --reason TEXT (R7)"
)
REASON_TOO_LONG = define("reason_too_long", "the reason has {length} characters; at most {most}")

STRATUM = define("stratum", "{institution} {item} from {start} to {end}")
FLAGGED_STRATUM = define(
    "flagged_stratum", "flagged records of {institution} {item} from {start} to {end}"
)
THE_STRATUM = define("the_stratum", "the stratum")
