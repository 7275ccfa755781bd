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

# What `haiyan ledger verify` finds (besides the above).
HASH_MISSING = define("ledger_hash_missing", "entry {id} has no hash: it was not booked by haiyan")
CHAIN_BROKEN = define(
    "ledger_chain_broken",
    "entry {id} was changed after it was booked: its hash does not match its content "
    "and the previous entry's hash",
)
AMOUNT_DISAGREES = define(
    "ledger_amount_disagrees",
    "entry {id}: its amount {amount} disagrees with its postings ({posted})",
)
UNKNOWN_ACCOUNT = define(
    "ledger_unknown_account", "entry {id} posts to an unknown account {account}"
)
PURCHASE_DISAGREES = define(
    "ledger_purchase_disagrees",
    "purchase:{year} holds {balance} ≠ the year's final amounts {final}",
)
PREPAID_NOT_CLEARED = define(
    "ledger_prepaid_not_cleared",
    "prepaid:{institution}:{year} still holds {balance} after the year was settled",
)
DEBT_NEGATIVE = define(
    "ledger_debt_negative", "debt:{institution} is negative ({balance}): more was cleared than owed"
)
SEAL_DISAGREES = define(
    "ledger_seal_disagrees",
    "the seal of {year} ({seal}) is not the chain's hash at entry {id}",
)
SEAL_MISSING = define("ledger_seal_missing", "{year} is settled but has no seal")
NOT_SEALED = define("ledger_not_sealed", "{year} has no seal: it is not settled")
TOO_MANY = define("ledger_too_many_problems", "… and {count} more")

# The descriptions of entries (their code and parameters are stored with each entry; the
# English is what every entry has always said, so the command line reads the same).
INSTALMENT = define("ledger_instalment", "instalment {number} of {year}, due {due}")
INSTALMENT_OFFSET = define(
    "ledger_instalment_offset", "instalment {number} of {year}, due {due}; {offset} offsets debt"
)
RISK_FUND_DRAW = define(
    "ledger_risk_fund_draw", "settlement of {year}: shortfall from the risk fund"
)
SETTLEMENT = define(
    "ledger_settlement",
    "settlement of {year}: prepayments count towards the final {final}",
)
TOP_UP = define("ledger_top_up", "settlement of {year}: top-up of the balance")
DEBT = define(
    "ledger_debt",
    "settlement of {year}: prepaid more than the final amount; cleared from later "
    "instalments (R14)",
)
ADJUSTMENT = define("ledger_adjustment", "corrects {corrects}: {reason}")
NOTE = define("ledger_note", "{text}")

# Accounts and who booked an entry, as people read them.
ACCOUNT_CASH = define("ledger_account_cash", "payment account")
ACCOUNT_RISK_FUND = define("ledger_account_risk_fund", "risk fund")
ACCOUNT_PREPAID = define("ledger_account_prepaid", "prepayments · {institution} · {year}")
ACCOUNT_DEBT = define("ledger_account_debt", "debt · {institution}")
ACCOUNT_PURCHASE = define("ledger_account_purchase", "purchased services · {year}")
ACCOUNT_ADJUSTMENT = define("ledger_account_adjustment", "prior-year adjustments · {year}")
BY_CLI = define("ledger_by_cli", "command line ({name})")
BY_API = define("ledger_by_api", "{name} (API)")
BY_TOKEN = define("ledger_by_token", "API token ({name})")
BY_SCHEDULER = define("ledger_by_scheduler", "scheduler")
BY_DEMO = define("ledger_by_demo", "demo data")
