"""The centre dashboard is cached per data version: never stale, computed once.

Two caches (web/cache.py): the page's body per institution, year and data
version, shared by the institution's people; and the whole page per sign-in
session, so a person reloading it costs the session's row and one statement.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from haiyan_comp.web import cache
from tests.web.conftest import CSRF_META, SignIn, post_form

PAGE = "/centre/?year=2018"


def count_builds(monkeypatch: pytest.MonkeyPatch, part: cache.PartCache) -> list[Any]:
    """The keys `part` had to compute a value for (a miss), in order."""
    built: list[Any] = []
    original = part.get

    def counting(key: Any, version: Any, make: Any) -> Any:
        def noted() -> Any:
            built.append(key)
            return make()

        return original(key, version, noted)

    monkeypatch.setattr(part, "get", counting)
    return built


def token(page: str) -> str:
    match = CSRF_META.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def verified(page: str) -> str:
    """The page's verified units (核定当量), as shown."""
    match = re.search(r'核定当量</div>\s*<div class="value">([^<]+)<', page)
    assert match, "no verified units on the page"
    return match.group(1)


def test_the_dashboard_changes_as_soon_as_new_records_arrive(
    signed_in: SignIn, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = count_builds(monkeypatch, cache.dashboards)
    centre = signed_in("hy03")
    first = centre.get(PAGE).get_data(as_text=True)
    again = centre.get(PAGE).get_data(as_text=True)
    assert len(built) == 1  # the second view came from the cache
    assert first == again
    records = tmp_path / "more.csv"
    records.write_text(
        "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
        "CACHE-1,HY03,HY03S001,IP_BED,2018-07-01,,7\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["records", "import", str(records), "--as-of", "2019-01-10"])
    assert result.exit_code == 0, result.output
    after = centre.get(PAGE).get_data(as_text=True)
    assert len(built) == 2 and after != first  # a new version: computed afresh


def test_records_of_another_year_show_in_the_year_menu_at_once(
    signed_in: SignIn, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    catalogue = Path(__file__).parents[2] / "catalog" / "haiyan-2018.yaml"
    loaded = runner.invoke(args=["catalog", "load", str(catalogue), "--year", "2017"])
    assert loaded.exit_code == 0, loaded.output
    centre = signed_in("hy03")
    assert 'value="2017"' not in centre.get(PAGE).get_data(as_text=True)
    records = tmp_path / "2017.csv"
    records.write_text(
        "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
        "CACHE-2017,HY03,HY03S001,IP_BED,2017-07-01,,7\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["records", "import", str(records), "--as-of", "2018-01-10"])
    assert result.exit_code == 0, result.output
    assert 'value="2017"' in centre.get(PAGE).get_data(as_text=True)  # the 2018 page's menu


def test_a_new_price_shows_at_once(signed_in: SignIn, runner: FlaskCliRunner) -> None:
    centre = signed_in("hy03")
    assert "× 单价 10.00" in centre.get(PAGE).get_data(as_text=True)
    result = runner.invoke(
        args=["year", "configure", "2018", "--budget", "5000000", "--unit-price", "12.50",
              "--prepay-ratio", "0.5", "--instalments", "4"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = centre.get(PAGE).get_data(as_text=True)
    assert "× 单价 12.50" in page and "× 单价 10.00" not in page


def test_a_closed_audit_shows_its_deduction_at_once(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    centre = signed_in("hy01")
    # The first page after signing in makes the session's CSRF token, so it is not kept
    # (web/cache.py, `personal`); the second is, and is what an unchanged version serves.
    centre.get(PAGE)
    before = centre.get(PAGE).get_data(as_text=True)
    drawn = runner.invoke(
        args=["audit", "draw", "--year", "2018", "--institution", "HY01", "--item", "OP",
              "--size", "2", "--seed", "cache", "--json"],
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    batch = json.loads(drawn.stdout)
    first, *rest = batch["sample"]
    verdicts = [[first, "--fail", "--reason", "no such visit"]] + [[s, "--pass"] for s in rest]
    for verdict in verdicts:
        result = runner.invoke(args=["audit", "verdict", str(batch["batch"]), *verdict])
        assert result.exit_code == 0, result.output
    assert centre.get(PAGE).get_data(as_text=True) == before  # drawn, not closed: no change
    closed = runner.invoke(args=["audit", "close", str(batch["batch"])])
    assert closed.exit_code == 0, closed.output
    after = centre.get(PAGE).get_data(as_text=True)
    assert verified(after) != verified(before)


def test_another_centre_never_gets_a_cached_page_of_someone_else(signed_in: SignIn) -> None:
    one, two = signed_in("hy01"), signed_in("hy02")
    page_one = one.get(PAGE).get_data(as_text=True)
    page_two = two.get(PAGE).get_data(as_text=True)
    assert "武原" in page_one and "武原" not in page_two.split("<main>")[1]
    assert "秦山" in page_two.split("<main>")[1]


def test_a_reload_is_the_page_sent_before_and_its_form_token_still_works(
    signed_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = count_builds(monkeypatch, cache.pages)
    browser, other = signed_in("hy03"), signed_in("hy03")  # the same person, twice
    browser.get(PAGE)  # the first page after signing in makes the session's CSRF token
    page = browser.get(PAGE).get_data(as_text=True)
    assert browser.get(PAGE).get_data(as_text=True) == page
    other.get(PAGE)
    other_page = other.get(PAGE).get_data(as_text=True)
    assert len(built) == 2  # one page per sign-in session
    assert token(other_page) != token(page)
    signed_out = browser.post("/logout", data={"csrf_token": token(page)})
    assert signed_out.status_code == 302 and signed_out.headers["Location"].endswith("/login")
    assert browser.get(PAGE).status_code == 302


def test_a_copied_cookie_gets_no_cached_page_after_sign_out(app: Flask, signed_in: SignIn) -> None:
    browser = signed_in("hy03")
    assert browser.get(PAGE).status_code == 200
    copied = browser.get_cookie("haiyan_session")
    assert copied is not None
    assert post_form(browser, "/logout").status_code == 302
    thief: FlaskClient = app.test_client()
    thief.set_cookie("haiyan_session", copied.value)
    assert thief.get(PAGE).status_code == 302


def test_a_message_is_shown_once_even_on_a_cached_page(signed_in: SignIn) -> None:
    browser = signed_in("hy03")
    assert "已保存测试" not in browser.get(PAGE).get_data(as_text=True)
    with browser.session_transaction() as session:
        session["_flashes"] = [("info", "已保存测试")]
    assert "已保存测试" in browser.get(PAGE).get_data(as_text=True)
    assert "已保存测试" not in browser.get(PAGE).get_data(as_text=True)
