"""The explanation tree, built from figures already computed (pure: no database).

Every node carries a figure as the statement prints it (a decimal string, yuan or units),
a label and, where the figure is computed, the computation in words with the numbers
substituted. Leaves point at what a person can open: the records of an item, an audit batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from haiyan_comp.budget.models import RATIO_SCALE
from haiyan_comp.explain import messages as msg
from haiyan_comp.messages import Message
from haiyan_comp.money import format_grouped as g
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.money import format_percent
from haiyan_comp.settlement.rules import growth_limit
from haiyan_comp.units.rules import ItemUnits

YUAN, UNITS, PERCENT, PRICE = "yuan", "units", "percent", "price"


@dataclass(frozen=True)
class Link:
    """What a node's figure can be opened as: `records` of an item, or an audit `batch`."""

    kind: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Node:
    """One figure of the explanation."""

    name: str
    label: Message
    value: str
    unit: str
    formula: Message | None = None
    children: tuple[Node, ...] = ()
    link: Link | None = None

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, name: str) -> Node | None:
        """The first node called `name` at or below this one."""
        return next((node for node in self.walk() if node.name == name), None)


@dataclass(frozen=True)
class Batch:
    """A closed audit batch of the institution's year (hundredths of a unit)."""

    id: int
    item: str
    date_from: str
    date_to: str
    population_count: int
    population_units: int
    size: int
    failed: int
    deduction: int


@dataclass(frozen=True)
class Figures:
    """Everything the explanation of one institution-year needs (fen, hundredths)."""

    year: int
    institution: str
    settled: bool
    items: tuple[ItemUnits, ...]
    batches: tuple[Batch, ...]
    verified_basic_medical: int
    verified_public_health: int
    purchased_basic_medical: int
    purchased: int
    entitlement: int
    final: int
    previous_basic_medical: int | None
    previous_is_baseline: bool
    growth_cap: int | None  # ten-thousandths (1000 = 10%)
    floating: bool
    unit_price: str  # yuan per unit, as settled or estimated
    budget: int
    risk_fund_draw: int
    total_entitlement: int
    total_purchased: int


def explain(figures: Figures) -> Node:
    """The tree: the final amount at the root, the records and batches at the leaves."""
    purchased = _purchased(figures)
    label = msg.FINAL() if figures.settled else msg.FINAL_PREVIEW()
    if figures.floating:
        share = msg.F_FLOATING(
            budget=g(figures.budget), units=g(figures.purchased),
            total=g(figures.total_purchased),
        )  # fmt: skip
        entitlement = Node(
            "entitlement", msg.BUDGET_SHARE(), fmt(figures.entitlement), YUAN, share,
            (purchased, _money("budget", msg.BUDGET(), figures.budget),
             Node("all_purchased", msg.ALL_PURCHASED(), fmt(figures.total_purchased), UNITS)),
        )  # fmt: skip
        return Node("final", label, fmt(figures.final), YUAN, share, (entitlement,))
    entitlement = Node(
        "entitlement", msg.ENTITLEMENT(), fmt(figures.entitlement), YUAN,
        msg.A_PRICE(units=g(figures.purchased), price=figures.unit_price,
                    amount=g(figures.entitlement)),
        (purchased, Node("unit_price", msg.UNIT_PRICE(), figures.unit_price, PRICE)),
    )  # fmt: skip
    available = figures.budget + figures.risk_fund_draw
    shared = figures.total_entitlement > available
    formula = (msg.F_SHARED if shared else msg.F_FIXED)(
        total=g(figures.total_entitlement), budget=g(figures.budget),
        draw=g(figures.risk_fund_draw), available=g(available),
    )  # fmt: skip
    context = (
        _money("budget", msg.BUDGET(), figures.budget),
        _money("risk_fund_draw", msg.RISK_DRAW(), figures.risk_fund_draw),
        _money("all_entitlements", msg.ALL_ENTITLEMENTS(), figures.total_entitlement),
    )
    return Node("final", label, fmt(figures.final), YUAN, formula, (entitlement, *context))


def _money(name: str, label: Message, fen: int) -> Node:
    return Node(name, label, fmt(fen), YUAN)


