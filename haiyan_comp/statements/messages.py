"""What the documents say to people, by code (Chinese in messages/zh/statements.po)."""

from haiyan_comp.messages import define

NO_SETTLEMENT = define(
    "statement_no_settlement",
    "year {year} has no settlement for {institution}; settle it first (R13)",
)
NOTHING_SETTLED = define(
    "statement_year_not_settled",
    "year {year} is not settled; there is no statement to print (R13)",
)
NOTICE_NOTHING_PAID = define(
    "notice_nothing_paid",
    "the prepayment run of {as_of} paid {institution} nothing; there is no notice",
)
NO_PREPAYMENT_RUN = define(
    "notice_no_run", "no prepayment run paid anything as of {as_of}; there is no notice"
)
NO_RUN_ON = define("notice_bad_date", "no prepayment run on {as_of}; dates are YYYY-MM-DD")
AUDIT_OPEN = define(
    "audit_report_open", "audit batch {batch} is open: its report waits for `audit close` (R7)"
)
NO_AUDIT_BATCH = define("audit_report_no_batch", "{institution} has no audit batch {batch}")
NO_SLIP = define(
    "slip_no_pay_sheet", "{institution} has not entered its {year} pay sheet; there is no slip"
)
NOT_YOUR_SLIP = define("slip_not_yours", "no slip of {staff} for you")
NOT_ON_SHEET = define(
    "slip_not_on_sheet", "{institution} has no staff member {staff} on its {year} pay sheet"
)
STAFF_UNKNOWN = define("staff_record_unknown", "your staff record is unknown")
ZIP_UNKNOWN = define("zip_unknown", "no such file")
ZIP_GONE = define("zip_gone", "no such file (it may have been cleaned up); make it again")
