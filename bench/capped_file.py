"""The capped-heavy record file of the import benchmark (issue 13, item 3).

30% of its rows are on items with a per-resident cap (R3), of 200,000
residents spread over the nine institutions, and its records come in random
order: source ids are a seeded permutation of the row numbers, so every row
lands in a random place of the unique key, and the dates are drawn at random.
The demo's own file is kinder on both counts (ids in order per institution,
capped items about a tenth of the rows). Seeded: the same size gives the same
bytes. Written in blocks, in constant memory.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import accumulate
from math import gcd
from typing import TextIO

from haiyan_comp.demo.generate import HEADER, DemoItem, Staff, year_days
from haiyan_comp.demo.mix import DEFAULT_WEIGHT, ITEM_WEIGHTS

CAPPED_SHARE = 0.30
RESIDENTS = 200_000
BLOCK_ROWS = 8192


def _weights(items: Sequence[DemoItem]) -> list[float]:
    return list(
        accumulate(ITEM_WEIGHTS.get(i.code, DEFAULT_WEIGHT.get(i.category, 10)) for i in items)
    )


def _stride(rnd: random.Random, records: int) -> int:
    """A multiplier coprime with `records`: n → n × stride mod records is a permutation."""
    stride = rnd.randrange(records // 3 + 1, records // 2 + 3)
    while gcd(stride, records) != 1:
        stride += 1
    return stride


def write_capped_records(
    out: TextIO,
    *,
    year: int,
    records: int,
    seed: int,
    items: Sequence[DemoItem],
    staff: Sequence[Staff],
) -> int:
    """Write `records` rows of the capped-heavy file; return the row count."""
    rnd = random.Random(seed)
    capped = [i for i in items if i.cap is not None]
    plain = [i for i in items if i.cap is None]
    capped_cum, plain_cum = _weights(capped), _weights(plain)
    by_institution: dict[str, list[str]] = {}
    for code, institution, _name in staff:
        by_institution.setdefault(institution, []).append(code)
    institutions = sorted(by_institution)
    days, day_cum = year_days(year)
    stride, offset = _stride(rnd, max(records, 2)), rnd.randrange(max(records, 1))
    rand, choices = rnd.random, rnd.choices
    out.write(HEADER)
    written = 0
    while written < records:
        size = min(BLOCK_ROWS, records - written)
        day_block = choices(days, cum_weights=day_cum, k=size)
        lines: list[str] = []
        for n, day in enumerate(day_block, start=written):
            number = (n * stride + offset) % records
            if rand() < CAPPED_SHARE:
                resident = int(rand() * RESIDENTS)
                inst = institutions[resident % len(institutions)]
                item = choices(capped, cum_weights=capped_cum)[0].code
                who = f"{inst}R{resident:06d}"
            else:
                inst = institutions[int(rand() * len(institutions))]
                item = choices(plain, cum_weights=plain_cum)[0].code
                who = ""
            codes = by_institution[inst]
            member = codes[int(rand() * len(codes))]
            lines.append(f"{inst}-{year}-{number:09d},{inst},{member},{item},{day},{who},1\n")
        out.write("".join(lines))
        written += size
    return written
