"""`haiyan audit …`: draw, verdict, close, show, list, flags, findings (R5–R8)."""

from __future__ import annotations

import getpass
import io
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from haiyan_comp import bounds
from haiyan_comp.api.schemas_audit import (
    batch_document,
    batches_document,
    close_document,
    draw_document,
    findings_document,
    verdict_document,
)
from haiyan_comp.audit.messages import GIVE_VERDICT
from haiyan_comp.cli import (
    ID,
    YEAR,
    IsoDate,
    domain_errors,
    emit_json,
    json_option,
    write_xlsx,
    xlsx_option,
)
from haiyan_comp.errors import InvalidInput
from haiyan_comp.money import format_hundredths as _fmt
from haiyan_comp.operations import audit as operations
from haiyan_comp.tabular import Figure, csv_writer

# Each command calls one operation, which owns its transaction; `domain_errors` turns a
# domain error into a message and exit status 1.


def _default_by() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in this environment
        return "cli"


by_option = click.option(
    "--by",
    default=_default_by,
    show_default="cli:<your user name>",
    help="Who does this, for the audit trail.",
)


@click.group("audit", cls=AppGroup)
def audit() -> None:
    """Random audits (R5–R8) and automatic checks on the records."""


@audit.command("draw")
@click.option("--year", type=YEAR, required=True)
@click.option("--institution", "institution_code", required=True, help="Institution code.")
@click.option("--item", "item_code", required=True, help="Item code in the year's catalogue.")
@click.option(
    "--size",
    type=click.IntRange(max=bounds.ID.highest),
    required=True,
    help="Sample size n (1 ≤ n ≤ N).",
)
@click.option("--seed", required=True, help="The published seed (1–200 characters).")
@click.option("--from", "date_from", type=IsoDate(), default=None, help="First service date.")
@click.option("--to", "date_to", type=IsoDate(), default=None, help="Last service date.")
@click.option("--flagged-only", is_flag=True, help="Sample only records the checks flag.")
@by_option
@json_option
@domain_errors
def draw(
    year: int,
    institution_code: str,
    item_code: str,
    size: int,
    seed: str,
    date_from: date | None,
    date_to: date | None,
    flagged_only: bool,
    by: str,
    as_json: bool,
) -> None:
    """Freeze a stratum's population and draw a reproducible sample (R5, R6)."""
    result = operations.draw(
        year=year, institution=institution_code, item=item_code, size=size, seed=seed,
        date_from=date_from, date_to=date_to, flagged_only=flagged_only, by=by,
    )  # fmt: skip
    document = draw_document(result)
    if as_json:
        emit_json(document)
        return
    kind = " (flagged records only)" if flagged_only else ""
    click.echo(
        f"audit batch {document['batch']}: {institution_code} {item_code} "
        f"{document['from']} to {document['to']}{kind}: N = {document['N']} records, "
        f"U = {document['U']} units; sample of {size} by seed {seed!r}:"
    )
    for rank, source_id in enumerate(result.sample, start=1):
        click.echo(f"  {rank:>4}  {source_id}")


@audit.command("verdict")
@click.argument("batch_id", metavar="BATCH", type=ID)
@click.argument("source_id")
@click.option("--pass", "outcome", flag_value="pass", help="The record passes.")
@click.option("--fail", "outcome", flag_value="fail", help="The record fails (needs --reason).")
@click.option("--reason", default=None, help="Why it fails.")
@click.option("--staff", "staff_code", default=None, help="Responsible staff, if not the record's.")
@by_option
@json_option
@domain_errors
def verdict(
    batch_id: int,
    source_id: str,
    outcome: str | None,
    reason: str | None,
    staff_code: str | None,
    by: str,
    as_json: bool,
) -> None:
    """Record or change the verdict on a sampled record of an open batch (R7)."""
    if outcome is None:
        raise InvalidInput(GIVE_VERDICT())
    result = operations.judge(batch_id, source_id, outcome, reason=reason, staff=staff_code, by=by)
    if as_json:
        emit_json(verdict_document(result))
        return
    what = outcome + (f" ({result.reason})" if result.reason else "")
    change = "recorded" if result.changed else "unchanged"
    click.echo(
        f"audit batch {batch_id}, record {source_id}: {what}, responsible {result.staff} "
        f"[{change}]; {result.pending} sampled records still without a verdict"
    )


@audit.command("close")
@click.argument("batch_id", metavar="BATCH", type=ID)
@by_option
@json_option
@domain_errors
def close(batch_id: int, by: str, as_json: bool) -> None:
    """Close a batch whose sampled records all have a verdict; fix D (R7)."""
    closure = operations.close(batch_id, by=by)
    document = close_document(closure)
    if as_json:
        emit_json(document)
        return
    click.echo(
        f"audit batch {closure.batch} closed: {closure.failed} of {closure.size} sampled records "
        f"failed; D = round({document['U']} × {closure.failed} ÷ {closure.size}) = "
        f"{document['deduction']} units deducted (R7, R8)"
    )


