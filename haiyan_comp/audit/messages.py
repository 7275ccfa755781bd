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

UNKNOWN_BATCH = define(
    "unknown_audit_batch", "unknown audit batch {batch}; 'haiyan audit list --year Y' lists them"
)
UNKNOWN_STAFF_MEMBER = define("unknown_staff_member", "unknown staff member {staff}")
UNKNOWN_AUDIT_ITEM = define("unknown_audit_item", "unknown item {item} in the catalogue of {year}")
BATCH_OVERLAP = define(
    "batch_overlap",
    "the dates {start} to {end} overlap audit batch {batch} of {institution} {item} {year} "
    "({other_start} to {other_end}); batches of one institution, item and year must not "
    "overlap (R5): choose dates outside it",
)
FLAGGED_BATCH_OVERLAP = define(
    "flagged_batch_overlap",
    "the dates {start} to {end} overlap flagged-only audit batch {batch} of {institution} "
    "{item} {year} ({other_start} to {other_end}); batches of one institution, item and year "
    "must not overlap (R5): choose dates outside it",
)
NO_SUCH_RECORD = define("no_such_record", "{institution} has no record with source id {source_id}")
NOT_SAMPLED = define(
    "not_sampled",
    "record {source_id} of {institution} is not in the sample of audit batch {batch}; "
    "'haiyan audit show {batch}' lists the sample",
)
STAFF_OF_OTHER_INSTITUTION = define(
    "staff_of_other_institution",
    "staff member {staff} belongs to {owner}, not {institution}; the responsible staff member "
    "must be of the audited institution (R7)",
)
BATCH_ALREADY_CLOSED = define(
    "batch_already_closed", "audit batch {batch} is already closed; a closed batch never changes"
)
BATCH_CLOSED = define(
    "batch_closed", "audit batch {batch} is closed: {what} (R7: a closed batch never changes)"
)
VERDICTS_CANNOT_CHANGE = define("verdicts_cannot_change", "its verdicts cannot change")
VERDICTS_MISSING = define(
    "verdicts_missing",
    "audit batch {batch} cannot close: {missing} of {sampled} sampled records have no verdict "
    "yet ({shown}); record them with 'haiyan audit verdict' (R7)",
)
AUDITS_NO_LONGER_DRAWN = define("audits_no_longer_drawn", "audits of {year} can no longer be drawn")
GIVE_VERDICT = define("give_verdict", "give the verdict: --pass, or --fail --reason TEXT (R7)")

# Why a stratum froze no records (audit/population.py `why_empty`).
NOTHING_TO_AUDIT = define(
    "nothing_to_audit", "no records with purchasable units in {stratum}: nothing to audit (R5)"
)
NO_RECORDS_LEFT = define(
    "no_records_left",
    "no records left in {stratum}: they are frozen in the population of audit batch {batches} "
    "(a record belongs to one population)",
)
NONE_FLAGGED = define(
    "none_flagged",
    "no {stratum}: the automatic checks flag none of its {records} records with purchasable "
    "units ('haiyan audit flags')",
)

# What a flag found (audit/flags.py `_detail`).
FLAG_REPEAT = define("flag_repeat", "{count} records of {item} for resident {resident} on {day}")
FLAG_STAFF_DAY = define(
    "flag_staff_day", "{staff} recorded {units} units on {day} (more than {limit})"
)
FLAG_AFTER_IMPORT = define(
    "flag_after_import", "dated {day}, after import #{import_id} of {imported_on}"
)
