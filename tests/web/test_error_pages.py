"""Error pages speak Chinese from the catalogue; the API keeps its English and adds the code."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import SignIn

ENGLISH_WORD = re.compile(r"\b[a-z]{4,}\b")


def _visible_text(page: str) -> str:
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def test_a_missing_page_says_so_in_chinese(signed_in: SignIn) -> None:
    response = signed_in("finance").get("/no/such/page")
    assert response.status_code == 404
    text = _visible_text(response.get_data(as_text=True))
    assert "没有找到这个页面或这条数据" in text
    assert not ENGLISH_WORD.search(text), text


def test_a_wrong_method_says_so_in_chinese_and_keeps_allow(signed_in: SignIn) -> None:
    response = signed_in("finance").put("/login")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    text = _visible_text(response.get_data(as_text=True))
    assert "此页面不支持这种操作方式" in text and not ENGLISH_WORD.search(text), text


def test_a_form_without_its_token_says_so_in_chinese(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert "表单已过期或来源不明" in response.get_data(as_text=True)


def test_the_api_keeps_its_english_and_adds_the_code(app: Flask, client: FlaskClient) -> None:
    body = client.get("/api/v1/years/2018").get_json()
    assert body["error"] == "unauthorized"
    assert body["message"] == "sign in or send a bearer token"
    assert body["reason"] == "sign_in"
    missing = client.get("/api/v1/no-such-thing").get_json()
    assert missing["error"] == "not_found" and missing["reason"] == "http_404"
    assert missing["message"].startswith("The requested URL was not found on the server.")
