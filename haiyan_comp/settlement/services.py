"""Year-end settlement (R9, R10, R13, R14): fix every institution's final amount once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp import clock, faults
from haiyan_comp.audit.services import open_batches
from haiyan_comp.budget.models import Instalment
from haiyan_comp.budget.services import get_config
from haiyan_comp.errors import Conflict, InvalidInput
from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.descriptions import said
from haiyan_comp.ledger.messages import DEBT as LEDGER_DEBT
from haiyan_comp.ledger.messages import RISK_FUND_DRAW as LEDGER_RISK_FUND_DRAW
from haiyan_comp.ledger.messages import SETTLEMENT as LEDGER_SETTLEMENT
from haiyan_comp.ledger.messages import TOP_UP as LEDGER_TOP_UP
from haiyan_comp.ledger.services import post, seal_year
from haiyan_comp.records.models import UnitTotal
from haiyan_comp.settlement import rules
from haiyan_comp.settlement.messages import (
    ALREADY_SETTLED,
    AUDITS_OPEN,
    NOTHING_TO_SETTLE,
    SETTLE_TOO_EARLY,
)
from haiyan_comp.settlement.models import Settlement, YearSettlement
from haiyan_comp.settlement.queries import purchased_units
from haiyan_comp.years.models import Year
from haiyan_comp.years.services import lock_records


class AuditOpen(Conflict):
    """A year cannot settle while one of its audit batches is open (R13)."""

    code = "audit_open"


@dataclass(frozen=True)
class InstitutionSettlement:
    """One institution's figures of a settlement."""

    code: str
    verified_basic_medical: int
    verified_public_health: int
    purchased_basic_medical: int
    purchased: int
    entitlement: int
    final: int
    prepaid: int

    @property
    def balance(self) -> int:
        """F − prepaid: a top-up when positive, a debt when negative (R14)."""
        return rules.settlement_balance(self.final, self.prepaid)


@dataclass(frozen=True)
class SettlementResult:
    """A year's settlement, done or previewed."""

    year: int
    as_of: date
    unit_price: str
    budget: int
    risk_fund_draw: int
    institutions: list[InstitutionSettlement]
    dry_run: bool


def compute_settlement(session: Session, year: int, as_of: date) -> SettlementResult:
    """Every figure of R9–R14 for a year, refusing when it cannot settle (R13)."""
    _refuse_if_not_ready(session, year, as_of)
    config = get_config(session, year)
    purchased = {
        i.code: (i.verified_basic_medical, i.verified_public_health, i.purchased_basic_medical)
        for i in purchased_units(session, year).institutions
    }
    totals = {code: p_bm + v_ph for code, (_, v_ph, p_bm) in purchased.items()}
    if config.unit_price is None:
        amounts = rules.floating_price_amounts(totals, config.budget)
    else:
        amounts = rules.fixed_price_amounts(
            totals, config.unit_price, config.budget, config.risk_fund
        )
    prepaid = _prepaid(session, year)
    return SettlementResult(
        year=year,
        as_of=as_of,
        unit_price=amounts.unit_price,
        budget=config.budget,
        risk_fund_draw=amounts.risk_fund_draw,
        institutions=[
            InstitutionSettlement(
                code,
                v_bm,
                v_ph,
                p_bm,
                totals[code],
                amounts.entitlement[code],
                amounts.final[code],
                prepaid.get(code, 0),
            )
            for code, (v_bm, v_ph, p_bm) in sorted(purchased.items())
        ],
        dry_run=True,
    )


