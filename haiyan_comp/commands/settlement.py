"""`haiyan settle`, `haiyan ledger`, `haiyan adjust`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from haiyan_comp import clock
from haiyan_comp.api.schemas_finance import ledger_document, settlement_document
from haiyan_comp.cli import (
    YEAR,
    IsoDate,
    amount,
    by_option,
    domain_errors,
    emit_json,
    json_option,
    who,
    write_book,
    write_xlsx,
    xlsx_option,
)
from haiyan_comp.messages import as_json as as_json_message
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.operations.ledger import ledger_lines, ledger_page, sealed_year, verify_books
from haiyan_comp.operations.settlement import book_adjustment, preview_settlement, settle_year
from haiyan_comp.workbooks import money

WORKBOOK_ENTRIES = 1_000_000  # the ledger's workbook: every entry selected


@click.command("settle")
@with_appcontext
@click.argument("year", type=YEAR)
@click.option("--as-of", "as_of", type=IsoDate(), required=True)
@click.option("--dry-run", is_flag=True, help="Show the figures; settle nothing.")
@by_option
@json_option
@xlsx_option
@domain_errors
def settle(
    year: int, as_of: date, dry_run: bool, by: str | None, as_json: bool, xlsx: Path | None
) -> None:
    """Settle YEAR once (R13, R14); --dry-run shows the same figures first."""
    result = preview_settlement(year, as_of) if dry_run else settle_year(year, as_of, who(by))
    write_xlsx("settlement", settlement_document(result), xlsx)
    if as_json:
        emit_json(settlement_document(result))
        return
    head = "preview of the settlement" if dry_run else "settled"
    click.echo(
        f"{head} of {year} as of {as_of}: price {result.unit_price}, budget {fmt(result.budget)}, "
        f"risk-fund draw {fmt(result.risk_fund_draw)}"
    )
    for i in result.institutions:
        kind = "top-up" if i.balance >= 0 else "debt"
        click.echo(
            f"  {i.code}: purchased {fmt(i.purchased)} units, entitlement {fmt(i.entitlement)}, "
            f"final {fmt(i.final)}, prepaid {fmt(i.prepaid)}, {kind} {fmt(abs(i.balance))}"
        )


@click.group("ledger", cls=AppGroup, invoke_without_command=True)
@click.option("--year", type=YEAR, default=None)
@click.option("--institution", default=None)
@json_option
@xlsx_option
@click.pass_context
@with_appcontext
def ledger(
    ctx: click.Context, year: int | None, institution: str | None, as_json: bool, xlsx: Path | None
) -> None:
    """List ledger entries (every money movement, append-only).

    --xlsx writes the journal as the ledger page reads it (newest first, in Chinese)."""
    if ctx.invoked_subcommand is not None:
        return
    if xlsx is not None:
        journal, _ = ledger_page(year, institution, None, 1, WORKBOOK_ENTRIES)
        write_book(money.ledger(journal.entries, year), xlsx)
    lines = ledger_lines(year, institution)
    if as_json:
        emit_json(ledger_document(lines))
        return
    for line in lines:
        legs = ", ".join(f"{account} {fmt(value)}" for account, value in line.postings.items())
        click.echo(
            f"#{line.id} {line.created_at:%Y-%m-%d} {line.kind} {line.year} "
            f"{line.institution or '-'} {fmt(line.amount)}: {line.reason} [{legs}]"
        )


@ledger.command("verify")
@json_option
def ledger_verify(as_json: bool) -> None:
    """Recompute the books: the hash chain, every entry against its postings, every
    account's balance, the invariants and the years' seals; exit 1 naming each break
    (the first line names the first entry that breaks). --json: {"verified", "problems":
    [{"message", "code", "params"}]} on stdout, the same exit status."""
    problems = verify_books()
    if as_json:
        emit_json(
            {
                "verified": not problems,
                "problems": [{"message": str(p), **as_json_message(p)} for p in problems],
            }
        )
        if problems:
            sys.exit(1)
        return
    if problems:
        for problem in problems:
            click.secho(f"error: {problem}", fg="red", err=True)
        sys.exit(1)
    click.echo(
        "ledger verified: the hash chain holds and the seals match; every entry balances and "
        "agrees with its postings; prepaid + top-up − debt = final; purchase = the final "
        "amounts; cash agrees"
    )


@ledger.command("seal")
@click.argument("year", type=YEAR)
@json_option
@domain_errors
def ledger_seal(year: int, as_json: bool) -> None:
    """The seal of a settled YEAR: the ledger chain's hash when it was settled (printed on
    its statements; `haiyan ledger verify` checks it against the chain)."""
    seal = sealed_year(year)
    if as_json:
        emit_json(
            {
                "year": seal.year,
                "seal": seal.hash,
                "entry": seal.entry_id,
                "sealed_at": clock.county_time(seal.sealed_at).isoformat(),
            }
        )
        return
    click.echo(
        f"seal of {seal.year}: {seal.hash} (the chain up to entry {seal.entry_id or '-'}, "
        f"sealed {clock.shown(seal.sealed_at)})"
    )


@click.command("adjust")
@with_appcontext
@click.argument("year", type=YEAR)
@click.option("--institution", required=True)
@click.option(
    "--amount", "amount_text", required=True, help="Yuan; negative: the institution owes."
)
@click.option("--corrects", type=YEAR, required=True, help="The settled year being corrected.")
@click.option("--reason", required=True)
@by_option
@domain_errors
def adjust(
    year: int, institution: str, amount_text: str, corrects: int, reason: str, by: str | None
) -> None:
    """Book a correction of a settled year as an adjustment in open YEAR (R15)."""
    value = amount(amount_text, "amount", allow_negative=True) or 0
    entry = book_adjustment(year, institution, value, corrects, reason, who(by))
    click.echo(f"adjustment #{entry} booked in {year} for {institution}: {fmt(value)}")
