"""The anonymous home page is for people (no machine links), and the favicon is served."""

from __future__ import annotations

from flask import Flask


def test_the_anonymous_home_page_offers_sign_in_and_no_machine_links(app: Flask) -> None:
    page = app.test_client().get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/login" in html and "登录" in html
    assert "openapi" not in html and "healthz" not in html
    assert "财政部门" in html and "卫生院" in html


def test_the_favicon_is_served_where_browsers_look(app: Flask) -> None:
    client = app.test_client()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's signature
    icon.close()
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    svg.close()
