"""The application factory: a short list of register_* calls."""

from __future__ import annotations

from typing import Any

from flask import Flask

from haiyan_comp import clock
from haiyan_comp.config import load_config
from haiyan_comp.db import db


def create_app(overrides: dict[str, Any] | None = None, *, web: bool = True) -> Flask:
    """Build the app: settings, database, pages and API (unless `web` is False), commands."""
    import os

    # HAIYAN_INSTANCE moves the instance folder (SQLite file, secret key, job files); a
    # relative path is taken from the working directory, an empty one is no setting.
    moved = os.environ.get("HAIYAN_INSTANCE")
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.path.abspath(moved) if moved else None,
        static_folder="web/static",
    )
    app.config.update(load_config(app.instance_path, overrides))
    clock.configure(str(app.config["TIMEZONE"]))
    configure_signing(app)
    register_database(app)
    if web:
        register_web(app)
    register_commands(app)
    if web:
        # What building the app made (routes, templates, catalogues, schemas) lives as long
        # as the process: a full garbage collection need not walk it on every big request.
        import gc

        gc.freeze()
    return app


def configure_signing(app: Flask) -> None:
    """The county's signing key: HAIYAN_SIGNING_KEY, else instance/signing/county.p12."""
    import os
    from pathlib import Path

    from haiyan_comp.signing import pdf

    path = app.config.get("COUNTY_KEY") or Path(app.instance_path) / "signing" / "county.p12"
    passphrase = app.config.get("COUNTY_KEY_PASSPHRASE") or os.environ.get(
        "HAIYAN_SIGNING_PASSPHRASE"
    )
    pdf.configure(Path(path), passphrase, app)


def register_database(app: Flask) -> None:
    """The instance folder (for SQLite) and the engine."""
    from pathlib import Path

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)


def register_web(app: Flask) -> None:
    """Pages for people, /api/v1 for machines, sign-in and access rules for both."""
    from haiyan_comp.web.setup import init_web

    init_web(app)


# Each domain's commands, imported only when one of them runs (see LazyCommands).
COMMANDS = {
    "db": "haiyan_comp.commands.db:db_group",
    "catalog": "haiyan_comp.commands.catalogue:catalog",
    "institutions": "haiyan_comp.commands.institutions:institutions",
    "staff": "haiyan_comp.commands.institutions:staff",
    "records": "haiyan_comp.commands.records:records",
    "units": "haiyan_comp.commands.units:units",
    "audit": "haiyan_comp.commands.audit:audit",
    "year": "haiyan_comp.commands.budget:year_group",
    "baseline": "haiyan_comp.commands.budget:baseline_group",
    "prepay": "haiyan_comp.commands.budget:prepay_group",
    "scheduler": "haiyan_comp.commands.budget:scheduler_group",
    "settle": "haiyan_comp.commands.settlement:settle",
    "ledger": "haiyan_comp.commands.settlement:ledger",
    "adjust": "haiyan_comp.commands.settlement:adjust",
    "assess": "haiyan_comp.commands.bonus:assess",
    "bonus": "haiyan_comp.commands.bonus:bonus",
    "paysheet": "haiyan_comp.commands.bonus:paysheet",
    "statement": "haiyan_comp.commands.statements:statement",
    "explain": "haiyan_comp.commands.explain:explain",
    "demo": "haiyan_comp.commands.demo:demo",
    "users": "haiyan_comp.commands.accounts:users",
    "tokens": "haiyan_comp.commands.accounts:tokens",
    "jobs": "haiyan_comp.web.jobs:jobs_group",
    "keys": "haiyan_comp.commands.keys:keys_group",
    "worker": "haiyan_comp.commands.worker:worker",
}

# Each command's one line of `haiyan --help`, so that listing the commands imports none of
# them (tests/api/test_cli_start.py checks each against its command's own help).
SUMMARIES = {
    "db": "Create or upgrade the database schema.",
    "catalog": "The catalogue of service items of a year (R1).",
    "institutions": "Township institutions.",
    "staff": "Staff members of the institutions.",
    "records": "Service records (R2, R3).",
    "units": "Units of a year per institution and item: gross, over-spec, purchasable, verified.",
    "audit": "Random audits (R5–R8) and automatic checks on the records.",
    "year": "A scheme year's budget and price (R10).",
    "baseline": "R9 baselines for years whose previous year is not in the system.",
    "prepay": "Staged prepayment (R11, R12).",
    "scheduler": "The daily prepayment job, started on purpose (never inside web workers).",
    "settle": "Settle YEAR once (R13, R14); --dry-run shows the same figures first.",
    "ledger": "List ledger entries (every money movement, append-only).",
    "adjust": "Book a correction of a settled year as an adjustment in open YEAR (R15).",
    "assess": "Assessment scores and surpluses of settled years (R16).",
    "bonus": "Efficiency bonus of settled years (R17, R18): `haiyan bonus YEAR [--institution K]`.",
    "paysheet": (
        "Split performance pay 4 : 6 (basic : incentive by R18's weights); the bonus apart (R19)."
    ),
    "statement": (
        "Statements, notices, audit reports and bonus slips as PDF (Simplified Chinese, A4)."
    ),
    "explain": (
        "How INSTITUTION's final amount of YEAR came to be, down to items and audit batches."
    ),
    "demo": "Load a demo county: 9 institutions, their staff, the catalogue, its years of records.",
    "users": "People who sign in to the web application.",
    "tokens": "API tokens for machines (the regional health-information platform).",
    "jobs": "Long work started from the pages: its files (instance/jobs/) and rows.",
    "keys": "The county's signing key: every document is signed with it.",
    "worker": (
        "Take jobs from the queue in PostgreSQL and run them, until stopped (SIGTERM or Ctrl-C)."
    ),
}


def register_commands(app: Flask) -> None:
    """Each domain's commands under the `haiyan` group, loaded on first use."""
    from haiyan_comp.cli import LazyCommands

    app.cli = LazyCommands(lazy=COMMANDS, name=app.name)
