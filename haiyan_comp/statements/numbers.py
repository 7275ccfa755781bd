"""Document numbers (docs/DOCUMENTS.md).

A number is derived from what the document is, never from when it was made, so the
same document printed again keeps its number and two documents never share one:
HY-JS-2018-HY03 (settlement statement), HY-YF-20181001-HY03 (prepayment notice),
HY-CH-2018-HY03-7 (audit report of batch 7), HY-JX-2018-HY03 (an institution's bonus
sheet) and HY-JX-2018-HY03-S017 (one person's slip).
"""

from __future__ import annotations

from datetime import date

SERIES = "HY"


def settlement_number(year: int, institution: str) -> str:
    """The settlement statement's number."""
    return f"{SERIES}-JS-{year}-{institution}"


def notice_number(as_of: date, institution: str) -> str:
    """The prepayment notice's number: the run's date and the institution."""
    return f"{SERIES}-YF-{as_of:%Y%m%d}-{institution}"


def audit_number(year: int, institution: str, batch: int) -> str:
    """The audit report's number: year, institution and batch."""
    return f"{SERIES}-CH-{year}-{institution}-{batch}"


def sheet_number(year: int, institution: str, staff: str | None = None) -> str:
    """The bonus sheet's number, or one person's slip's (the sheet's number and the staff code)."""
    sheet = f"{SERIES}-JX-{year}-{institution}"
    return sheet if staff is None else f"{sheet}-{staff}"
