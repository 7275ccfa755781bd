"""The application factory: a short list of register_* calls."""

from __future__ import annotations

from typing import Any

from flask import Flask

from haiyan_comp.config import load_config
from haiyan_comp.db import db


def create_app(overrides: dict[str, Any] | None = None, *, web: bool = True) -> Flask:
    """Build the app: settings, database, pages and API (unless `web` is False), commands."""
    import os

    # HAIYAN_INSTANCE moves the instance folder (SQLite file, secret key, job files).
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("HAIYAN_INSTANCE"),
        static_folder="web/static",
    )
    app.config.update(load_config(app.instance_path, overrides))
    register_database(app)
    if web:
        register_web(app)
    register_commands(app)
    return app


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
    "db": "haiyan_comp.db_commands:db_group",
    "catalog": "haiyan_comp.catalogue.commands:catalog",
    "institutions": "haiyan_comp.institutions.commands:institutions",
    "staff": "haiyan_comp.institutions.commands:staff",
    "records": "haiyan_comp.records.commands:records",
    "units": "haiyan_comp.units.commands:units",
    "audit": "haiyan_comp.audit.commands:audit",
    "year": "haiyan_comp.budget.commands:year_group",
    "baseline": "haiyan_comp.budget.commands:baseline_group",
    "prepay": "haiyan_comp.budget.commands:prepay_group",
    "scheduler": "haiyan_comp.budget.commands:scheduler_group",
    "settle": "haiyan_comp.settlement.commands:settle",
    "ledger": "haiyan_comp.settlement.commands:ledger",
    "adjust": "haiyan_comp.settlement.commands:adjust",
    "assess": "haiyan_comp.bonus.commands:assess",
    "bonus": "haiyan_comp.bonus.commands:bonus",
    "paysheet": "haiyan_comp.bonus.commands:paysheet",
    "statement": "haiyan_comp.statements.commands:statement",
    "demo": "haiyan_comp.demo.commands:demo",
    "users": "haiyan_comp.accounts.commands:users",
    "tokens": "haiyan_comp.accounts.commands:tokens",
    "jobs": "haiyan_comp.web.jobs:jobs_group",
}


def register_commands(app: Flask) -> None:
    """Each domain's commands under the `haiyan` group, loaded on first use."""
    from haiyan_comp.cli import LazyCommands

    app.cli = LazyCommands(lazy=COMMANDS, name=app.name)
