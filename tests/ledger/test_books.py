"""Books that cannot lie (issue 17 §3): the hash chain, the seals, the triggers, and
`haiyan ledger verify` naming the first entry that breaks — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from haiyan_comp.ledger import chain
from haiyan_comp.ledger.models import LedgerEntry, Posting
from haiyan_comp.ledger.queries import year_seal
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn, configure_2018, configure_2019, run
from tests.conftest import ON_POSTGRES

PG_TRIGGERS = {
    "ledger_entries": "ledger_entries_append_only",
    "ledger_postings": "ledger_postings_append_only",
    "ledger_seals": "ledger_seals_append_only",
}


def worked_example_books(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """The worked example settled (HY01 topped up, HY02 in debt), 2019 clearing the debt
    from its first instalment, and a correction of 2018 booked in 2019."""
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)
    run(runner, "prepay", "run", "--as-of", "2018-10-01")
    run(runner, "settle", "2018", "--as-of", "2019-01-15", "--by", "web:finance")
    configure_2019(runner)
    run(runner, "prepay", "run", "--as-of", "2019-01-01")
    run(runner, "adjust", "2019", "--institution", "HY01", "--amount", "12.50",
        "--corrects", "2018", "--reason", "late audit finding")  # fmt: skip


def verify(runner: FlaskCliRunner) -> Result:
    return runner.invoke(args=["ledger", "verify"])


def allow_changes(session: Session, table: str) -> None:
    """What someone with SQL access to the database could do: lift a table's trigger
    (rolled back with the test's transaction)."""
    if ON_POSTGRES:
        session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {PG_TRIGGERS[table]}"))
    else:
        session.execute(text(f"DROP TRIGGER {table}_no_update"))
        session.execute(text(f"DROP TRIGGER {table}_no_delete"))


def entry_of(session: Session, kind: str, institution: str | None = None) -> LedgerEntry:
    for entry in session.scalars(select(LedgerEntry).where(LedgerEntry.kind == kind)):
        if institution is None or any(institution in p.account for p in entry.postings):
            return entry
    raise AssertionError(f"no {kind} entry")


def test_the_books_of_the_worked_example_verify(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    worked_example_books(runner, tmp_path)
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ledger verified: the hash chain holds")
    machine = runner.invoke(args=["ledger", "verify", "--json"])
    assert machine.exit_code == 0 and json.loads(machine.stdout) == {
        "verified": True,
        "problems": [],
    }
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert len({e.hash for e in entries}) == len(entries) and all(
        len(e.hash) == 64 for e in entries
    )
    assert {e.code for e in entries} == {
        "ledger_instalment", "ledger_instalment_offset", "ledger_settlement", "ledger_top_up",
        "ledger_debt", "ledger_adjustment",
    }  # fmt: skip
    seal = year_seal(session, 2018)
    assert seal is not None and year_seal(session, 2019) is None
    last_of_2018 = max(e.id for e in entries if e.year == 2018)
    assert seal.entry_id == last_of_2018
    assert seal.hash == next(e.hash for e in entries if e.id == last_of_2018)
    shown = json.loads(runner.invoke(args=["ledger", "seal", "2018", "--json"]).stdout)
    assert (shown["seal"], shown["entry"]) == (seal.hash, last_of_2018)
    assert shown["sealed_at"].endswith("+08:00")  # the county's clock
    assert runner.invoke(args=["ledger", "seal", "2018"]).stdout.startswith(
        f"seal of 2018: {seal.hash} (the chain up to entry {last_of_2018}, sealed "
    )
    open_year = runner.invoke(args=["ledger", "seal", "2019"])
    assert open_year.exit_code == 1
    assert "2019 has no seal: it is not settled" in open_year.stderr


def test_every_hash_is_recomputable_from_the_documented_encoding(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """docs/LEDGER.md: SHA-256 over the JSON array, chained from 64 zeros."""
    import hashlib
    import json

    worked_example_books(runner, tmp_path)
    previous = chain.GENESIS
    for entry in session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)):
        content = [
            "haiyan-ledger-v1", previous, entry.kind, entry.year, entry.institution_id,
            entry.amount, entry.code, entry.params, entry.reason, entry.created_by,
            chain.utc_text(entry.created_at),
            sorted([p.account, p.amount] for p in entry.postings),
        ]  # fmt: skip
        encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
        assert hashlib.sha256(encoded).hexdigest() == entry.hash, entry.id
        previous = entry.hash


def test_a_balanced_posting_edit_in_sql_is_caught_and_named(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """Issue 17: debt:HY02 +0.01 and purchase:2018 −0.01, made directly in the database,
    balance each other, yet the books no longer agree with the settlement."""
    worked_example_books(runner, tmp_path)
    debt = entry_of(session, "debt", "HY02")
    allow_changes(session, "ledger_postings")
    for account, change in (("debt:HY02", 1), ("purchase:2018", -1)):
        session.execute(
            text(
                "UPDATE ledger_postings SET amount = amount + :c "
                "WHERE entry_id = :e AND account = :a"
            ),
            {"c": change, "e": debt.id, "a": account},
        )
    result = verify(runner)
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0] == (
        f"error: entry {debt.id} was changed after it was booked: its hash does not match its "
        "content and the previous entry's hash"
    )
    assert f"error: entry {debt.id}: its amount 50.00 disagrees with its postings (50.01)" in errors
    assert "error: purchase:2018 holds 1649.99 ≠ the year's final amounts 1650.00" in errors
    assert any(
        e.startswith("error: HY02 2018: prepaid 800.00 + top-up 0.00 − debt 50.01") for e in errors
    )
    machine = runner.invoke(args=["ledger", "verify", "--json"])
    assert machine.exit_code == 1
    document = json.loads(machine.stdout)
    assert document["verified"] is False
    first = document["problems"][0]
    assert (first["code"], first["params"]) == ("ledger_chain_broken", {"id": debt.id})
    assert first["message"] == errors[0].removeprefix("error: ")


def test_a_changed_description_is_caught_by_the_chain(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    worked_example_books(runner, tmp_path)
    top_up = entry_of(session, "top_up")
    allow_changes(session, "ledger_entries")
    session.execute(
        text("UPDATE ledger_entries SET reason = 'settlement of 2018: a gift' WHERE id = :e"),
        {"e": top_up.id},
    )
    result = verify(runner)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: entry {top_up.id} was changed after it was booked: its hash does not match "
        "its content and the previous entry's hash"
    ]


def test_a_deleted_entry_names_the_one_after_it(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    worked_example_books(runner, tmp_path)
    ids = session.scalars(select(LedgerEntry.id).order_by(LedgerEntry.id)).all()
    gone = ids[2]  # an instalment of 2018; its twin keeps the amounts' sums wrong
    allow_changes(session, "ledger_postings")
    allow_changes(session, "ledger_entries")
    session.execute(text("DELETE FROM ledger_postings WHERE entry_id = :e"), {"e": gone})
    session.execute(text("DELETE FROM ledger_entries WHERE id = :e"), {"e": gone})
    result = verify(runner)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"error: entry {ids[3]} was changed")


def test_a_rewritten_chain_is_caught_by_the_years_seal(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """Whoever edits an entry and recomputes every hash after it still cannot match the seal
    printed on the year's statements (nor the one kept in the database)."""
    worked_example_books(runner, tmp_path)
    allow_changes(session, "ledger_seals")
    session.execute(text("UPDATE ledger_seals SET hash = :h"), {"h": "ab" * 32})
    result = verify(runner)
    assert result.exit_code == 1
    entry = year_seal(session, 2018)
    assert entry is not None
    assert result.stderr.splitlines() == [
        "error: the seal of 2018 (abababababababab) is not the chain's hash at entry "
        f"{entry.entry_id}"
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount = 0",
        "UPDATE ledger_entries SET hash = ''",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_postings SET amount = amount + 1",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_seals SET hash = ''",
        "DELETE FROM ledger_seals",
    ],
)
def test_the_database_refuses_to_change_the_ledger(
    runner: FlaskCliRunner, session: Session, tmp_path: Path, statement: str
) -> None:
    worked_example_books(runner, tmp_path)
    nested = session.begin_nested()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text(statement))
    nested.rollback()
    assert verify(runner).exit_code == 0


