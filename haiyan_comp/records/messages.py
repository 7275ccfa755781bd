"""What the records domain says, by code (English here; Chinese in messages/zh/records.po).

A reason a row was not imported is about one field (`TEMPLATE.on(field, …)`),
except those about a line that could not be read as a row at all. A value
from the file is quoted with `rules.show` before it becomes a parameter.
"""

from __future__ import annotations

from haiyan_comp.messages import define

# A row's fields, checked by records/rules.py.
FIELD_REQUIRED = define("field_required", "required")
SOURCE_ID_REQUIRED = define("source_id_required", "required (R2)")
TEXT_TOO_LONG = define("text_too_long", "longer than {most} characters")
TEXT_HAS_NUL = define("text_has_nul", "contains a NUL character")
INSTITUTION_NOT_OWN = define(
    "institution_not_own", "{value} is not {own}; this account imports records of {own} only"
)
ROW_UNKNOWN_INSTITUTION = define("row_unknown_institution", "unknown institution {value}")
ROW_UNKNOWN_STAFF_AT = define("row_unknown_staff_at", "unknown staff {staff} at {institution}")
ROW_UNKNOWN_STAFF = define("row_unknown_staff", "unknown staff {staff}")
DATE_REQUIRED = define("date_required", "required (YYYY-MM-DD)")
DATE_NOT_CALENDAR = define("date_not_calendar", "{value} is not a calendar date written YYYY-MM-DD")
DATE_IN_FUTURE = define("date_in_future", "{value} is in the future (today is {today})")
ROW_YEAR_SETTLED = define(
    "row_year_settled",
    "year {year} is settled ({settled_on}); its records can no longer be added (R15)",
)
ROW_NO_CATALOGUE = define(
    "row_no_catalogue",
    "there is no catalogue for {year}; load one with 'haiyan catalog load PATH --year {year}' (R1)",
)
ROW_UNKNOWN_ITEM = define("row_unknown_item", "unknown item {item} in the {year} catalogue")
QUANTITY_NOT_WHOLE = define(
    "quantity_not_whole", "must be a whole number from 1 to {most}, got {value} (R2)"
)
RESIDENT_REQUIRED = define(
    "resident_required", "required for item {item}, which has a per-resident cap (R2, R3)"
)

# A stored record with the same source id and other content (records/services.py).
SOURCE_IN_THIS_FILE = define(
    "source_in_this_file",
    "{source_id} of {institution} was already stored on line {first_line} of this file "
    "with different content ({differing}); a stored record is never changed by importing "
    "it again",
)
SOURCE_STORED_BEFORE = define(
    "source_stored_before",
    "{source_id} of {institution} was already stored by import #{import_id} "
    "(line {first_line}) with different content ({differing}); a stored record is never "
    "changed by importing it again",
)
DIFFERS = {
    column: define(f"differs_{column}", f"{column} differs")
    for column in ("staff_id", "item_id", "service_date", "resident_id", "quantity")
}

# A line the reader could not take as a row (records/lines.py).
ROW_WIDTH = define("row_width", "the row has {fields} fields, the header has {width}")
LINE_NOT_UTF8 = define("line_not_utf8", "the line is not valid UTF-8 text; save the file as UTF-8")
LINE_TOO_LONG = define(
    "line_too_long",
    "longer than {most:,} bytes without a line break; a record takes a few hundred "
    "(is this a record file?)",
)
LINE_TOO_DEEP = define(
    "line_too_deep",
    "the line nests arrays or objects more than {most} levels deep; a record is one flat object",
)
LINE_NOT_JSON = define("line_not_json", "the line is not valid JSON ({error})")
LINE_NOT_OBJECT = define(
    "line_not_object", "the line must be a JSON object with the record's fields"
)
UNKNOWN_FIELD = define("unknown_field", "unknown field")
FIELD_NOT_TEXT = define("field_not_text", "must be text, got {value}")

# A file refused whole (records/readers.py, records/lines.py).
HEADER_WRONG = define(
    "header_wrong",
    "line 1: the header has {problems}. Expected the columns {columns} "
    "(resident_id and quantity may be left out)",
)
HEADER_UNKNOWN = define("header_unknown", "unknown column(s) {names}")
HEADER_MISSING = define("header_missing", "missing column(s) {names}")
HEADER_REPEATED = define("header_repeated", "repeated column(s) {names}")
HEADER_AND = define("header_and", "{first}; {rest}")
HEADER_NOT_CSV = define("header_not_csv", "line 1: cannot read the header as CSV ({error})")
FILE_NOT_UTF8 = define(
    "file_not_utf8", "line 1: the file is not UTF-8 text; save it as UTF-8 (a BOM is fine)"
)
FILE_NOT_CSV = define("file_not_csv", "line {line}: the file is not valid CSV ({error})")
FILE_LINE_TOO_LONG = define("file_line_too_long", "line {line}: {problem}")
EMPTY_CSV = define("empty_csv", "the file is empty: expected a header line {header}")
EMPTY_JSONL = define("empty_jsonl", "the file is empty: expected one JSON object per line")

# The import as a whole (records/services.py), and its upload.
STRICT_REFUSED = define(
    "strict_refused",
    "{rejected} of {rows} rows were rejected; with --strict nothing was imported",
)
UPLOAD_WITHOUT_FILE = define(
    "upload_without_file", "send the records file in the multipart field 'file'"
)
NO_IMPORT_REPORT = define("no_import_report", "no such import report")
