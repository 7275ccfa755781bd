"""The crawler's county: the demo (3,000 records) in a database of its own, built once.

The crawl's forms change the county for real (a batch drawn, a year settled),
so the pages run on a database of their own, committed, not in the rolled-back
transaction of the other web tests. Roles are crawled in the module's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from haiyan_comp.app import create_app
from haiyan_comp.demo.users import DEMO_PASSWORD
from haiyan_comp.web.access import public
from tests.conftest import fresh_database
from tests.web.conftest import sign_in

RECORDS = 3000


@pytest.fixture(scope="module")
def crawl_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of the crawl's own (SQLite file, or a fresh PostgreSQL database)."""
    with fresh_database(tmp_path_factory.mktemp("crawl"), "crawl") as url:
        yield url


def _fault() -> str:
    raise RuntimeError("a fault on purpose: the 500 page")


@pytest.fixture(scope="module")
def crawl_app(crawl_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo county's app; a 500 is answered with the error page, as in production."""
    instance: Path = tmp_path_factory.mktemp("crawl-instance")
    app = create_app(
        {
            "DATABASE_URL": crawl_database,
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "JOBS_INLINE": True,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "SECRET_KEY": "crawl-only",
        }
    )
    app.instance_path = str(instance)
    app.add_url_rule("/crawl/fault", "crawl_fault", public(_fault))
    result = app.test_cli_runner().invoke(args=["demo", "--records", str(RECORDS)])
    assert result.exit_code == 0, result.output
    app.config["CRAWL_STAGES"] = set()
    yield app
    app.extensions["haiyan_db"]["engine"].dispose()


@pytest.fixture(scope="module")
def person(crawl_app: Flask) -> Iterator[object]:
    """A factory of clients signed in as a demo login."""

    def make(username: str) -> FlaskClient:
        client = crawl_app.test_client()
        sign_in(client, username, DEMO_PASSWORD)
        return client

    yield make


def haiyan(app: Flask, *args: str) -> str:
    """Run a `haiyan` command on the crawl's county; its output."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (args, result.output)
    return str(result.output)


def _draw(app: Flask, institution: str, seed: str) -> tuple[int, list[str]]:
    import json

    drawn = json.loads(
        haiyan(app, "audit", "draw", "--year", "2018", "--institution", institution,
               "--item", "OP", "--size", "4", "--seed", seed, "--json")
    )  # fmt: skip
    return int(drawn["batch"]), list(drawn["sample"])


def stage(app: Flask, name: str) -> None:
    """Bring the county to a stage of its year (each stage once, in order of the crawl):

    - "audits": a closed batch with a failed record (HY01) and an open one half judged (HY02);
    - "audited": the open batch judged and closed;
    - "settled": 2018 settled (if the finance crawl did not), assessed, the bonus computed;
    - "slips": HY01's pay sheet entered (its staff's slips).
    """
    done: set[str] = app.config["CRAWL_STAGES"]
    if name in done:
        return
    done.add(name)
    if name == "audits":
        batch, sample = _draw(app, "HY01", "20190105")
        for number, source_id in enumerate(sample):
            verdict = ["--fail", "--reason", "病历缺失"] if number == 0 else ["--pass"]
            haiyan(app, "audit", "verdict", str(batch), source_id, *verdict)
        haiyan(app, "audit", "close", str(batch))
        batch, sample = _draw(app, "HY02", "20190106")
        haiyan(app, "audit", "verdict", str(batch), sample[0], "--fail", "--reason", "无签名")
        app.config["CRAWL_OPEN_BATCH"] = (batch, sample)
    elif name == "audited":
        batch, sample = app.config["CRAWL_OPEN_BATCH"]
        for source_id in sample[1:]:
            app.test_cli_runner().invoke(args=["audit", "verdict", str(batch), source_id, "--pass"])
        app.test_cli_runner().invoke(args=["audit", "close", str(batch)])
    elif name == "slips":  # HY01 enters its pay sheet: its staff have slips to read
        from tests.web.conftest import post_form

        centre = app.test_client()
        sign_in(centre, "hy01", DEMO_PASSWORD)
        answer = post_form(centre, "/centre/bonus/2018/paysheet", {"performance_pay": "60,000.00"})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    elif name == "settled":
        app.test_cli_runner().invoke(args=["settle", "2018", "--as-of", "2019-01-15"])
        for code in ("HY01", "HY02", "HY03"):
            haiyan(app, "assess", "set", "2018", "--institution", code,
                   "--score", "900", "--surplus", "120000")  # fmt: skip