def test_entries_posted_in_one_transaction_chain_in_order(session: Session) -> None:
    """Two entries of one unit of work: the second is chained to the first."""
    from haiyan_comp.ledger.descriptions import said
    from haiyan_comp.ledger.messages import ADJUSTMENT
    from haiyan_comp.ledger.services import post

    first = post(session, kind="adjustment", year=2019, institution_id=None, amount=5,
                 reason=said(ADJUSTMENT, corrects=2018, reason="a"), by="cli:test",
                 postings={"adjustment:2018": 5, "cash": -5})  # fmt: skip
    second = post(session, kind="adjustment", year=2019, institution_id=None, amount=7,
                  reason=said(ADJUSTMENT, corrects=2018, reason="b"), by="cli:test",
                  postings={"adjustment:2018": 7, "cash": -7})  # fmt: skip
    legs: Any = [("adjustment:2018", 7), ("cash", -7)]
    assert second.hash == chain.entry_hash(
        first.hash, "adjustment", 2019, None, 7, "ledger_adjustment",
        '{"corrects":2018,"reason":"b"}', "corrects 2018: b", "cli:test", second.created_at, legs,
    )  # fmt: skip
    assert session.scalar(select(Posting.amount).where(Posting.entry_id == second.id)) in (7, -7)


def test_a_risk_fund_draw_is_booked_by_code_and_verifies(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    from haiyan_comp.ledger.queries import ledger_lines

    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner, budget="1600", fund="30")
    run(runner, "prepay", "run", "--as-of", "2018-10-01")
    run(runner, "settle", "2018", "--as-of", "2019-01-15")
    assert verify(runner).exit_code == 0
    draw = next(line for line in ledger_lines(session) if line.kind == "risk_fund_draw")
    assert (draw.code, draw.params) == ("ledger_risk_fund_draw", {"year": 2018})
    assert draw.reason == "settlement of 2018: shortfall from the risk fund"
    assert len(draw.hash) == 64


def test_a_removed_seal_is_named(runner: FlaskCliRunner, session: Session, tmp_path: Path) -> None:
    worked_example_books(runner, tmp_path)
    allow_changes(session, "ledger_seals")
    session.execute(text("DELETE FROM ledger_seals"))
    result = verify(runner)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: 2018 is settled but has no seal"]
