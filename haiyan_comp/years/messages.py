"""What the years say to people, by code (English here; Chinese in messages/zh/years.po)."""

from haiyan_comp.messages import define

YEAR_SETTLED = define("year_settled", "year {year} is settled ({settled_on}): {what} (R15)")
NOTHING_TO_COPY = define(
    "year_nothing_to_copy",
    "year {source} has neither a configuration nor a catalogue to copy into {year}",
)
ALREADY_STARTED = define(
    "year_already_started",
    "year {year} already has its configuration and its catalogue; nothing was copied "
    "(change them on the configure page or with `haiyan year configure` and `haiyan catalog load`)",
)
COPY_STEP = define("year_copy_step", "its configuration and catalogue cannot be copied into it")
