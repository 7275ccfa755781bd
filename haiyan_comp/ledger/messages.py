"""What the ledger says to people, by code (English here; Chinese in messages/zh/ledger.po)."""

from haiyan_comp.messages import define

UNKNOWN_ENTRY_KIND = define("unknown_entry_kind", "unknown ledger entry kind {kind}")
ENTRY_MUST_BALANCE = define(
    "entry_must_balance", "a {kind} entry must balance; its postings sum to {total}"
)
APPEND_ONLY = define(
    "ledger_append_only", "ledger rows are append-only: {table} {id} cannot change"
)
ENTRY_UNBALANCED = define(
    "entry_unbalanced", "entry {id} does not balance: its postings sum to {total}"
)
FINAL_DISAGREES = define(
    "final_disagrees",
    "{institution} {year}: prepaid {prepaid} + top-up {top_up} − debt {debt} "
    "≠ final amount {final} (R15)",
)
CASH_DISAGREES = define(
    "cash_disagrees",
    "cash out {cash_out} ≠ instalments' cash {instalments} + top-ups {top_ups} "
    "+ adjustments {adjustments} − risk-fund draws {drawn}",
)
