"""The demo generator: seeded, exact, plausible, streaming (no database)."""

from __future__ import annotations

import csv
import io
import os
import re
import tracemalloc
from collections import Counter
from datetime import date

import pytest

from haiyan_comp.demo.generate import (
    BLOCK_ROWS,
    DEMO_INSTITUTIONS,
    HEADER,
    DemoItem,
    demo_items_from_yaml,
    demo_staff,
    write_bad_rows,
    write_records,
)
from haiyan_comp.demo.services import CATALOGUE_PATH

ITEMS = demo_items_from_yaml(CATALOGUE_PATH)
CAPS = {item.code: item.cap for item in ITEMS}
CAPPED = {item.code: item.cap for item in ITEMS if item.cap is not None}
STAFF = demo_staff(2018)


def generate(records: int, seed: int = 2018, year: int = 2018) -> str:
    out = io.StringIO(newline="")
    assert write_records(out, year=year, records=records, seed=seed, items=ITEMS, staff=STAFF) == (
        records
    )
    return out.getvalue()


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture(scope="module")
def sample() -> list[dict[str, str]]:
    return rows(generate(20_000))


def test_the_catalogue_has_53_items_with_caps() -> None:
    assert len(ITEMS) == 53
    assert DemoItem("HTN", "public_health", 1) in ITEMS
    assert DemoItem("OP", "basic_medical", None) in ITEMS


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert generate(3000) == generate(3000)
    assert generate(3000) != generate(3000, seed=2019)
    assert demo_staff(7) == demo_staff(7) != demo_staff(8)


def test_fewer_records_are_a_prefix_of_more() -> None:
    longer = generate(BLOCK_ROWS + 500)
    for records in (10, BLOCK_ROWS - 1, BLOCK_ROWS + 1):
        assert longer.startswith(generate(records))


@pytest.mark.parametrize("records", [0, 1, BLOCK_ROWS, BLOCK_ROWS + 1])
def test_exactly_the_rows_asked_for(records: int) -> None:
    text = generate(records)
    assert text.startswith(HEADER)
    assert text.count("\n") == records + 1
    assert len(rows(text)) == records


def test_dates_fall_in_the_year_weekdays_busier(sample: list[dict[str, str]]) -> None:
    days = [date.fromisoformat(row["service_date"]) for row in sample]
    assert all(day.year == 2018 for day in days)
    assert len({day.month for day in days}) == 12
    weekdays = Counter(day.weekday() for day in days)
    assert min(weekdays[d] for d in range(5)) > 1.5 * max(weekdays[5], weekdays[6])
    leap = {row["service_date"] for row in rows(generate(5000, year=2020))}
    assert all(day.startswith("2020-") for day in leap)


def test_source_ids_are_unique_and_name_their_institution(sample: list[dict[str, str]]) -> None:
    ids = [row["source_id"] for row in sample]
    assert len(set(ids)) == len(ids)
    assert all(
        re.fullmatch(rf"{row['institution_code']}-2018-\d{{8}}", row["source_id"]) for row in sample
    )


def test_items_staff_and_residents_are_consistent(sample: list[dict[str, str]]) -> None:
    staff_home = {code: institution for code, institution, _ in STAFF}
    for row in sample:
        assert row["item_code"] in CAPS
        assert staff_home[row["staff_code"]] == row["institution_code"]
        assert row["quantity"] in {"1", "2", "3"}
        if row["resident_id"]:
            assert re.fullmatch(rf"{row['institution_code']}R\d{{6}}", row["resident_id"])
        else:
            assert CAPS[row["item_code"]] is None


def test_the_mix_is_plausible(sample: list[dict[str, str]]) -> None:
    items = Counter(row["item_code"] for row in sample)
    institutions = Counter(row["institution_code"] for row in sample)
    assert items.most_common(1)[0][0] == "OP"
    assert {"RX_WM", "LAB_CBC", "INJ_IM", "HTN", "HTN_FU", "HE_LECTURE"} <= set(items)
    assert set(institutions) == {code for code, _ in DEMO_INSTITUTIONS}
    assert institutions.most_common(1)[0][0] == "HY01"
    assert any(row["quantity"] != "1" for row in sample)
    assert any(not row["resident_id"] for row in sample if row["item_code"] == "HE_LECTURE")


def test_a_few_percent_of_capped_records_exceed_their_cap(sample: list[dict[str, str]]) -> None:
    groups: Counter[tuple[str, str, str]] = Counter()
    for row in sample:
        if row["item_code"] in CAPPED:
            key = (row["institution_code"], row["item_code"], row["resident_id"])
            groups[key] += int(row["quantity"])
    capped = sum(groups.values())
    over = sum(max(0, n - CAPPED[item]) for (_, item, _), n in groups.items())
    assert 0.01 < over / capped < 0.10
    assert any(n > 1 for (_, item, _), n in groups.items() if item == "HTN")
    assert any(n > 4 for (_, item, _), n in groups.items() if item == "HTN_FU")


def test_demo_staff_by_size() -> None:
    per_institution = Counter(institution for _, institution, _ in STAFF)
    assert list(per_institution) == [code for code, _ in DEMO_INSTITUTIONS]
    assert all(15 <= n <= 60 for n in per_institution.values())
    assert per_institution.most_common(1)[0] == ("HY01", 60)
    assert len({code for code, _, _ in STAFF}) == len(STAFF)
    assert all(re.fullmatch(r"HY0\dS\d{3}", code) for code, _, _ in STAFF)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name) for _, _, name in STAFF)


def test_bad_rows_have_their_own_ids() -> None:
    out = io.StringIO(newline="")
    count = write_bad_rows(out, year=2018, staff=STAFF, items=ITEMS)
    bad = rows(out.getvalue())
    assert count == len(bad) >= 12
    assert all(row["source_id"].startswith("BAD-2018-") for row in bad)
    assert len({row["source_id"] for row in bad}) == len(bad)
    assert {"2018-02-30", "2999-06-01"} <= {row["service_date"] for row in bad}
    assert {"1.5", "-1", "1e3"} <= {row["quantity"] for row in bad}


def test_streams_with_constant_memory() -> None:
    # Kept in a list, 50,000 rows alone would take about 6 MB; streamed in blocks
    # of BLOCK_ROWS the peak stays near 2.5 MB whatever the row count.
    with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
        tracemalloc.start()
        try:
            written = write_records(
                sink, year=2018, records=50_000, seed=1, items=ITEMS, staff=STAFF
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert written == 50_000
    assert peak < 4 * 1024 * 1024
