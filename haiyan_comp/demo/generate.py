"""Synthetic but plausible demo data: Haiyan's nine institutions, staff, a year of records.

Pure and seeded: no database, no Flask, no clock. The same arguments give the
same bytes. Records are streamed in blocks with constant memory, so the same
code writes a 100-row test file and a 5,000,000-row benchmark file.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from math import gcd
from pathlib import Path
from typing import Any, TextIO

import yaml

from haiyan_comp.demo.mix import (
    DEFAULT_RESIDENT_SHARE,
    DEFAULT_WEIGHT,
    FAMILIES,
    GIVEN_CHARACTERS,
    INSTITUTION_SIZES,
    ITEM_WEIGHTS,
    OVER_CAP_SHARE,
    QUANTITIES,
    RESIDENT_SHARE,
    SURNAMES,
)

HEADER = "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
BLOCK_ROWS = 8192
RESIDENTS_PER_STAFF = 1800  # for institutions outside the demo county's table

DEMO_INSTITUTIONS: tuple[tuple[str, str], ...] = (
    ("HY01", "武原街道社区卫生服务中心"),
    ("HY02", "秦山街道社区卫生服务中心"),
    ("HY03", "望海街道社区卫生服务中心"),
    ("HY04", "西塘桥街道社区卫生服务中心"),
    ("HY05", "沈荡镇卫生院"),
    ("HY06", "百步镇卫生院"),
    ("HY07", "于城镇卫生院"),
    ("HY08", "澉浦镇卫生院"),
    ("HY09", "通元镇卫生院"),
)

Staff = tuple[str, str, str]  # (code, institution code, name)


@dataclass(frozen=True, slots=True)
class DemoItem:
    """What the generator needs of a catalogue item (values are not needed)."""

    code: str
    category: str
    cap: int | None


def demo_items_from_yaml(path: Path | str) -> list[DemoItem]:
    """Code, category and cap of every item of a catalogue YAML file."""
    return list(_items_of(str(path), Path(path).stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _items_of(path: str, _changed: int) -> tuple[DemoItem, ...]:
    """The file's items, read once per change (the demo's years read it for each year)."""
    with open(path, encoding="utf-8") as stream:
        document = yaml.safe_load(stream)
    raw = document["items"] if isinstance(document, dict) else document
    return tuple(
        DemoItem(
            code=str(item["code"]),
            category=str(item["category"]),
            cap=None if item.get("cap") in (None, "") else int(item["cap"]),
        )
        for item in raw
    )


def demo_staff(seed: int) -> list[Staff]:
    """Every demo institution's staff: codes like HY01S001, Chinese names, fixed by `seed`."""
    rnd = random.Random(seed)
    staff: list[Staff] = []
    for code, _name in DEMO_INSTITUTIONS:
        names: set[str] = set()
        for number in range(1, INSTITUTION_SIZES[code][1] + 1):
            name = _person_name(rnd)
            while name in names:
                name = _person_name(rnd)
            names.add(name)
            staff.append((f"{code}S{number:03d}", code, name))
    return staff


def _person_name(rnd: random.Random) -> str:
    given = rnd.choice(GIVEN_CHARACTERS)
    if rnd.random() < 0.8:
        given += rnd.choice(GIVEN_CHARACTERS)
    return rnd.choice(SURNAMES) + given


def year_days(year: int) -> tuple[list[str], list[float]]:
    """Every day of `year` as text, with cumulative weights: weekdays and winter busier."""
    first = date(year, 1, 1)
    days = [first + timedelta(n) for n in range((date(year + 1, 1, 1) - first).days)]
    weekday = (1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.3)
    season = {1: 1.15, 2: 1.1, 7: 0.9, 8: 0.9, 12: 1.15}
    weights = [weekday[d.weekday()] * season.get(d.month, 1.0) for d in days]
    return [d.isoformat() for d in days], list(accumulate(weights))


def _institutions(staff: Sequence[Staff]) -> dict[str, list[str]]:
    by_institution: dict[str, list[str]] = {}
    for code, institution, _name in staff:
        by_institution.setdefault(institution, []).append(code)
    return by_institution


