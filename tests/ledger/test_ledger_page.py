"""The ledger as a finance officer reads it (issue 15): a journal in Chinese — 日期、摘要、
借方、贷方、余额 — with descriptions from the catalogue by code, accounts by name and year,
who by name; machines (the command line's --json, the API) keep codes and English."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from flask.testing import FlaskCliRunner

from tests.web.conftest import post_form, sign_in
from tests.web.test_finance_pages import settle_cli

ENGLISH_WORD = re.compile(r"\b[a-z]{4,}\b")
NAMES = {"root", "haiyan", "comp"}  # the command line's login (命令行（root）), the product


def visible(page: str) -> str:
    """What a person reads: the page's text without markup, styles, scripts or attributes."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def books_of_the_demo(runner: FlaskCliRunner, client: Any) -> None:
    """The demo's 2018 paid through the pages by a finance officer with a name, then
    settled from the command line."""
    made = runner.invoke(
        args=["users", "create", "wang", "--role", "finance", "--name", "王会计",
              "--password-stdin"],
        input="a-long-and-unusual-passphrase-9\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    sign_in(client, "wang", "a-long-and-unusual-passphrase-9")
    paid = post_form(client, "/finance/prepayments/run?year=2018", {"as_of": "2018-12-31"})
    assert paid.status_code == 200
    settle_cli(runner)


def test_a_clean_demo_verifies_and_reads_as_a_journal(
    county: dict[str, Any], runner: FlaskCliRunner, client: Any
) -> None:
    books_of_the_demo(runner, client)
    verified = runner.invoke(args=["ledger", "verify"])
    assert verified.exit_code == 0, verified.output

    page = client.get("/finance/ledger?year=2018").get_data(as_text=True)
    text = visible(page)
    for column in ("日期", "摘要", "科目", "借方", "贷方", "余额", "经办人"):
        assert f"<th>{column}</th>" in page or f'<th class="num">{column}</th>' in page
    assert "核对通过" in text
    assert "2018 年度第 1 期预付款（应付日 2018-01-01）" in text
    assert "2018 年度结算：" in text
    assert re.search(r"预付款 · \S+卫生院 · 2018年度", text)  # the institution's name
    assert "购买服务 · 2018年度" in text and "支付账户" in text
    assert "王会计" in text and "命令行（" in text
    assert not re.search(r"\b(prepaid|purchase|debt|cash):", text)
    assert "web:" not in text and "cli:" not in text
    assert set(ENGLISH_WORD.findall(text)) <= NAMES, set(ENGLISH_WORD.findall(text)) - NAMES
    assert not re.search(r"\bR\d+\b", text)
    assert re.search(r"借 [\d,]+\.\d\d", text)  # a balance with its side
    seal = re.search(r'<code class="seal">([0-9a-f]{64})</code>', page)
    assert "年度封账" in text and seal is not None
    last = json.loads(runner.invoke(args=["ledger", "--json"]).stdout)["entries"][-1]
    assert last["kind"] in ("top_up", "debt")  # the settlement's last entry is the seal's


def test_one_account_reads_as_its_own_ledger_with_running_balances(
    county: dict[str, Any], runner: FlaskCliRunner, client: Any
) -> None:
    books_of_the_demo(runner, client)
    page = client.get("/finance/ledger?account=prepaid:HY01:2018").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    prepaid = [r for r in rows if "预付款 · " in r]
    balances = [re.findall(r'<td class="num nowrap">(.*?)</td>', r)[0] for r in prepaid]
    assert balances[0] == "平"  # newest first: the settlement cleared the account
    amounts = [int(re.sub(r"\D", "", b)) for b in balances[1:]]
    assert amounts == sorted(amounts, reverse=True) and all(
        b.startswith("借 ") for b in balances[1:]
    )
    assert client.get("/finance/ledger?account=nothing:here").status_code == 404
    other = client.get("/finance/ledger?institution=HY02&account=prepaid:HY01:2018")
    assert other.status_code == 200 and "没有符合条件的分录" in other.get_data(as_text=True)
    hostile = client.get("/finance/ledger?account=%3Cscript%3Ealert(1)%3C/script%3E")
    assert hostile.status_code == 404 and "<script>alert" not in hostile.get_data(as_text=True)


def test_machines_keep_codes_and_english(
    county: dict[str, Any], runner: FlaskCliRunner, client: Any
) -> None:
    books_of_the_demo(runner, client)
    result = runner.invoke(args=["ledger", "--year", "2018", "--json"])
    entries = json.loads(result.stdout)["entries"]
    assert entries[0]["reason"] == "instalment 1 of 2018, due 2018-01-01"
    assert entries[0]["by"] == "web:wang"
    assert any(account.startswith("prepaid:") for account in entries[0]["postings"])