def settle_year(
    session: Session, year: int, as_of: date, by: str, dry_run: bool = False
) -> SettlementResult:
    """R13: settle a year once; with dry_run, the same figures and nothing written."""
    lock_records(session)
    result = compute_settlement(session, year, as_of)
    if dry_run:
        return result
    ids = dict(session.execute(select(Institution.code, Institution.id)).all())
    now = datetime.now(UTC)
    session.add(
        YearSettlement(
            year=year,
            as_of=as_of,
            unit_price=result.unit_price,
            budget=result.budget,
            risk_fund_draw=result.risk_fund_draw,
            settled_by=by,
            settled_at=now,
        )
    )
    session.flush()
    if result.risk_fund_draw:
        post(
            session,
            kind="risk_fund_draw",
            year=year,
            institution_id=None,
            amount=result.risk_fund_draw,
            reason=said(LEDGER_RISK_FUND_DRAW, year=year),
            by=by,
            postings={"risk_fund": -result.risk_fund_draw, "cash": result.risk_fund_draw},
        )
    for inst in result.institutions:
        _book(session, year, ids[inst.code], inst, by)
        session.flush()
        faults.point("settle:after-an-institution")
    seal_year(session, year)  # the chain's head: the year's seal, printed on its statements
    session.get(Year, year).settled_at = now  # type: ignore[union-attr]
    session.flush()
    return replace(result, dry_run=False)


def _book(
    session: Session, year: int, institution_id: int, inst: InstitutionSettlement, by: str
) -> None:
    session.add(
        Settlement(
            year=year,
            institution_id=institution_id,
            verified_basic_medical=inst.verified_basic_medical,
            verified_public_health=inst.verified_public_health,
            purchased_basic_medical=inst.purchased_basic_medical,
            purchased=inst.purchased,
            entitlement=inst.entitlement,
            final=inst.final,
            prepaid=inst.prepaid,
            balance=inst.balance,
        )
    )
    code, purchase = inst.code, f"purchase:{year}"
    if inst.prepaid:
        post(
            session,
            kind="settlement",
            year=year,
            institution_id=institution_id,
            amount=inst.prepaid,
            reason=said(LEDGER_SETTLEMENT, year=year, final=inst.final),
            by=by,
            postings={purchase: inst.prepaid, f"prepaid:{code}:{year}": -inst.prepaid},
        )
    if inst.balance > 0:
        post(
            session,
            kind="top_up",
            year=year,
            institution_id=institution_id,
            amount=inst.balance,
            reason=said(LEDGER_TOP_UP, year=year),
            by=by,
            postings={purchase: inst.balance, "cash": -inst.balance},
        )
    elif inst.balance < 0:
        post(
            session,
            kind="debt",
            year=year,
            institution_id=institution_id,
            amount=-inst.balance,
            reason=said(LEDGER_DEBT, year=year),
            by=by,
            postings={f"debt:{code}": -inst.balance, purchase: inst.balance},
        )


def _prepaid(session: Session, year: int) -> dict[str, int]:
    rows = session.execute(
        select(Institution.code, func.sum(Instalment.gross))
        .join(Institution, Institution.id == Instalment.institution_id)
        .where(Instalment.year == year)
        .group_by(Institution.code)
    ).all()
    return {code: int(total) for code, total in rows}


def _refuse_if_not_ready(session: Session, year: int, as_of: date) -> None:
    row = session.get(Year, year)
    if row is not None and row.settled_at is not None:
        raise Conflict(
            ALREADY_SETTLED(year=year, settled_on=clock.county_date(row.settled_at).isoformat())
        )
    if as_of < date(year + 1, 1, 1):
        raise Conflict(SETTLE_TOO_EARLY(year=year, first=f"{year + 1}-01-01", as_of=as_of))
    get_config(session, year)
    has_records = session.scalar(
        select(func.count()).select_from(UnitTotal).where(UnitTotal.year == year)
    )
    if not has_records:
        raise InvalidInput(NOTHING_TO_SETTLE(year=year))
    open_ids = open_batches(session, year)
    if open_ids:
        raise AuditOpen(
            AUDITS_OPEN(year=year, batches=", ".join(map(str, open_ids))),
            details={"open_batches": list(open_ids)},
        )
