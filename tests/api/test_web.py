"""The public pages: a landing page without data, and a health check."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Connection


def test_landing_page_shows_no_county_data(app: Flask, connection: Connection) -> None:
    response = app.test_client().get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "海盐县标化工作当量结算系统" in page
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response.headers


def test_health_check_reports_the_database(app: Flask, connection: Connection) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["database"] in ("sqlite", "postgresql")


def test_unknown_pages_are_404(app: Flask, connection: Connection) -> None:
    assert app.test_client().get("/units").status_code == 404
