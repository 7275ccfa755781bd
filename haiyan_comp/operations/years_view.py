"""Year on year: units and money per institution and category against the previous year,
and the county's growth over the years (finance), or one centre's own (the centre)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from haiyan_comp.budget.queries import institutions
from haiyan_comp.db import db
from haiyan_comp.operations import reading
from haiyan_comp.records.queries.years import CategoryYear, category_years
from haiyan_comp.settlement.queries import finals

BASIC, PUBLIC = "basic_medical", "public_health"


@dataclass
class Figures:
    """Records, gross units per category, and the final amount once settled (fen)."""

    records: int = 0
    basic_medical: int = 0
    public_health: int = 0
    final: int | None = None  # None: the year is not settled

    @property
    def gross(self) -> int:
        return self.basic_medical + self.public_health

    def add(self, row: CategoryYear) -> None:
        self.records += row.records
        if row.category == BASIC:
            self.basic_medical += row.gross
        else:
            self.public_health += row.gross


@dataclass(frozen=True)
class Line:
    """An institution (or the county, code None) in a year and the year before."""

    code: str | None
    name: str
    now: Figures
    before: Figures | None


@dataclass
class YearOnYear:
    """The years with records, the county (or one centre) year by year, and each
    institution's line of `year` against `year - 1`."""

    year: int
    years: list[int]
    by_year: dict[int, Figures] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    settled: set[int] = field(default_factory=set)

    def previous(self, year: int) -> Figures | None:
        return self.by_year.get(year - 1)


def change(now: int | None, before: int | None) -> Fraction | None:
    """The change from `before` to `now` as a fraction (None when it cannot be said)."""
    if now is None or before is None or before == 0:
        return None
    return Fraction(now - before, before)


@reading
def year_on_year(year: int | None, institution_code: str | None = None) -> YearOnYear:
    """Finance's view (`institution_code` None: the county and every institution) or a
    centre's own; `year` None: the latest year with records."""
    session = db.session
    rows = category_years(session, institution_code)
    amounts = finals(session)
    names = {i.code: i.name for i in institutions(session)}
    ids = {row.institution: row.institution_id for row in rows}
    per: dict[tuple[int, str], Figures] = defaultdict(Figures)
    for row in rows:
        per[(row.year, row.institution)].add(row)
    settled = {y for (y, _i) in amounts}
    for (y, code), figures in per.items():
        if y in settled:
            figures.final = amounts.get((y, ids.get(code, -1)), 0)
    years = sorted({y for (y, _c) in per} | settled, reverse=True)
    if institution_code is not None:
        years = sorted({y for (y, _c) in per}, reverse=True)
    shown = year if year is not None else (years[0] if years else 0)
    view = YearOnYear(shown, years, settled=settled)
    for y in years:
        total = Figures(final=0 if y in settled else None)
        for (row_year, _code), figures in per.items():
            if row_year == y:
                total.records += figures.records
                total.basic_medical += figures.basic_medical
                total.public_health += figures.public_health
                if total.final is not None:
                    total.final += figures.final or 0
        view.by_year[y] = total
    codes = sorted({code for (_y, code) in per} if institution_code is None else {institution_code})
    for code in codes:
        now = per.get((shown, code))
        before = per.get((shown - 1, code))
        if now is None and before is None:
            continue
        view.lines.append(Line(code, names.get(code, code), now or Figures(), before))
    return view
