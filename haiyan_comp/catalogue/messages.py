"""What the catalogue says to people, by code (Chinese in messages/zh/catalogue.po)."""

from __future__ import annotations

from haiyan_comp.messages import define

# A catalogue file that cannot be read at all.
NOT_UTF8 = define("catalogue_not_utf8", "{filename}: not UTF-8 text ({why} at byte {byte})")
FILE_EMPTY = define("catalogue_file_empty", "{filename}: the file is empty")
CSV_HEADER = define(
    "catalogue_csv_header", "line 1: the header must be {expected}{unknown}{missing}"
)
HEADER_UNKNOWN = define("catalogue_header_unknown", "; unknown: {names}")
HEADER_MISSING = define("catalogue_header_missing", "; missing: {names}")
NOT_YAML = define("catalogue_not_yaml", "{filename}: not valid YAML ({why})")
NO_ITEM_LIST = define(
    "catalogue_no_item_list", "{filename}: expected a list of items (or a mapping with 'items:')"
)

# Where a problem is: a CSV line, a YAML item, with the item's code when it has one.
LINE = define("catalogue_line", "line {number}")
ITEM = define("catalogue_item", "item {number}")
WITH_CODE = define("catalogue_with_code", "{where} ({code})")
AT = define("catalogue_problem_at", "{where}: {problem}")

# The problems of one item (R1), each about one field.
NO_ITEMS = define("catalogue_no_items", "the catalogue has no items")
NOT_A_MAPPING = define("catalogue_not_a_mapping", "must be a mapping of {keys}")
UNKNOWN_FIELD = define("catalogue_unknown_field", "unknown field")
MISSING = define("catalogue_missing", "missing")
CODE_FORM = define("catalogue_code_form", "must be 1–16 letters, digits, '_', '.' or '-'")
DUPLICATE_CODE = define("catalogue_duplicate_code", "duplicate code {code}, first used by {first}")
CATEGORY = define("catalogue_category", "must be basic_medical or public_health, got {given} (R1)")
VALUE_UNREADABLE = define("catalogue_value_unreadable", "{error} (R1)")
VALUE_TOO_SMALL = define(
    "catalogue_value_too_small", "must be at least 0.01 units, got {given} (R1)"
)
CAP_FORM = define(
    "catalogue_cap_form",
    "must be a positive whole number or empty, got {given} (at most {most}) (R1)",
)
EMPTY = define("catalogue_empty", "must not be empty (R1)")
TOO_LONG = define("catalogue_too_long", "longer than {most} characters")

# Changes the stored records forbid.
SETTLED_STEP = define("catalogue_settled_step", "its catalogue can no longer be changed")
ITEMS_IN_USE = define(
    "catalogue_items_in_use",
    "the new catalogue of {year} leaves out items that records of {year} use: {used}; "
    "keep them in the catalogue",
)
ITEM_RECORDS = define("catalogue_item_records", "{code} ({count} records)")
CAP_WITHOUT_RESIDENTS = define(
    "catalogue_cap_without_residents",
    "item {code} would get a per-resident cap, but {missing} of its records "
    "have no resident_id (R2, R3)",
)
ITEMS_AUDITED = define(
    "catalogue_items_audited",
    "the value or cap of items audited in {year} cannot change: {audited}; "
    "their batches froze the units they sampled (R5, R8)",
)
ITEM_BATCHES = define("catalogue_item_batches", "{code} ({count} batches)")

# Counting units: the catalogue's `unit` token, as people name it (unit_name()).
UNITS = {
    token: define(f"unit_{token.replace('-', '_')}", token)
    for token in (
        "visit",
        "patient-year",
        "bed-day",
        "test",
        "prescription",
        "record",
        "dose",
        "session",
        "check",
        "follow-up",
        "call",
        "referral",
        "report",
        "contract",
        "each",
        "time",
    )
}


def unit_name(token: str) -> object:
    """A counting unit as people name it: its message (by code) when known, else the token."""
    template = UNITS.get(token.strip().lower())
    return template() if template is not None else token
