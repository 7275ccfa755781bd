"""`haiyan statement Y --institution K|--all --out PATH`, notice, audit, slip and verify.

Each command imports the operations and the renderer it runs when it runs: `verify`
of a signed statement needs neither reportlab nor the other documents' queries.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from haiyan_comp.cli import ID, YEAR, IsoDate, amount, domain_errors


class StatementGroup(AppGroup):
    """`statement YEAR ...` makes statements; `statement notice|verify ...` the rest."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Route anything that is not a subcommand to `make`."""
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["make", *args]
        return super().parse_args(ctx, args)


@click.group("statement", cls=StatementGroup)
def statement() -> None:
    """Statements, notices, audit reports and bonus slips as PDF (Simplified Chinese, A4).

    `haiyan statement YEAR ...` is short for `haiyan statement make YEAR ...`.
    """


def _county() -> str:
    return str(current_app.config["COUNTY_NAME"])


institution_option = click.option("--institution", default=None, help="One institution's code.")
all_option = click.option("--all", "every", is_flag=True, help="Every institution, and a zip.")
out_option = click.option("--out", "out", required=True, type=click.Path(path_type=Path))


@statement.command("make")
@with_appcontext
@click.argument("year", type=YEAR)
@institution_option
@all_option
@out_option
@domain_errors
def make(year: int, institution: str | None, every: bool, out: Path) -> None:
    """Write the settlement statement(s) of settled YEAR."""
    from haiyan_comp.operations import statements as operations
    from haiyan_comp.statements.render import render_settlement

    _one_of(institution, every)

    if institution is not None:
        now = datetime.now(UTC)
        data = {institution: operations.settlement_statement(year, institution, _county(), now)}
    else:  # the whole year read once, not once per institution
        every_one = operations.settlement_statements(year, _county(), datetime.now(UTC))
        data = {statement.institution_code: statement for statement in every_one}

    def pdf(code: str) -> bytes:
        return render_settlement(data[code])

    codes = None if institution else list(data)
    _write(pdf, institution, codes, out, f"statement-{year}")


@statement.command("notice")
@with_appcontext
@click.option("--as-of", "as_of", type=IsoDate(), required=True, help="The prepayment run's date.")
@institution_option
@all_option
@out_option
@domain_errors
def notice(as_of: date, institution: str | None, every: bool, out: Path) -> None:
    """Write the prepayment notice(s) of the run of --as-of."""
    from haiyan_comp.operations import statements as operations
    from haiyan_comp.statements.notice import render_notice

    _one_of(institution, every)

    def pdf(code: str) -> bytes:
        now = datetime.now(UTC)
        return render_notice(operations.prepayment_notice(as_of, code, _county(), now))

    codes = None if institution else operations.notice_codes(as_of)
    _write(pdf, institution, codes, out, f"notice-{as_of}")


def _one_of(institution: str | None, every: bool) -> None:
    if every == (institution is not None):
        raise click.UsageError("give exactly one of --institution K and --all")


def _file(out: Path, name: str) -> Path:
    """Where one document goes: into --out when it names a folder (as --all names its
    files), else to --out itself, its folder made if need be."""
    if out.is_dir():
        return out / name
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _write(
    pdf: Callable[[str], bytes], institution: str | None, codes: list[str] | None, out: Path,
    stem: str,
) -> None:  # fmt: skip
    """One file for --institution; one file per institution and a zip of them for --all."""
    if institution is not None:
        out = _file(out, f"{stem}-{institution}.pdf")
        out.write_bytes(pdf(institution))
        click.echo(f"{stem} of {institution} written to {out}")
        return
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"{stem}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for code in codes or []:
            path = out / f"{stem}-{code}.pdf"
            path.write_bytes(pdf(code))
            zipped.write(path, path.name)
            click.echo(f"{stem} of {code} written to {path}")
    click.echo(f"all of them zipped in {archive}")


@statement.command("audit")
@with_appcontext
@click.argument("batch_id", metavar="[BATCH]", type=ID, required=False)
@click.option("--year", type=YEAR, default=None, help="With --all: every closed batch of YEAR.")
@all_option
@out_option
@domain_errors
def audit(batch_id: int | None, year: int | None, every: bool, out: Path) -> None:
    """Write the report of closed audit BATCH, or of every closed batch of --year with --all."""
    from haiyan_comp.operations import statements as operations
    from haiyan_comp.statements.audit_report import render_audit_report

    if every == (batch_id is not None) or every != (year is not None):
        raise click.UsageError("give BATCH, or --year Y --all")

    def pdf(batch: str) -> bytes:
        return render_audit_report(
            operations.audit_report(int(batch), _county(), datetime.now(UTC))
        )

    if batch_id is not None:
        _write(pdf, str(batch_id), None, out, "audit-report")
        return
    batches = operations.closed_batches(year) if year is not None else []
    _write(pdf, None, [str(b) for b in batches], out, f"audit-report-{year}")


@statement.command("slip")
@with_appcontext
@click.argument("year", type=YEAR)
@click.option("--institution", required=True, help="The institution's code.")
@click.option("--performance-pay", required=True, help="Performance-pay total T, yuan.")
@out_option
@domain_errors
def slip(year: int, institution: str, performance_pay: str, out: Path) -> None:
    """Write the staff bonus slips of an institution's settled YEAR (R18, R19)."""
    from haiyan_comp.operations import statements as operations
    from haiyan_comp.statements.slip import render_slips

    total = amount(performance_pay, "performance pay") or 0
    data = operations.bonus_slips(year, institution, total, _county(), datetime.now(UTC))
    out = _file(out, f"bonus-slips-{year}-{institution}.pdf")
    out.write_bytes(render_slips(data))
    click.echo(f"bonus slips of {institution} for {year} written to {out}")


@statement.command("verify")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@domain_errors
def verify(file: Path) -> None:
    """Check a document PDF: the county's signature, the printed figures and the embedded
    figures against the books. One line says what holds; exit 1 unless everything does."""
    from haiyan_comp.operations.verification import verify_document

    found = verify_document(file.read_bytes(), _county(), datetime.now(UTC))
    signature = _SIGNATURE[found.signature.state].format(detail=found.signature.detail)
    if found.number is None:
        _refuse(f"{file} carries no statement figures: not a haiyan statement ({signature})")
    parts = [signature, _PRINTED[found.printed].format(change=found.printed_change)]
    parts.append(_EMBEDDED[found.embedded])
    line = f"{file} ({found.number}) " + (
        "matches the database: " if found.holds else "does not hold: "
    )
    if found.holds:
        click.echo(line + "; ".join(parts))
        return
    if found.changes and found.embedded == "differs":
        line = f"{file} ({found.number}) no longer matches the database: "
    click.secho(line + "; ".join(parts), fg="red", err=True)
    for change in found.changes:
        click.secho(f"  {change}", fg="red", err=True)
    sys.exit(1)


_SIGNATURE = {
    "valid": "signed by the county and unchanged since",
    "broken": "signature broken ({detail})",
    "absent": "unsigned",
}
_PRINTED = {
    "match": "printed figures match the books",
    "changed": "printed figures changed: {change}",
}
_EMBEDDED = {
    "match": "embedded figures match the books",
    "changed": "embedded figures changed (they no longer match their own SHA-256)",
    "differs": "embedded figures differ from the books",
}


def _refuse(message: str) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)
