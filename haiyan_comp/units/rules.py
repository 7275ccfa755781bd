"""Pure unit arithmetic per institution and item (R4, R8, R9)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
