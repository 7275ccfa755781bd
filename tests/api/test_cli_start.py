"""The `haiyan` command builds the web layer only for the commands that serve pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from haiyan_comp import app as app_module
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
