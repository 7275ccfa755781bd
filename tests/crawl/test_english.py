"""English is a setting: the switch in the page header, and a catalogue with every string.

The pages speak Chinese (the templates' msgids); a person who chooses English
reads every label, hint and message in English, from
haiyan_comp/web/translations/en (the domain messages already have English).
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = ROOT / "haiyan_comp/web/translations/en/LC_MESSAGES/messages.po"
CJK = re.compile(r"[\u4e00-\u9fff]")


def choose(client: FlaskClient, language: str, back: str) -> None:
    response = client.post(
        "/language", data={"csrf_token": csrf_token(client), "lang": language, "next": back}
    )
    assert response.status_code == 302 and response.headers["Location"] == back


def test_the_header_switches_the_pages_to_english_and_back(crawl_app: Flask) -> None:
    client = crawl_app.test_client()
    sign_in(client, "finance")
    chinese = client.get("/finance/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese and "资金台账" in chinese and "English" in chinese

    choose(client, "en", "/finance/")
    english = client.get("/finance/").get_data(as_text=True)
    assert '<html lang="en">' in english
    for words in ("Funds ledger", "Year-end settlement", "Sign out", "Finance"):
        assert words in english, words
    assert "资金台账" not in english and "退出" not in english
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Not found" in missing.get_data(as_text=True)
    refused = client.get("/audit/draw")  # a domain message, in the reader's language
    card = refused.get_data(as_text=True).split('<section class="card narrow">')[1]
    said = re.sub(r"<[^>]+>", " ", card.split("</section>")[0])
    assert refused.status_code == 403 and "Access denied" in said and "role may not" in said
    assert not CJK.search(said), said

    choose(client, "zh", "/finance/")
    assert "资金台账" in client.get("/finance/").get_data(as_text=True)


def test_an_unknown_language_or_a_foreign_next_page_changes_nothing(crawl_app: Flask) -> None:
    client = crawl_app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/language", data={"csrf_token": token, "lang": "fr", "next": "//evil.example/"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_every_chinese_string_of_the_pages_has_its_english() -> None:
    """The Chinese of a template is never the only place a string lives."""
    with ENGLISH.open("rb") as file:
        catalogue = read_po(file)
    english = {message.id: message.string for message in catalogue if message.id}
    found = extract_from_dir(
        str(ROOT),
        method_map=[
            ("haiyan_comp/**.py", "python"),
            ("haiyan_comp/web/templates/**.html", "jinja2"),
        ],
        keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "nav": (2,)},
    )
    missing = sorted(
        {
            f"{path}:{line}: {message}"
            for path, line, message, *_ in found
            if isinstance(message, str) and CJK.search(message) and not english.get(message)
        }
    )
    assert not missing, (
        "Chinese strings without English (see haiyan_comp/web/translations/__init__.py):\n"
        + "\n".join(missing)
    )
