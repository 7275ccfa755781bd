"""The demo county's years: how busy each year was, what the audits found, the assessments.

Plain data and pure arithmetic, no database. The county reported its units
grew 20.7% from 2016 to 2018; the demo's years grow by about that much, with
three institutions that make the rules show: 望海 (HY03) grows faster than the
growth cap allows, 于城 (HY07) has a quiet 2018 and ends it owing money back
(cleared from its first instalment of 2019), and 澉浦 (HY08) scores below 950
in 2017, so it pays no efficiency bonus that year.
"""

from __future__ import annotations

from dataclasses import dataclass

# The county's records of a year against the latest year's (which has --records N).
# 2016 → 2018 the records grow 20% and their units 20.7%, the reported growth (the
# busier centres' mix is worth more units a record); 2019 grows on a little less.
COUNTY_GROWTH: dict[int, float] = {2016: 1.000, 2017: 1.090, 2018: 1.198, 2019: 1.290}
GROWTH_PER_YEAR = 1.09  # outside the years above, year on year

# An institution's busyness against its size, per year (1 when absent).
ACTIVITY: dict[int, dict[str, float]] = {
    2016: {"HY03": 0.85},
    2017: {"HY03": 1.00},
    2018: {"HY03": 1.15, "HY07": 0.76},
    2019: {"HY03": 1.20, "HY07": 0.90},
}

# Items the county revalued for a year (hundredths of a unit), after copying the year before's
# catalogue: the catalogue page shows what changed.
REVALUED: dict[int, dict[str, int]] = {2018: {"FD_CONTRACT": 300}, 2019: {"TCM_TECH": 260}}

# The audit of a year: sampled records per batch, and how many fail, per institution.
SAMPLE_SIZE = 10
FAILED: dict[int, dict[str, int]] = {
    2016: {"HY01": 1, "HY05": 1, "HY09": 1},
    2017: {"HY01": 2, "HY02": 1, "HY04": 2, "HY06": 1, "HY08": 3, "HY09": 1},
    2018: {"HY02": 1, "HY07": 3},
}
FAIL_REASONS = (
    "病历记录缺少主诉与查体结果",
    "检查报告未签名，无法核实",
    "服务日期与挂号记录不符",
)
# Audited items, the first one an institution has at least SAMPLE_SIZE records of.
AUDITED_ITEMS = ("ECG", "US_B", "DRESSING", "LAB_URINE", "LAB_CBC", "OP")

# Assessment (R16): score in hundredths of a point; surplus in fen.
SCORES: dict[str, int] = {
    "HY01": 97250, "HY02": 95800, "HY03": 96400, "HY04": 95100, "HY05": 96900,
    "HY06": 95500, "HY07": 94600, "HY08": 96100, "HY09": 97800,
}  # fmt: skip
SCORE_CHANGE: dict[int, dict[str, int]] = {
    2016: {"HY07": 700},
    2017: {"HY08": -1600, "HY01": -150},
    2018: {"HY07": -300, "HY04": 300},
}
# Income-expenditure surplus per registered resident, in fen (HY06 runs at a loss in 2016).
SURPLUS_PER_RESIDENT = 300
SURPLUS_CHANGE: dict[int, dict[str, int]] = {2016: {"HY06": -400}, 2018: {"HY07": -250}}
# A centre that chooses a pool below its cap (R17), and the pay sheets entered (R19).
LOWER_POOLS: dict[int, tuple[str, int]] = {2017: ("HY05", 80), 2018: ("HY01", 90)}  # % of cap
PERFORMANCE_PAY_PER_STAFF = 4_800_000  # 48,000 yuan a head, in fen

UNIT_PRICE = 1000  # 10.00 yuan per unit, in fen (the county's documented price)
RISK_FUND = 500_000_000  # the reform risk fund of 5,000,000 yuan, in fen
GROWTH_CAP = 1200  # 12%, in ten-thousandths
PREPAY_RATIO = 8000  # 80%
INSTALMENTS = 4
BASELINE_GROWTH = 106  # the year before the first: 6% fewer basic-medical units (percent)


def year_records(latest_records: int, year: int, latest: int) -> int:
    """How many records `year` has when the latest year has `latest_records`."""
    return round(latest_records * _growth(year) / _growth(latest))


def _growth(year: int) -> float:
    if year in COUNTY_GROWTH:
        return COUNTY_GROWTH[year]
    first, last = min(COUNTY_GROWTH), max(COUNTY_GROWTH)
    if year < first:
        return COUNTY_GROWTH[first] / GROWTH_PER_YEAR ** (first - year)
    return COUNTY_GROWTH[last] * GROWTH_PER_YEAR ** (year - last)


def year_seed(seed: int, year: int, latest: int) -> int:
    """The generator's seed of `year`: the latest year keeps `seed` (the one-year demo's)."""
    return seed + 1009 * (latest - year)


def budget_for(need: int, year: int) -> int:
    """A budget in fen just above `need`, rounded up to 10,000 yuan; 2017's falls short.

    2017's budget is 2% under the need, so settling it draws on the risk fund (R10).
    """
    wanted = need * 98 // 100 if year == 2017 else need
    return max(-(-wanted // 1_000_000) * 1_000_000, 1_000_000)


@dataclass(frozen=True)
class Assessed:
    """An institution's assessment of a year: score (hundredths) and surplus (fen)."""

    score: int
    surplus: int


def assessment(code: str, year: int, residents: int) -> Assessed:
    """The demo's score and surplus of an institution in a year."""
    score = SCORES.get(code, 95000) + SCORE_CHANGE.get(year, {}).get(code, 0)
    per_resident = SURPLUS_PER_RESIDENT + 20 * (year - 2016)
    per_resident += SURPLUS_CHANGE.get(year, {}).get(code, 0)
    return Assessed(min(score, 100_000), residents * per_resident)
