"""Posting to the ledger (R15) and sealing a settled year.

Every entry is chained to the one before it (chain.py): `post` reads the
chain's head and hashes the new entry's content with it. Writers take the
ledger's lock first, so that no two transactions chain to the same head: on
PostgreSQL an advisory lock held until the transaction ends; on SQLite every
unit of work already holds the database's write lock (db.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from haiyan_comp.errors import InvalidInput
from haiyan_comp.ledger import chain
from haiyan_comp.ledger.descriptions import Description
from haiyan_comp.ledger.messages import ENTRY_MUST_BALANCE, NOTE, UNKNOWN_ENTRY_KIND
from haiyan_comp.ledger.models import ENTRY_KINDS, LedgerCheck, LedgerEntry, LedgerSeal, Posting
from haiyan_comp.messages import Message, described
from haiyan_comp.money import format_hundredths as fmt

LEDGER_LOCK = 0x6861_6979_616E_4C  # pg_advisory_xact_lock's key for the ledger's chain
KEPT_PROBLEMS = 60  # what a kept verification holds of its problems (the page shows them)


def post(
    session: Session,
    *,
    kind: str,
    year: int,
    institution_id: int | None,
    amount: int,
    reason: Description | str,
    by: str,
    postings: Mapping[str, int],
) -> LedgerEntry:
    """Append one balanced entry, chained to the head; refuse one that does not balance.

    `reason` is what the entry says: a `Description` (a ledger message and its
    parameters: `said(INSTALMENT, …)`), stored by code with its English beside it;
    any other text is kept as a note, as typed.
    """
    if kind not in ENTRY_KINDS:
        raise InvalidInput(UNKNOWN_ENTRY_KIND(kind=repr(kind)))
    legs = {account: value for account, value in postings.items() if value}
    if sum(legs.values()) != 0:
        raise InvalidInput(ENTRY_MUST_BALANCE(kind=kind, total=fmt(sum(legs.values()))))
    if isinstance(reason, Description):
        code, params, english = reason.template.code, dict(reason.params), reason.english
    else:
        code, params, english = NOTE.code, {"text": str.__str__(reason)}, str.__str__(reason)
    stored = chain.canonical_params(params)
    now = datetime.now(UTC)
    digest = chain.entry_hash(
        chain_head(session), kind, year, institution_id, amount, code, stored, english, by, now,
        legs.items(),
    )  # fmt: skip
    entry = LedgerEntry(
        kind=kind,
        year=year,
        institution_id=institution_id,
        amount=amount,
        reason=english,
        created_by=by,
        created_at=now,
        code=code,
        params=stored,
        hash=digest,
        postings=[Posting(account=account, amount=value) for account, value in legs.items()],
    )
    session.add(entry)
    session.flush()
    return entry


def chain_head(session: Session) -> str:
    """The hash of the last entry (GENESIS when there is none), under the ledger's lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEDGER_LOCK})
    head = session.scalar(select(LedgerEntry.hash).order_by(LedgerEntry.id.desc()).limit(1))
    return head or chain.GENESIS


def seal_year(session: Session, year: int) -> LedgerSeal:
    """Record the chain's head as the seal of a year being settled (once per year)."""
    digest = chain_head(session)
    last = session.scalar(select(func.max(LedgerEntry.id)))
    seal = LedgerSeal(year=year, entry_id=last, hash=digest, sealed_at=datetime.now(UTC))
    session.add(seal)
    session.flush()
    return seal


def account_balance(session: Session, account: str) -> int:
    """The sum of every posting to an account."""
    total = session.scalar(
        select(func.coalesce(func.sum(Posting.amount), 0)).where(Posting.account == account)
    )
    return int(total or 0)  # PostgreSQL sums bigints as numeric


def debt_of(session: Session, institution_code: str) -> int:
    """What an institution still owes back (R14), in fen."""
    return account_balance(session, f"debt:{institution_code}")


def record_check(
    session: Session, problems: Sequence[Message], head_id: int | None, head_hash: str, by: str
) -> LedgerCheck:
    """Keep a verification of the books: who, when, up to which entry, what it found (the
    first KEPT_PROBLEMS problems, each as its English, code, field and parameters)."""
    kept = [{"message": str(p), **described(p)} for p in problems[:KEPT_PROBLEMS]]
    check = LedgerCheck(
        checked_at=datetime.now(UTC),
        checked_by=by[:100],
        head_id=head_id,
        head_hash=head_hash,
        verified=not problems,
        problems=json.dumps(kept, ensure_ascii=False),
    )
    session.add(check)
    session.flush()
    return check