@audit.command("show")
@click.argument("batch_id", metavar="BATCH", type=ID)
@json_option
@xlsx_option
@domain_errors
def show(batch_id: int, as_json: bool, xlsx: Path | None) -> None:
    """A batch: its stratum, N, U, the sample with verdicts, and the trail."""
    document = batch_document(operations.batch(batch_id))
    write_xlsx("audit_batch", document, xlsx)
    if as_json:
        emit_json(document)
        return
    _echo_batch(document)
    click.echo(f"{'rank':>6}  {'source id':<24}{'date':<12}{'staff':<10}{'verdict':<9}reason")
    for s in document["sample"]:
        responsible = s["responsible"] or s["staff"]
        click.echo(
            f"{s['rank']:>6}  {s['source_id']:<24}{s['service_date']:<12}{responsible:<10}"
            f"{s['verdict'] or '—':<9}{s['reason'] or ''}"
        )
    if document["trail"]:
        click.echo(f"trail: {len(document['trail'])} changes (--json lists them)")


@audit.command("population")
@click.argument("batch_id", metavar="BATCH", type=ID)
@domain_errors
def population_command(batch_id: int) -> None:
    """The frozen population of a batch as CSV: source_id,purchasable (to recompute R6)."""
    buffer = io.StringIO()
    out = csv_writer(buffer, lineterminator="\n")
    out.writerow(("source_id", "purchasable"))
    written = 0

    def write(source_id: str, purchasable: int) -> None:
        nonlocal written
        out.writerow((source_id, Figure(_fmt(purchasable))))
        written += 1
        if written % 10_000 == 0:
            click.echo(buffer.getvalue(), nl=False)
            buffer.seek(0)
            buffer.truncate()

    operations.population(batch_id, write)
    click.echo(buffer.getvalue(), nl=False)


@audit.command("list")
@click.option("--year", type=YEAR, required=True)
@click.option("--institution", "institution_code", default=None, help="One institution's code.")
@json_option
@xlsx_option
@domain_errors
def list_command(year: int, institution_code: str | None, as_json: bool, xlsx: Path | None) -> None:
    """The audit batches of a year."""
    batches = operations.batches(year, institution_code)
    document = batches_document(year, batches)
    write_xlsx("audit_batches", document, xlsx)
    if as_json:
        emit_json(document)
        return
    if not batches:
        click.echo(f"no audit batches in {year}")
    for batch in document["batches"]:
        _echo_batch(batch)


def _echo_batch(b: dict[str, Any]) -> None:
    kind = ", flagged only" if b["stratum"] == "flagged" else ""
    state = (
        f"closed: {b['failed']} of {b['n']} failed, D = {b['deduction']}"
        if b["state"] == "closed"
        else f"open: {b['pending']} of {b['n']} without a verdict"
    )
    click.echo(
        f"batch {b['batch']}  {b['institution']} {b['item']} {b['from']} to {b['to']}{kind}  "
        f"N = {b['N']}, U = {b['U']}, n = {b['n']}, seed {b['seed']!r}  [{state}]"
    )


@audit.command("flags")
@click.option("--year", type=YEAR, required=True)
@click.option("--institution", "institution_code", default=None, help="One institution's code.")
@click.option(
    "--limit", type=click.IntRange(min=0), default=1000, show_default=True, help="Flags listed."
)
@json_option
@xlsx_option
@domain_errors
def flags(
    year: int, institution_code: str | None, limit: int, as_json: bool, xlsx: Path | None
) -> None:
    """Automatic checks: records flagged (never rejected), with counts per institution and staff."""
    report = operations.flags(year, institution_code, limit)
    write_xlsx("flags", {**report, "year": year}, xlsx)
    if as_json:
        emit_json(report)
        return
    rules = report["rules"]
    header = f"{'':<12}" + "".join(f"{rule:>20}" for rule in rules) + f"{'records':>10}"
    for title, rows in (("institution", report["institutions"]), ("staff", report["staff"])):
        click.secho(f"flags of {year} per {title}", bold=True)
        click.echo(header)
        for row in rows:
            counts = "".join(f"{row[rule]:>20}" for rule in rules)
            click.echo(f"{row['code']:<12}{counts}{row['records']:>10}")
    for flag in report["flags"]:
        click.echo(f"{flag['rule']:<20}{flag['institution']:<6}{flag['source_id']:<24}"
                   f"{flag['detail']}")  # fmt: skip
    total = sum(report["totals"][rule] for rule in rules)
    if total > report["listed"]:
        click.echo(f"… {report['listed']} of {total} flags listed (--limit)")


@audit.command("findings")
@click.option("--year", type=YEAR, required=True)
@click.option("--institution", "institution_code", default=None, help="One institution's code.")
@click.option("--staff", "staff_code", default=None, help="One staff member's code.")
@json_option
@xlsx_option
@domain_errors
def findings_command(
    year: int,
    institution_code: str | None,
    staff_code: str | None,
    as_json: bool,
    xlsx: Path | None,
) -> None:
    """Failed verdicts per responsible staff member, and deductions per batch."""
    report = findings_document(operations.failures(year, institution_code, staff_code))
    write_xlsx("findings", report, xlsx)
    if as_json:
        emit_json(report)
        return
    for person in report["staff"]:
        click.secho(
            f"{person['code']} {person['name']} ({person['institution']}): {person['failed']} "
            f"failed, {person['deducted']} units deducted",
            bold=True,
        )
        for v in person["verdicts"]:
            click.echo(f"  batch {v['batch']} {v['item']} {v['source_id']} {v['service_date']}: "
                       f"{v['reason']} [{v['batch_state']}]")  # fmt: skip
    for institution in report["institutions"]:
        click.secho(f"{institution['code']}: {institution['deducted']} units deducted", bold=True)
        for b in institution["batches"]:
            click.echo("  ", nl=False)
            _echo_batch(b)
