"""The `haiyan` command builds the web layer only for the commands that serve pages, and
loads only the libraries the command it runs needs (issue 17: a command's start-up)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from pypdf import PdfWriter

from haiyan_comp import app as app_module
from haiyan_comp import migrate
from haiyan_comp.cli import cli


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each app the command line built had its pages and API."""
    webs: list[bool] = []
    apps: list[Flask] = []
    real = app_module.create_app

    def spy(*args: Any, web: bool = True, **kwargs: Any) -> Any:
        webs.append(web)
        apps.append(real(*args, web=web, **kwargs))
        return apps[-1]

    monkeypatch.setattr(app_module, "create_app", spy)
    yield webs
    for app in apps:  # close its connections now, not when it is collected
        app.extensions["haiyan_db"]["engine"].dispose()


def invoke(database_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    return result.output


def test_routes_lists_the_pages_and_the_api(database_url: str, built: list[bool]) -> None:
    output = invoke(database_url, "routes")
    assert "centre.upload" in output and "/api/v1/records" in output
    assert built == [True]


def test_a_domain_command_leaves_the_web_layer_out(database_url: str, built: list[bool]) -> None:
    output = invoke(database_url, "units", "--year", "2018", "--json")
    assert '"year": 2018' in output
    assert built == [False]


# What each command loads, seen from outside: a `haiyan` process run to its end, then the
# top-level packages it imported. A library loaded for nothing costs every run its start-up.
LOADED = """
import atexit, sys
out = sys.argv.pop()
atexit.register(lambda: open(out, "w").write(" ".join({m.split(".")[0] for m in sys.modules})))
from haiyan_comp.cli import main
sys.argv[0] = "haiyan"
main()
"""
NEVER_FOR_EXPLAIN = {"pyhanko", "aiohttp", "pypdf", "reportlab", "marshmallow", "xlsxwriter",
                     "openpyxl", "zxcvbn"}  # fmt: skip
NEVER_FOR_VERIFY = {"reportlab", "marshmallow", "xlsxwriter", "openpyxl", "zxcvbn"}


def loaded(database_url: str, tmp_path: Path, *args: str) -> tuple[set[str], str]:
    """Run `haiyan ARGS` in a process of its own: the packages it loaded, and its output."""
    out = tmp_path / "modules.txt"
    env = {**os.environ, "DATABASE_URL": database_url, "HAIYAN_INSTANCE": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", LOADED, *args, str(out)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.exists(), done.stderr
    return set(out.read_text().split()), done.stdout + done.stderr


def test_explain_loads_no_pdf_json_schema_or_workbook_library(
    database_url: str, tmp_path: Path
) -> None:
    modules, output = loaded(database_url, tmp_path, "explain", "2018", "--institution", "HY99")
    assert "error:" in output  # no such institution: the command ran its query
    assert "sqlalchemy" in modules and "flask" in modules
    assert not modules & NEVER_FOR_EXPLAIN


def test_verify_loads_the_signature_check_but_renders_nothing(
    database_url: str, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with plain.open("wb") as file:
        writer.write(file)
    modules, output = loaded(database_url, tmp_path, "statement", "verify", str(plain))
    assert "carries no statement figures" in output
    assert "pyhanko" in modules  # the signature is checked
    assert not modules & NEVER_FOR_VERIFY


def test_an_import_on_sqlite_loads_no_password_checker_and_no_postgresql_driver(
    tmp_path: Path,
) -> None:
    """`haiyan records import` is run by the thousand from a county's scripts: its start
    carries neither zxcvbn nor, on SQLite, psycopg (0.4 G instructions of each start).
    The import records its batch, so it writes to a database of its own."""
    url = f"sqlite:///{tmp_path / 'imports.sqlite3'}"
    migrate.upgrade(url)
    rows = tmp_path / "records.csv"
    rows.write_text(
        "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
        "A1,HY99,S1,OP,2018-01-02,r1,1\n",
        encoding="utf-8",
    )
    modules, output = loaded(url, tmp_path, "records", "import", str(rows))
    assert "1 rejected" in output  # the row was read and checked
    assert "sqlite3" in modules
    assert not modules & {"zxcvbn", "psycopg", "reportlab", "xlsxwriter", "openpyxl"}


def test_help_lists_every_command_with_its_own_line_and_builds_no_pages(
    database_url: str, built: list[bool]
) -> None:
    """`haiyan --help` reads each command's line from app.SUMMARIES instead of importing
    every command (and building the web layer): each line must be the command's own."""
    import importlib

    from haiyan_comp.app import COMMANDS, SUMMARIES

    assert set(SUMMARIES) == set(COMMANDS)
    for name, spec in COMMANDS.items():
        module, attribute = spec.split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert SUMMARIES[name] == command.get_short_help_str(200), name
    output = invoke(database_url, "--help")
    for name in COMMANDS:
        assert f"\n  {name} " in output, name
    assert "Units of a year per institution" in output
    assert built == [False]


def test_help_imports_no_command_module(database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "modules.txt"
    script = LOADED.replace('m.split(".")[0] for m in sys.modules', "m for m in sys.modules")
    env = {**os.environ, "DATABASE_URL": database_url, "HAIYAN_INSTANCE": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script, "--help", str(out)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Commands:" in done.stdout, done.stderr
    modules = set(out.read_text().split())
    assert not {m for m in modules if m.startswith("haiyan_comp.commands.")}
    assert "haiyan_comp.web" not in modules


def test_the_console_script_imports_without_the_collector_then_runs_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`haiyan` is haiyan_comp.launch:main: the libraries are imported with the cyclic
    collector off and frozen out of its sight, and the command itself runs with it on."""
    import gc
    import tomllib
    import types

    from haiyan_comp import launch

    scripts = tomllib.loads(Path("pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["haiyan"] == "haiyan_comp.launch:main"
    seen: dict[str, Any] = {}

    def command() -> None:
        seen.update(running=gc.isenabled(), frozen=gc.get_freeze_count())

    class Imported(types.ModuleType):  # stands for haiyan_comp.cli while it is imported
        def __getattr__(self, name: str) -> Any:
            seen["importing"] = gc.isenabled()
            return command

    monkeypatch.setitem(sys.modules, "haiyan_comp.cli", Imported("haiyan_comp.cli"))
    gc.unfreeze()  # whatever an earlier test froze: this one counts launch's own
    try:
        launch.main()
    finally:
        gc.unfreeze()  # this test's process goes on collecting as before
    assert seen == {"importing": False, "running": True, "frozen": seen["frozen"]}
    assert seen["frozen"] > 0


def test_the_instance_folder_may_be_named_relative_or_left_empty(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """HAIYAN_INSTANCE=county is ./county; HAIYAN_INSTANCE= (empty) is the default folder.
    Both stopped every command before, with Flask's "must be absolute"."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HAIYAN_INSTANCE", "county")
    relative = app_module.create_app({"DATABASE_URL": "sqlite://"}, web=False)
    monkeypatch.setenv("HAIYAN_INSTANCE", "")
    empty = app_module.create_app({"DATABASE_URL": "sqlite://"}, web=False)
    monkeypatch.delenv("HAIYAN_INSTANCE")
    unset = app_module.create_app({"DATABASE_URL": "sqlite://"}, web=False)
    for app in (relative, empty, unset):
        app.extensions["haiyan_db"]["engine"].dispose()
    assert relative.instance_path == str(tmp_path / "county")
    assert (tmp_path / "county").is_dir()
    assert empty.instance_path == unset.instance_path != str(tmp_path)
