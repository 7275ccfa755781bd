"""render_settlement on a plain dataclass: no database, both kinds of font."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from haiyan_comp.statements.data import (
    StatementData,
    StatementInstalment,
    StatementItem,
    changed_figures,
)
from haiyan_comp.statements.fonts import CID_FONT
from haiyan_comp.statements.layout import read_embedded
from haiyan_comp.statements.render import render_settlement

DATA = StatementData(
    county="海盐县",
    institution_code="HY02",
    institution_name="于城镇卫生院",
    year=2018,
    settled_as_of=date(2019, 1, 15),
    generated_at=datetime(2019, 1, 16, 9, 30, tzinfo=UTC),
    items=(StatementItem("OP", "普通门诊", "basic_medical", 4000, 0, 0, 4000),),
    verified_basic_medical=4000,
    verified_public_health=3500,
    purchased_basic_medical=4000,
    purchased=7500,
    unit_price="10.00",
    budget=200000,
    risk_fund_draw=0,
    entitlement=75000,
    final=75000,
    prepaid=80000,
    balance=-5000,
    instalments=tuple(
        StatementInstalment(n, date(2018, 3 * n - 2, 1), 20000, 0, 20000) for n in range(1, 5)
    ),
)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_figures_and_their_hash_ride_in_the_file() -> None:
    pdf = render_settlement(DATA)
    embedded = read_embedded(pdf)
    assert embedded is not None
    digest, figures = embedded
    assert digest == DATA.sha256 and figures == DATA.canonical_figures()
    assert json.loads(figures)["balance"] == "-50.00"
    assert DATA.sha256 in text_of(pdf)


def test_the_built_in_cid_font_needs_nothing_installed() -> None:
    pdf = render_settlement(DATA, font=CID_FONT)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    assert read_embedded(pdf) is not None
    text = text_of(pdf)
    assert "750.00" in text and "800.00" in text and "50.00" in text


def test_the_hash_ignores_the_generation_time_but_not_a_figure() -> None:
    later = replace(DATA, generated_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert later.sha256 == DATA.sha256
    assert replace(DATA, final=75001).sha256 != DATA.sha256


@pytest.mark.parametrize(
    ("stored", "current", "changes"),
    [
        ({"final": "1.00"}, {"final": "1.00"}, []),
        ({"final": "1.00"}, {"final": "1.01"}, ["final: 1.00 → 1.01"]),
        (
            {"items": [{"code": "OP", "verified": "1.00"}]},
            {"items": [{"code": "OP", "verified": "0.50"}]},
            ["items[0].verified: 1.00 → 0.50"],
        ),
    ],
)
def test_changed_figures_names_each_change(
    stored: dict[str, object], current: dict[str, object], changes: list[str]
) -> None:
    assert changed_figures(stored, current) == changes


def test_a_long_figures_document_survives_the_round_trip() -> None:
    items = tuple(
        StatementItem(f"ITEM_{n}", "名称" * 10, "public_health", 100 * n, 0, 0, 100 * n)
        for n in range(53)
    )
    full = replace(DATA, items=items)
    embedded = read_embedded(render_settlement(full))
    assert embedded == (full.sha256, full.canonical_figures())
