"""The centre dashboard is cached per data version: never stale, computed once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner

from haiyan_comp.web import cache
from tests.web.conftest import SignIn


def test_the_dashboard_changes_as_soon_as_new_records_arrive(
    signed_in: SignIn, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: Any
) -> None:
    built = []
    original = cache.PartCache.get

    def counting(self: cache.PartCache, key: Any, version: Any, make: Any) -> Any:
        return original(self, key, version, lambda: built.append(key) or make())

    monkeypatch.setattr(cache.PartCache, "get", counting)
    centre = signed_in("hy03")
    first = centre.get("/centre/?year=2018").get_data(as_text=True)
    again = centre.get("/centre/?year=2018").get_data(as_text=True)
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
    after = centre.get("/centre/?year=2018").get_data(as_text=True)
    assert len(built) == 2 and after != first  # a new version: computed afresh


def test_another_centre_never_gets_a_cached_page_of_someone_else(signed_in: SignIn) -> None:
    one, two = signed_in("hy01"), signed_in("hy02")
    page_one = one.get("/centre/?year=2018").get_data(as_text=True)
    page_two = two.get("/centre/?year=2018").get_data(as_text=True)
    assert "武原" in page_one and "武原" not in page_two.split("<main>")[1]
    assert "秦山" in page_two.split("<main>")[1]
