"""Pure rules for service records: row validation (R2) and the per-resident cap (R3).

No Flask, no SQLAlchemy, no clock: the reference data and `today` come in as
values, so an import can list every problem of every row at once.
`rows` holds each check of a row, written once, and `check_row`, which asks
them all; `chunks` checks a chunk of rows column by column by asking the same
checks.
"""

from haiyan_comp.records.rules.chunks import ChunkValidator, ValidRows, make_chunk_validator
from haiyan_comp.records.rules.rows import (
    FIELDS,
    MAX_QUANTITY,
    MAX_TEXT,
    REQUIRED_FIELDS,
    ItemRef,
    RecordRow,
    Reference,
    Rejection,
    check_row,
    conflict_reason,
    make_validator,
    merge_reasons,
    parse_iso_date,
    parse_quantity,
    show,
    split_by_cap,
)

__all__ = [
    "FIELDS",
    "MAX_QUANTITY",
    "MAX_TEXT",
    "REQUIRED_FIELDS",
    "ChunkValidator",
    "ItemRef",
    "RecordRow",
    "Reference",
    "Rejection",
    "ValidRows",
    "check_row",
    "conflict_reason",
    "make_chunk_validator",
    "make_validator",
    "merge_reasons",
    "parse_iso_date",
    "parse_quantity",
    "show",
    "split_by_cap",
]
