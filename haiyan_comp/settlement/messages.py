"""What the settlement says to people, by code (English here; Chinese in
messages/zh/settlement.po)."""

from haiyan_comp.messages import define

ALREADY_SETTLED = define("already_settled", "year {year} is already settled ({settled_on}) (R13)")
SETTLE_TOO_EARLY = define(
    "settle_too_early",
    "year {year} can be settled on or after {first}, not as of {as_of} (R13)",
)
NOTHING_TO_SETTLE = define(
    "nothing_to_settle", "year {year} has no service records; there is nothing to settle"
)
AUDITS_OPEN = define(
    "audits_open", "year {year} has open audit batches ({batches}); close them first (R13)"
)
NOT_SETTLED_YET = define("not_settled_yet", "year {year} is not settled yet (R13)")
ADJUSTMENT_NEEDS_REASON = define("adjustment_needs_reason", "an adjustment needs a reason")
ADJUSTMENT_OF_ZERO = define("adjustment_of_zero", "an adjustment of 0.00 changes nothing")
ADJUSTMENTS_IN_OPEN_YEAR = define(
    "adjustments_in_open_year", "adjustments are booked in an open year"
)
CORRECTED_YEAR_NOT_SETTLED = define(
    "corrected_year_not_settled",
    "year {year} is not settled: change its records or configuration instead",
)
AS_OF_OUTSIDE = define("as_of_outside", "{as_of} is not a date of the scheme")
