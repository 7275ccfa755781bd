"""What the years say to people, by code (English here; Chinese in messages/zh/years.po)."""

from haiyan_comp.messages import define

YEAR_SETTLED = define("year_settled", "year {year} is settled ({settled_on}): {what} (R15)")
