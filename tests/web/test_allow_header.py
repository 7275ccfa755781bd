"""A method a route does not take is answered 405 with the methods it does take (Allow)."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_a_page_answers_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/login")
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.mimetype == "text/html"


def test_the_api_answers_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/v1/years/2018/paysheets/HY01")
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.get_json()["error"] == "method_not_allowed"
