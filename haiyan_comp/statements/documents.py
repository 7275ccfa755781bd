"""The figures of the notice, the audit report and the bonus slips: plain data, no PDF.

What the books say (statements/figures.py) and what `verify` compares; each document's
module (notice.py, audit_report.py, slip.py) lays its data out with reportlab, which
only rendering needs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.money import largest_remainder, parse_hundredths
from haiyan_comp.statements.data import StatementInstalment, canonical_json
from haiyan_comp.statements.numbers import audit_number, notice_number, sheet_number


@dataclass(frozen=True)
class NoticeInstalment:
    """One instalment paid by the run, with its year."""

    year: int
    instalment: StatementInstalment


@dataclass(frozen=True)
class NoticeData:
    """Every figure of a prepayment notice: the instalments one run paid one institution."""

    county: str
    institution_code: str
    institution_name: str
    as_of: date
    generated_at: datetime
    instalments: tuple[NoticeInstalment, ...]
    gross: int
    offset: int
    cash: int

    @property
    def number(self) -> str:
        """The notice number: run date and institution code (numbers.py)."""
        return notice_number(self.as_of, self.institution_code)

    def figures(self) -> dict[str, Any]:
        """The notice's figures as strings: what the fingerprint covers."""
        return {
            "document": "prepayment_notice",
            "institution": self.institution_code,
            "as_of": self.as_of.isoformat(),
            "number": self.number,
            "instalments": [
                {
                    "year": i.year,
                    "number": i.instalment.number,
                    "due": i.instalment.due.isoformat(),
                    "gross": fmt(i.instalment.gross),
                    "offset": fmt(i.instalment.offset),
                    "cash": fmt(i.instalment.cash),
                }
                for i in self.instalments
            ],
            "gross": fmt(self.gross),
            "offset": fmt(self.offset),
            "cash": fmt(self.cash),
        }

    def canonical_figures(self) -> str:
        """The figures as canonical JSON."""
        return canonical_json(self.figures())

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical figures."""
        return hashlib.sha256(self.canonical_figures().encode()).hexdigest()


BATCH_FIGURES = (
    "batch", "year", "institution", "item", "from", "to", "stratum", "seed", "N", "U", "n",
    "failed", "deduction", "closed_at",
)  # fmt: skip
SAMPLE_FIGURES = ("rank", "source_id", "service_date", "staff", "purchasable", "verdict", "reason")
STRATUM = {"all": "全部记录", "flagged": "系统标记的记录"}


@dataclass(frozen=True)
class AuditReportData:
    """A closed batch as `haiyan audit show --json` prints it, for the report."""

    county: str
    institution_name: str
    generated_at: datetime
    batch: dict[str, Any]
    item_name: str = ""
    staff_names: dict[str, str] = field(default_factory=dict)

    @property
    def number(self) -> str:
        """The report number: year, institution and batch (numbers.py)."""
        return audit_number(self.batch["year"], self.batch["institution"], self.batch["batch"])

    def figures(self) -> dict[str, Any]:
        """The report's figures: what the fingerprint covers."""
        sample = [
            {**{key: s[key] for key in SAMPLE_FIGURES}, "staff": s["responsible"] or s["staff"]}
            for s in self.batch["sample"]
        ]
        return {
            "document": "audit_report",
            "number": self.number,
            **{key: self.batch[key] for key in BATCH_FIGURES},
            "sample": sample,
        }

    def canonical_figures(self) -> str:
        """The figures as canonical JSON."""
        return canonical_json(self.figures())

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical figures."""
        return hashlib.sha256(self.canonical_figures().encode()).hexdigest()

    @property
    def period(self) -> str:
        """The stratum's dates in words: 全年 (and its dates) or from … to …."""
        f = self.batch
        dates = f"{f['from']} 至 {f['to']}"
        whole_year = (f["from"], f["to"]) == (f"{f['year']}-01-01", f"{f['year']}-12-31")
        return f"全年（{dates}）" if whole_year else dates

    @property
    def records(self) -> str:
        """Which records of the period the stratum holds, in words."""
        return STRATUM.get(str(self.batch["stratum"]), str(self.batch["stratum"]))

    def named(self, code: str | None, name: str | None) -> str:
        """A name with its code beside it, or the code alone."""
        return f"{name}（{code}）" if name else (code or "—")


LINE_FIGURES = ("basic", "incentive", "performance_pay", "efficiency_bonus", "total")


def sheet_fen(value: str) -> int:
    """An amount of the pay sheet (yuan text, as the sheet has it) in fen."""
    return parse_hundredths(value, what="amount", allow_negative=True)


def with_shares(sheet: dict[str, Any]) -> dict[str, Any]:
    """The pay sheet with every staff line's basic share, performance pay and total (fen as
    text, as the sheet has them); a sheet whose lines have them already is returned as it is."""
    lines = sheet["staff"]
    if all("basic" in line for line in lines):  # also a sheet of nobody: nothing to share
        return sheet
    basic = largest_remainder(sheet_fen(sheet["basic"]), [(line["code"], 1) for line in lines])
    staff = []
    for line in lines:
        pay = basic[line["code"]] + sheet_fen(line["incentive"])
        bonus = sheet_fen(line["efficiency_bonus"])
        staff.append(
            {**line, "basic": fmt(basic[line["code"]]), "performance_pay": fmt(pay),
             "total": fmt(pay + bonus)}
        )  # fmt: skip
    return {**sheet, "staff": staff}


@dataclass(frozen=True)
class SlipData:
    """`haiyan paysheet --json` of an institution and year, with the staff's names."""

    county: str
    institution_name: str
    generated_at: datetime
    sheet: dict[str, Any]
    names: dict[str, str]
    only_staff: str | None = None  # one staff member's own slip (see for_staff)

    def for_staff(self, code: str) -> SlipData:
        """Only `code`'s slip, which tells nothing of colleagues' pay (no line if not on the sheet).

        Its fingerprint covers that one line and says so (`only_staff`), so that
        `haiyan statement verify` recomputes the same one line. The basic share is
        taken from the whole sheet before the other lines go.
        """
        sheet = with_shares(self.sheet)
        own = [line for line in sheet["staff"] if line["code"] == code]
        return replace(
            self,
            sheet={**sheet, "staff": own},
            names={code: self.names.get(code, "")},
            only_staff=code,
        )

    @property
    def number(self) -> str:
        """The sheet's number, or one person's slip's (numbers.py): never the same."""
        return sheet_number(self.sheet["year"], self.sheet["institution"], self.only_staff)

    def figures(self) -> dict[str, Any]:
        """The sheet's figures with every line's shares: what the fingerprint covers."""
        figures = {"document": "bonus_slip", "number": self.number, **with_shares(self.sheet)}
        if self.only_staff is not None:
            figures["only_staff"] = self.only_staff
        return figures

    def canonical_figures(self) -> str:
        """The figures as canonical JSON."""
        return canonical_json(self.figures())

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical figures."""
        return hashlib.sha256(self.canonical_figures().encode()).hexdigest()