def _purchased(figures: Figures) -> Node:
    basic = _purchased_basic_medical(figures)
    public = _verified(figures, "verified_public_health", "public_health")
    formula = msg.P_SUM(
        bm=g(figures.purchased_basic_medical),
        ph=g(figures.verified_public_health),
        total=g(figures.purchased),
    )
    return Node("purchased", msg.PURCHASED(), fmt(figures.purchased), UNITS, formula,
                (basic, public))  # fmt: skip


def _purchased_basic_medical(figures: Figures) -> Node:
    verified = _verified(figures, "verified_basic_medical", "basic_medical")
    value = fmt(figures.purchased_basic_medical)
    if figures.growth_cap is None:
        formula = msg.PBM_UNCAPPED_NO_CAP(verified=g(figures.verified_basic_medical))
        return Node("purchased_basic_medical", msg.PURCHASED_BM(), value, UNITS, formula,
                    (verified,))  # fmt: skip
    if figures.previous_basic_medical is None:
        formula = msg.PBM_UNCAPPED_NO_PREVIOUS(verified=g(figures.verified_basic_medical))
        return Node("purchased_basic_medical", msg.PURCHASED_BM(), value, UNITS, formula,
                    (verified,))  # fmt: skip
    limit = growth_limit(figures.previous_basic_medical, Fraction(figures.growth_cap, RATIO_SCALE))
    previous_label = (
        msg.BASELINE_BM(year=figures.year) if figures.previous_is_baseline else msg.PREVIOUS_BM()
    )
    cap_text = format_percent(figures.growth_cap)
    limit_node = Node(
        "growth_limit", msg.GROWTH_LIMIT(), fmt(limit), UNITS,
        msg.LIMIT(previous=g(figures.previous_basic_medical), cap=cap_text, limit=g(limit)),
        (Node("previous_basic_medical", previous_label, fmt(figures.previous_basic_medical),
              UNITS),
         Node("growth_cap", msg.GROWTH_CAP(), cap_text, PERCENT)),
    )  # fmt: skip
    formula = msg.PBM_CAPPED(
        verified=g(figures.verified_basic_medical),
        limit=g(limit),
        result=g(figures.purchased_basic_medical),
    )
    return Node("purchased_basic_medical", msg.PURCHASED_BM(), value, UNITS, formula,
                (verified, limit_node))  # fmt: skip


def _verified(figures: Figures, name: str, category: str) -> Node:
    items = tuple(_item(figures, i) for i in figures.items if i.category == category)
    total = getattr(figures, name)
    label = msg.VERIFIED_BM() if category == "basic_medical" else msg.VERIFIED_PH()
    return Node(name, label, fmt(total), UNITS, msg.V_SUM(total=g(total)), items)


def _item(figures: Figures, item: ItemUnits) -> Node:
    batches = tuple(_batch(b) for b in figures.batches if b.item == item.code)
    records = Link("records", {"item": item.code, "year": figures.year})
    children = (
        Node("gross", msg.GROSS(records=item.records), fmt(item.gross), UNITS, link=records),
        Node("over_spec", msg.OVER_SPEC(), fmt(item.over_spec), UNITS),
        Node("deducted", msg.DEDUCTED(), fmt(item.deducted), UNITS,
             msg.DEDUCTED_SUM(total=g(item.deducted)) if batches else None, batches),
    )  # fmt: skip
    formula = msg.ITEM_V(
        gross=g(item.gross), over_spec=g(item.over_spec), deducted=g(item.deducted),
        verified=g(item.verified),
    )  # fmt: skip
    label = msg.ITEM(code=item.code, name=item.name)
    return Node(f"item:{item.code}", label, fmt(item.verified), UNITS, formula, children)


def _batch(batch: Batch) -> Node:
    formula = msg.BATCH_D(
        units=g(batch.population_units), records=batch.population_count,
        failed=batch.failed, sample=batch.size, deduction=g(batch.deduction),
    )  # fmt: skip
    label = msg.BATCH(batch=batch.id, date_from=batch.date_from, date_to=batch.date_to)
    return Node(f"batch:{batch.id}", label, fmt(batch.deduction), UNITS, formula,
                link=Link("batch", {"batch": batch.id}))  # fmt: skip