def _residents(code: str, staff_count: int) -> int:
    size = INSTITUTION_SIZES.get(code)
    return size[0] if size else RESIDENTS_PER_STAFF * staff_count


def _coprime_stride(rnd: random.Random, population: int) -> int:
    stride = rnd.randrange(population // 3, population // 2 + 2)
    while gcd(stride, population) != 1:
        stride += 1
    return stride


def _plan(
    year: int,
    records: int,
    rnd: random.Random,
    items: Sequence[DemoItem],
    staff: Sequence[Staff],
    activity: Mapping[str, float],
) -> tuple[list[tuple[Any, ...]], list[float]]:
    """One entry per (institution, item) with its cumulative weight and small state.

    `activity`: an institution's busyness this year relative to its size (1 when absent).
    """
    institutions = _institutions(staff)
    if not institutions or not items:
        raise ValueError("the demo needs at least one staff member and one item")
    item_weights = [ITEM_WEIGHTS.get(i.code, DEFAULT_WEIGHT.get(i.category, 10)) for i in items]
    total_item = sum(item_weights)
    sizes = {code: _residents(code, len(codes)) for code, codes in institutions.items()}
    busy = {code: size * activity.get(code, 1.0) for code, size in sizes.items()}
    total_busy = sum(busy.values())
    busiest_capped = max(
        (w for i, w in zip(items, item_weights, strict=True) if i.cap is not None), default=0
    )
    pairs: list[tuple[Any, ...]] = []
    weights: list[float] = []
    for k, (code, codes) in enumerate(institutions.items()):
        expected = records * busy[code] / total_busy
        # Enough residents that one item's groups never wrap round (no accidental over-spec).
        population = max(sizes[code], int(expected * busiest_capped / total_item * 1.5) + 100)
        stride = _coprime_stride(rnd, population)
        bases: dict[str, int] = {}
        for item, weight in zip(items, item_weights, strict=True):
            cap_state: list[int] | None = None
            if item.cap is not None:
                family = FAMILIES.get(item.code, item.code)
                base = bases.setdefault(family, rnd.randrange(population))
                # group (whose turn), used (records in it), full (last group at cap)
                cap_state = [0, 0, -1, base, stride, item.cap]
            quantities = QUANTITIES.get(item.code, ("1",)) if item.cap is None else ("1",)
            pairs.append(
                (
                    k,
                    f"{code}-{year}-",
                    f",{code},",
                    codes,
                    len(codes),
                    f",{item.code},",
                    quantities,
                    len(quantities),
                    RESIDENT_SHARE.get(item.code, DEFAULT_RESIDENT_SHARE),
                    f"{code}R",
                    population,
                    cap_state,
                )
            )
            weights.append(busy[code] * weight)
    return pairs, list(accumulate(weights))


def write_records(
    out: TextIO,
    *,
    year: int,
    records: int,
    seed: int,
    items: Sequence[DemoItem],
    staff: Sequence[Staff],
    activity: Mapping[str, float] | None = None,
) -> int:
    """Write a CSV record file of exactly `records` rows for `year`; return the row count.

    The same arguments give the same bytes, and fewer records give a prefix of
    the file that more records give (up to about 20 million records). `activity`
    makes an institution busier (1.2) or quieter (0.8) than its size says.
    """
    if records < 0:
        raise ValueError(f"records must be 0 or more, got {records}")
    rnd = random.Random(seed)
    pairs, pair_cum = _plan(year, records, rnd, items, staff, activity or {})
    day_texts, day_cum = year_days(year)
    counters = [0] * (pairs[-1][0] + 1)
    rand, choices, over = rnd.random, rnd.choices, OVER_CAP_SHARE
    out.write(HEADER)
    written = 0
    while written < records:
        size = min(BLOCK_ROWS, records - written)
        lines: list[str] = []
        append = lines.append
        # Whole blocks are drawn even at the end, so a shorter file is a prefix of a longer one.
        chosen = choices(pairs, cum_weights=pair_cum, k=BLOCK_ROWS)
        days = choices(day_texts, cum_weights=day_cum, k=BLOCK_ROWS)
        for pair, day in zip(chosen[:size], days[:size], strict=True):
            k, sid, mid, codes, n_staff, tail, qtys, n_qty, share, rpre, pop, cap_state = pair
            number = counters[k] = counters[k] + 1
            who = codes[int(rand() * n_staff)]
            quantity = qtys[int(rand() * n_qty)] if n_qty > 1 else "1"
            if cap_state is None:
                resident = f"{rpre}{int(rand() * pop):06d}" if rand() < share else ""
            else:
                resident = f"{rpre}{_capped_resident(cap_state, pop, rand() < over):06d}"
            append(f"{sid}{number:08d}{mid}{who}{tail}{day},{resident},{quantity}\n")
        out.write("".join(lines))
        written += size
    return written


def _capped_resident(state: list[int], population: int, over_cap: bool) -> int:
    """The resident of the next record of a capped item; `over_cap` reuses a full one."""
    group, used, full, base, stride, cap = state
    if over_cap and full >= 0:
        group = full
    elif used + 1 >= cap:
        state[0], state[1], state[2] = group + 1, 0, group
    else:
        state[1] = used + 1
    return (base + group * stride) % population


def write_bad_rows(
    out: TextIO, *, year: int, staff: Sequence[Staff], items: Sequence[DemoItem]
) -> int:
    """Write a short CSV with good rows and one row for each reason to reject; return rows."""
    institutions = _institutions(staff)
    if len(institutions) < 2:
        raise ValueError("bad rows need staff of at least two institutions")
    (home, home_staff), (other, other_staff) = list(institutions.items())[:2]
    plain = _pick(items, "OP", capped=False)
    capped = _pick(items, "HTN", capped=True)
    test = _pick(items, "LAB_CBC", capped=False)
    known_staff = {code for code, _, _ in staff}
    nobody = next(f"{home}S{n}" for n in range(999, 10**6) if f"{home}S{n}" not in known_staff)
    nowhere = next(c for c in ("HY99", "XX99", "ZZ999") if c not in institutions)
    no_item = next(c for c in ("CT_SCAN", "NO_SUCH_ITEM") if c not in {i.code for i in items})
    s1, s2 = home_staff[0], other_staff[0]
    rows = [
        (home, s1, plain, f"{year}-03-05", f"{home}R000001", "1"),
        (other, s2, capped, f"{year}-04-10", f"{other}R000002", "1"),
        (home, s1, test, f"{year}-05-07", f"{home}R000003", "2"),
        (nowhere, s1, plain, f"{year}-03-06", "", "1"),
        (home, s1, no_item, f"{year}-03-07", f"{home}R000004", "1"),
        (home, nobody, plain, f"{year}-03-08", f"{home}R000005", "1"),
        (home, s2, plain, f"{year}-03-09", f"{home}R000006", "1"),
        (home, s1, plain, f"{year}-02-30", f"{home}R000007", "1"),
        (home, s1, plain, "2999-06-01", f"{home}R000008", "1"),
        (home, s1, plain, f"{year}-06-01", f"{home}R000009", "1.5"),
        (home, s1, plain, f"{year}-06-02", f"{home}R000010", "-1"),
        (home, s1, plain, f"{year}-06-03", f"{home}R000011", "1e3"),
        (home, s1, capped, f"{year}-06-04", "", "1"),
    ]
    out.write(HEADER)
    for n, (inst, who, item, day, resident, quantity) in enumerate(rows, start=1):
        out.write(f"BAD-{year}-{n:03d},{inst},{who},{item},{day},{resident},{quantity}\n")
    return len(rows)


def _pick(items: Sequence[DemoItem], preferred: str, *, capped: bool) -> str:
    """`preferred` if the catalogue has it, else its first item with (or without) a cap."""
    codes = [i.code for i in items if (i.cap is not None) == capped]
    if not codes:
        raise ValueError(f"bad rows need an item {'with' if capped else 'without'} a cap")
    return preferred if preferred in codes else codes[0]
