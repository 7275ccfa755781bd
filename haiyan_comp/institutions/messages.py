"""What the institutions and staff loads say, by code (Chinese in messages/zh/institutions.po)."""

from __future__ import annotations

from collections.abc import Sequence

from haiyan_comp.messages import Message, define

# A file refused whole, listing every problem found (the catalogue's loads say the same).
FILE_REFUSED = define(
    "file_refused_whole", "{filename}: {count} problem(s), nothing was loaded:\n  {problems}"
)
PROBLEM_LINES = define("problems_one_per_line", "{first}\n  {rest}")

NOT_UTF8 = define("institutions_not_utf8", "{filename}: not UTF-8 text; save it as UTF-8")
FILE_EMPTY = define(
    "institutions_file_empty", "{filename}: the file is empty; expected the header {columns}"
)
WRONG_HEADER = define(
    "institutions_wrong_header", "{filename}: line 1: the header must be {columns}, got {header}"
)
TOO_MANY_FIELDS = define(
    "institutions_too_many_fields", "{filename}: line {line}: more fields than the header has"
)
AT_LINE = define("institutions_problem_at", "line {line}: {problem}")

CODE_FORM = define(
    "institutions_code_form", "{code} must be 1–{most} letters, digits, '_', '.' or '-'"
)
NAME_EMPTY = define("institutions_name_empty", "must not be empty")
NAME_TOO_LONG = define("institutions_name_too_long", "longer than {most} characters")
CODE_REPEATED = define("institutions_code_repeated", "{code} is repeated (first on line {first})")
UNKNOWN_INSTITUTION_CODE = define("institutions_unknown_code", "unknown institution {code}")
STAFF_HAS_RECORDS = define(
    "institutions_staff_has_records",
    "staff {code} has {count} records at {institution}; "
    "give the staff member a new code at {moving_to}",
)
UNKNOWN_INSTITUTION = define("institution_not_found", "unknown institution {code}")


def problem_lines(problems: Sequence[str]) -> str:
    """Problems one per line (English) or one after another (Chinese), as one message."""
    if not problems:
        return ""
    joined: str = problems[-1]
    for problem in reversed(problems[:-1]):
        joined = PROBLEM_LINES(first=problem, rest=joined)
    return joined


def file_refused(filename: str, problems: Sequence[str]) -> Message:
    """A file none of whose rows was loaded, with every problem found."""
    return FILE_REFUSED(filename=filename, count=len(problems), problems=problem_lines(problems))
