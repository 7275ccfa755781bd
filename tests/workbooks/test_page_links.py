"""Every table page's 下载 Excel link answers a workbook for the person who sees the page."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import openpyxl
import pytest

from tests.web.conftest import SignIn

LINK = re.compile(r'href="([^"]*format=xlsx[^"]*)"')
PAGES = [
    ("finance", "/finance/?year=2018"),
    ("finance", "/finance/prepayments?year=2018"),
    ("finance", "/finance/ledger?year=2018"),
    ("finance", "/finance/settlement?year=2018"),
    ("auditor", "/catalogue"),
    ("auditor", "/audit/?year=2018"),
    ("auditor", "/audit/flags?year=2018&institution=HY01"),
    ("auditor", "/audit/findings?year=2018"),
    ("hy01", "/centre/"),
    ("hy01", "/centre/money?year=2018"),
    ("hy01", "/centre/deductions?year=2018"),
    ("hy01", "/centre/records?item=OP&sort=date_desc&from=2018-03-01"),
]


@pytest.mark.parametrize(("login", "page"), PAGES)
def test_the_page_links_its_workbook(signed_in: SignIn, login: str, page: str) -> None:
    browser = signed_in(login)
    shown = browser.get(page)
    assert shown.status_code == 200, page
    links = LINK.findall(shown.get_data(as_text=True))
    assert links, f"{page} has no 下载 Excel"
    for link in links:
        answer: Any = browser.get(html.unescape(link))
        assert answer.status_code == 200, (page, link, answer.get_data(as_text=True)[:200])
        book = openpyxl.load_workbook(io.BytesIO(answer.data))
        assert book.active["A1"].value.startswith("海盐县 · "), link
