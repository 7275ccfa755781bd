"""The application factory: a short list of register_* calls."""

from __future__ import annotations

from typing import Any

from flask import Flask

from haiyan_comp.config import load_config
from haiyan_comp.db import db


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, commands."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(app.instance_path, overrides))
    register_database(app)
    register_web(app)
    register_commands(app)
    return app


def register_database(app: Flask) -> None:
    """The instance folder (for SQLite) and the engine."""
    from pathlib import Path

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)


def register_web(app: Flask) -> None:
    """The public pages; pages with data and the API arrive with sign-in."""
    from haiyan_comp.web.views import bp

    app.register_blueprint(bp)


def register_commands(app: Flask) -> None:
    """Each domain's commands under the `haiyan` group."""
    from haiyan_comp.audit.commands import audit
    from haiyan_comp.bonus.commands import assess, bonus, paysheet
    from haiyan_comp.budget.commands import (
        baseline_group,
        prepay_group,
        scheduler_group,
        year_group,
    )
    from haiyan_comp.catalogue.commands import catalog
    from haiyan_comp.db_commands import db_group
    from haiyan_comp.demo.commands import demo
    from haiyan_comp.institutions.commands import institutions, staff
    from haiyan_comp.records.commands import records
    from haiyan_comp.settlement.commands import adjust, ledger, settle
    from haiyan_comp.units.commands import units

    for command in (
        db_group, catalog, institutions, staff, records, units, audit,
        year_group, baseline_group, prepay_group, settle, ledger, adjust, scheduler_group,
        assess, bonus, paysheet, demo,
    ):  # fmt: skip
        app.cli.add_command(command)
