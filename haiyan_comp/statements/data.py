"""What a settlement statement shows: a frozen dataclass, and its figures' fingerprint."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.statements.numbers import settlement_number


@dataclass(frozen=True)
class StatementItem:
    """One service item's units on a statement (hundredths)."""

    code: str
    name: str
    category: str
    gross: int
    over_spec: int
    deducted: int
    verified: int


@dataclass(frozen=True)
class StatementInstalment:
    """One paid prepayment instalment (fen)."""

    number: int
    due: date
    gross: int
    offset: int
    cash: int


@dataclass(frozen=True)
class StatementData:
    """Every figure of one institution's settlement statement for a settled year."""

    county: str
    institution_code: str
    institution_name: str
    year: int
    settled_as_of: date
    generated_at: datetime
    items: tuple[StatementItem, ...]
    verified_basic_medical: int
    verified_public_health: int
    purchased_basic_medical: int
    purchased: int
    unit_price: str
    budget: int
    risk_fund_draw: int
    entitlement: int
    final: int
    prepaid: int
    balance: int
    instalments: tuple[StatementInstalment, ...]
    score: int | None = None  # R16, hundredths of a point, where entered
    bonus_cap: int | None = None  # R17, fen, where an assessment was entered
    settled_at: datetime | None = None  # when the settlement was done (as_of is its business date)
    seal: str | None = None  # the ledger's year seal (hash chain head), once the ledger keeps one

    @property
    def number(self) -> str:
        """The statement number: year and institution code (numbers.py)."""
        return settlement_number(self.year, self.institution_code)

    @property
    def growth_cap_effect(self) -> int:
        """Basic-medical units the growth cap kept out of the purchase (V_bm − P_bm, R9)."""
        return self.verified_basic_medical - self.purchased_basic_medical

    @property
    def budget_scaling(self) -> int:
        """F − A: what the budget's largest-remainder scaling took or gave (R10), 0 if none."""
        return self.final - self.entitlement

    def item_totals(self, category: str | None = None) -> tuple[int, int, int, int]:
        """Gross, over-spec, deducted and verified units of one category, or of all items."""
        items = [i for i in self.items if category is None or i.category == category]
        return (
            sum(i.gross for i in items),
            sum(i.over_spec for i in items),
            sum(i.deducted for i in items),
            sum(i.verified for i in items),
        )

    def figures(self) -> dict[str, Any]:
        """The statement's figures as strings: what the fingerprint covers (the seal too, once
        the year has one)."""
        seal = {} if self.seal is None else {"seal": self.seal}
        return seal | {
            "document": "settlement",
            "year": self.year,
            "institution": self.institution_code,
            "number": self.number,
            "settled_as_of": self.settled_as_of.isoformat(),
            "items": [
                {
                    "code": i.code,
                    "gross": fmt(i.gross),
                    "over_spec": fmt(i.over_spec),
                    "deducted": fmt(i.deducted),
                    "verified": fmt(i.verified),
                }
                for i in self.items
            ],
            "verified_basic_medical": fmt(self.verified_basic_medical),
            "verified_public_health": fmt(self.verified_public_health),
            "purchased_basic_medical": fmt(self.purchased_basic_medical),
            "purchased": fmt(self.purchased),
            "unit_price": self.unit_price,
            "budget": fmt(self.budget),
            "risk_fund_draw": fmt(self.risk_fund_draw),
            "entitlement": fmt(self.entitlement),
            "final": fmt(self.final),
            "prepaid": fmt(self.prepaid),
            "balance": fmt(self.balance),
            "score": None if self.score is None else fmt(self.score),
            "bonus_cap": None if self.bonus_cap is None else fmt(self.bonus_cap),
            "instalments": [
                {
                    "number": i.number,
                    "due": i.due.isoformat(),
                    "gross": fmt(i.gross),
                    "offset": fmt(i.offset),
                    "cash": fmt(i.cash),
                }
                for i in self.instalments
            ],
        }

    def canonical_figures(self) -> str:
        """The figures as canonical JSON (sorted keys, no spaces, ASCII)."""
        return canonical_json(self.figures())

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical figures: printed on the page and stored in the file."""
        return hashlib.sha256(self.canonical_figures().encode()).hexdigest()


def canonical_json(figures: dict[str, Any]) -> str:
    """One spelling of a figures document, so that its hash is stable."""
    return json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def changed_figures(stored: dict[str, Any], current: dict[str, Any], prefix: str = "") -> list[str]:
    """Name every figure that differs between two figures documents."""
    changes = []
    for key in sorted(set(stored) | set(current)):
        old, new = stored.get(key), current.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                if isinstance(a, dict) and isinstance(b, dict):
                    changes += changed_figures(a, b, f"{prefix}{key}[{index}].")
                elif a != b:
                    changes.append(f"{prefix}{key}[{index}]: {a} → {b}")
            continue
        changes.append(f"{prefix}{key}: {old} → {new}")
    return changes
