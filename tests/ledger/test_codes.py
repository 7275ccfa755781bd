"""Descriptions by code at the source (issue 15): what the services book is a ledger message
and its parameters, never an English sentence read back; machines get the code, the
parameters and the hash beside the English; the demo's people have Chinese names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.accounts.models import User
from haiyan_comp.ledger.descriptions import describe
from haiyan_comp.ledger.models import LedgerEntry
from tests.ledger.test_books import worked_example_books
from tests.web.conftest import read, sign_in

CODES = {
    "instalment": {"ledger_instalment", "ledger_instalment_offset"},
    "settlement": {"ledger_settlement"},
    "top_up": {"ledger_top_up"},
    "debt": {"ledger_debt"},
    "risk_fund_draw": {"ledger_risk_fund_draw"},
    "adjustment": {"ledger_adjustment"},
}


def booked(entries: list[LedgerEntry]) -> set[str]:
    """Every entry's kind, asserting it has its kind's code and that its English reads as
    it always did (the old sentences' reader gives back exactly the stored code and
    parameters)."""
    for entry in entries:
        assert entry.code in CODES[entry.kind], (entry.id, entry.kind, entry.code, entry.reason)
        assert describe(entry.reason) == (entry.code, json.loads(entry.params)), entry.reason
    return {entry.kind for entry in entries}


def test_every_kind_the_demo_books_has_its_code(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    loaded = runner.invoke(args=["demo", "--records", "600", "--since", "2016"])
    assert loaded.exit_code == 0, loaded.output

    def entries(session: Session) -> tuple[set[str], dict[str, str]]:
        rows = list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))
        people = dict(session.execute(select(User.username, User.display_name)).all())
        return booked(rows), people

    kinds, people = read(app, entries)
    assert {"instalment", "settlement"} <= kinds and kinds & {"top_up", "debt"}
    assert people["finance"] == "财务科 王会计" and people["auditor"] == "审计组 李审计"
    assert people["admin"] == "信息科 张工"
    assert people["hy01"] == "武原街道社区卫生服务中心 主任"
    assert people["hy05"] == "沈荡镇卫生院 院长"
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_the_worked_example_books_every_kind_by_code(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    worked_example_books(runner, tmp_path)
    entries = list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))
    assert booked(entries) == {"instalment", "settlement", "top_up", "debt", "adjustment"}
    offset = next(e for e in entries if e.code == "ledger_instalment_offset")
    assert re.fullmatch(
        r"instalment 1 of 2019, due 2019-01-01; \d+\.\d\d offsets debt", offset.reason
    )
    correction = next(e for e in entries if e.kind == "adjustment")
    assert correction.reason == "corrects 2018: late audit finding"
    assert json.loads(correction.params) == {"corrects": 2018, "reason": "late audit finding"}


def test_machines_get_the_code_parameters_and_hash(
    runner: FlaskCliRunner, app: Flask, client: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    worked_example_books(runner, tmp_path)
    runner.invoke(args=["users", "create", "wang", "--role", "finance", "--name", "王会计",
                        "--password-stdin"], input="a-long-and-unusual-passphrase-9\n")  # fmt: skip
    sign_in(client, "wang", "a-long-and-unusual-passphrase-9")
    api = client.get("/api/v1/ledger?year=2019").get_json()["entries"]
    cli = json.loads(runner.invoke(args=["ledger", "--year", "2019", "--json"]).stdout)["entries"]
    for entries in (api, cli):
        first = next(e for e in entries if e["code"] == "ledger_instalment_offset")
        assert first["reason"].startswith("instalment 1 of 2019, due 2019-01-01; ")
        assert first["params"]["number"] == 1 and first["params"]["due"] == "2019-01-01"
        assert re.fullmatch(r"\d+\.\d\d", first["params"]["offset"])  # money as everywhere
        assert first["reason"].endswith(f"; {first['params']['offset']} offsets debt")
        assert all(re.fullmatch(r"[0-9a-f]{64}", e["hash"]) for e in entries)
        adjustment = entries[-1]
        assert adjustment["code"] == "ledger_adjustment"
        assert adjustment["params"] == {"corrects": 2018, "reason": "late audit finding"}
    assert [e["hash"] for e in api] == [e["hash"] for e in cli]
    stored = read(app, lambda s: s.scalar(select(LedgerEntry.hash).order_by(LedgerEntry.id.desc())))
    assert api[-1]["hash"] == stored
    spec = client.get("/api/v1/openapi.json").get_json()
    entry = spec["components"]["schemas"]["LedgerEntry"]["properties"]
    assert {"code", "params", "hash"} <= entry.keys()
