"""The ledger page and API stay cheap however long the ledger (issue 17 §3, issue 13):
a view shows the latest kept verification instead of recomputing the books, pages go by
keyset, running balances come from the index; what a person reads is unchanged."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.descriptions import said
from haiyan_comp.ledger.journal import JournalEntry, journal_page
from haiyan_comp.ledger.messages import ADJUSTMENT
from haiyan_comp.ledger.models import LedgerEntry, Posting
from haiyan_comp.ledger.services import post
from tests.ledger.test_books import allow_changes, worked_example_books
from tests.ledger.test_ledger_page import books_of_the_demo, visible
from tests.web.conftest import post_form, read


def running_balances(session: Session) -> dict[tuple[str, int], int]:
    """Every (account, entry) → the account's balance after it, summed here from scratch."""
    balances: dict[tuple[str, int], int] = {}
    totals: dict[str, int] = {}
    for entry_id, account, amount in session.execute(
        select(Posting.entry_id, Posting.account, Posting.amount).order_by(Posting.id)
    ):
        totals[account] = totals.get(account, 0) + amount
        balances[(account, entry_id)] = totals[account]
    return balances


def walk(session: Session, **chosen: Any) -> list[JournalEntry]:
    """Every entry of a selection, three a page, following the older links from the
    newest; and back again by the newer links, which must give the same pages."""
    pages = [journal_page(session, size=3, **chosen)]
    while pages[-1].older is not None:
        pages.append(journal_page(session, size=3, before=pages[-1].older, **chosen))
    back = pages[-1]
    for page in reversed(pages[:-1]):
        assert back.newer is not None
        back = journal_page(session, size=3, after=back.newer, **chosen)
        assert [e.id for e in back.entries] == [e.id for e in page.entries]
    assert back.newer is None and pages[-1].older is None
    for number, page in enumerate(pages):
        assert page.first == 1 + 3 * number and page.count == len(pages[0].entries) + sum(
            len(p.entries) for p in pages[1:]
        )
    return [entry for page in pages for entry in page.entries]


def test_keyset_pages_and_running_balances_agree_with_a_recount(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    worked_example_books(runner, tmp_path)
    expected = running_balances(session)
    every = list(session.scalars(select(LedgerEntry.id).order_by(LedgerEntry.id.desc())))
    hy02 = session.scalar(select(Institution.id).where(Institution.code == "HY02"))
    selections: list[dict[str, Any]] = [
        {},
        {"year": 2018},
        {"institution": "HY02"},
        {"account": "cash"},
        {"account": "debt:HY02"},
        {"account": "cash", "institution": "HY02"},
    ]
    for chosen in selections:
        entries = walk(session, **chosen)
        ids = [entry.id for entry in entries]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids), chosen
        for entry in entries:
            for leg in entry.postings:
                assert leg.balance == expected[(leg.account, entry.id)], (chosen, entry.id)
        if chosen.get("account") == "cash" and "institution" not in chosen:
            assert ids == [i for i in every if ("cash", i) in expected]
        if chosen == {}:
            assert ids == every
        if chosen == {"institution": "HY02"}:
            owned = session.scalars(
                select(LedgerEntry.id).where(LedgerEntry.institution_id == hy02)
            )
            assert sorted(ids) == sorted(owned)
    account = journal_page(session, account="debt:HY02")
    assert account.totals["balance"] == expected[("debt:HY02", max(
        i for a, i in expected if a == "debt:HY02"))]  # fmt: skip
    assert account.totals["debit"] - account.totals["credit"] == account.totals["balance"]


def test_a_view_shows_the_kept_verification_and_the_button_runs_one(
    county: dict[str, Any], runner: FlaskCliRunner, client: Any, app: Flask
) -> None:
    books_of_the_demo(runner, client)
    never = visible(client.get("/finance/ledger").get_data(as_text=True))
    assert "尚未核对" in never and "台账尚未核对过" in never and "核对通过" not in never

    checked = post_form(client, "/finance/ledger/verify")
    assert checked.status_code == 303
    page = visible(client.get(checked.headers["Location"]).get_data(as_text=True))
    assert "核对通过" in page and "王会计 核对台账，全部通过" in page
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", page)  # when, in the county's time
    assert "此后又记了" not in page

    def book_one(session: Session) -> None:
        post(session, kind="adjustment", year=2018, institution_id=None, amount=100,
             reason=said(ADJUSTMENT, corrects=2017, reason="<b>late</b> finding"),
             by="web:wang", postings={"adjustment:2017": 100, "cash": -100})  # fmt: skip
        session.commit()

    read(app, book_one)
    raw = client.get("/finance/ledger").get_data(as_text=True)
    page = visible(raw)
    assert "此后又记了 1 笔分录，尚未核对" in page and "全部通过" in page
    assert "2017 年度：<b>late</b> finding" in page  # the words as typed, as text
    assert "<b>late" not in raw and "&lt;b&gt;late" in raw

    def tamper(session: Session) -> None:
        allow_changes(session, "ledger_postings")
        session.execute(text("UPDATE ledger_postings SET amount = amount + 1 "
                             "WHERE id = (SELECT min(id) FROM ledger_postings)"))  # fmt: skip
        session.commit()

    read(app, tamper)
    still = visible(client.get("/finance/ledger").get_data(as_text=True))
    assert "全部通过" in still  # a view does not recompute: the kept result, until the button
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 1  # the command keeps one too
    broken = client.get("/finance/ledger").get_data(as_text=True)
    shown = visible(broken)
    assert "核对未通过" in shown and "命令行（" in shown and "处问题" in shown
    assert "does not balance" not in shown and "entry" not in shown  # in Chinese
    assert '<ul class="problems">' in broken


def test_the_api_pages_by_keyset(
    county: dict[str, Any], runner: FlaskCliRunner, client: Any
) -> None:
    books_of_the_demo(runner, client)
    whole = client.get("/api/v1/ledger").get_json()
    assert whole["next_after"] is None and len(whole["entries"]) > 7
    seen: list[int] = []
    after = None
    while True:
        url = "/api/v1/ledger?limit=7" + (f"&after={after}" if after is not None else "")
        answer = client.get(url).get_json()
        seen += [entry["id"] for entry in answer["entries"]]
        assert len(answer["entries"]) <= 7
        after = answer["next_after"]
        if after is None:
            break
        assert after == seen[-1]
    assert seen == [entry["id"] for entry in whole["entries"]]
    for bad in ("limit=0", "limit=10001", "after=-1", "after=x", "limit=99999999999999999999"):
        answer = client.get(f"/api/v1/ledger?{bad}")
        assert answer.status_code == 422, bad
    for bad in ("before=x", "after=-3", "before=0", "before=99999999999999999999999"):
        assert client.get(f"/finance/ledger?{bad}").status_code == 400, bad
    oldest = visible(client.get("/finance/ledger?after=0").get_data(as_text=True))
    assert "2018 年度第 1 期预付款（应付日 2018-01-01）" in oldest
