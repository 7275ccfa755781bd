"""Pure unit arithmetic per institution and item (R4, R8, R9)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from haiyan_comp.money import format_hundredths


@dataclass(frozen=True)
class ItemUnits:
    """One item's units at one institution, in hundredths (R4, R8)."""

    code: str
    name: str
    category: str
    records: int
    gross: int
    purchasable: int
    deducted: int = 0

    @property
    def over_spec(self) -> int:
        """Units beyond the per-resident cap: shown, never paid (R3)."""
        return self.gross - self.purchasable

    @property
    def verified(self) -> int:
        """Purchasable less the closed audits' deductions (R8)."""
        return self.purchasable - self.deducted

    def to_json(self) -> dict[str, object]:
        """The item object of `haiyan units --json`."""
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "records": self.records,
            "gross": format_hundredths(self.gross),
            "over_spec": format_hundredths(self.over_spec),
            "purchasable": format_hundredths(self.purchasable),
            "deducted": format_hundredths(self.deducted),
            "verified": format_hundredths(self.verified),
        }


@dataclass(frozen=True)
class InstitutionUnits:
    """An institution's units of a year, with its items."""

    code: str
    name: str
    items: Sequence[ItemUnits]
    growth_capped_basic_medical: int | None = None  # R9's P_bm when a growth cap applies

    def _sum(self, attribute: str, category: str | None = None) -> int:
        return sum(
            getattr(item, attribute)
            for item in self.items
            if category is None or item.category == category
        )

    @property
    def records(self) -> int:
        """Records counted, every item."""
        return self._sum("records")

    @property
    def gross(self) -> int:
        """Gross units, every item (R4)."""
        return self._sum("gross")

    @property
    def over_spec(self) -> int:
        """Units beyond the caps, every item (R3)."""
        return self._sum("over_spec")

    @property
    def purchasable(self) -> int:
        """Purchasable units, every item (R4)."""
        return self._sum("purchasable")

    @property
    def deducted(self) -> int:
        """Units deducted by closed audits, every item (R8)."""
        return self._sum("deducted")

    @property
    def verified_basic_medical(self) -> int:
        """V_bm (R8)."""
        return self._sum("verified", "basic_medical")

    @property
    def verified_public_health(self) -> int:
        """V_ph (R8)."""
        return self._sum("verified", "public_health")

    @property
    def purchased_basic_medical(self) -> int:
        """P_bm (R9): V_bm, capped by the year's growth cap where one applies."""
        if self.growth_capped_basic_medical is None:
            return self.verified_basic_medical
        return self.growth_capped_basic_medical

    @property
    def purchased(self) -> int:
        """P = P_bm + P_ph (R9)."""
        return self.purchased_basic_medical + self.verified_public_health

    def to_json(self) -> dict[str, object]:
        """The institution object of `haiyan units --json` (CONTRACT.md)."""
        return {
            "code": self.code,
            "name": self.name,
            "records": self._sum("records"),
            "gross": format_hundredths(self._sum("gross")),
            "over_spec": format_hundredths(self._sum("over_spec")),
            "purchasable": format_hundredths(self._sum("purchasable")),
            "deducted": format_hundredths(self._sum("deducted")),
            "verified_basic_medical": format_hundredths(self.verified_basic_medical),
            "verified_public_health": format_hundredths(self.verified_public_health),
            "purchased_basic_medical": format_hundredths(self.purchased_basic_medical),
            "purchased": format_hundredths(self.purchased),
            "items": [item.to_json() for item in self.items],
        }
