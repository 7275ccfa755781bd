"""The draw's sample is R6's on every database: PostgreSQL ranks in SQL, SQLite in Python.

`rules.draw_sample` is the reference anyone can recompute from the seed; on
PostgreSQL the draw ranks the population on the server (`sql_rank_key`).
These tests hold the two equal, non-ASCII source ids and seeds included.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import literal_column, select, text
from sqlalchemy.orm import Session

from haiyan_comp.audit.models import PopulationRecord
from haiyan_comp.audit.population import sql_rank_key
from haiyan_comp.audit.rules import draw_sample
from haiyan_comp.audit.services import draw_batch
from haiyan_comp.db import db
from haiyan_comp.records.models import ServiceRecord
from tests.conftest import ON_POSTGRES
from tests.services.helpers import HEADER, import_text, setup_county
from tests.services.test_audit_flags import crafted

ODD_IDS = [
    "门诊-0001", "门诊-0002", "Ünïcödé-3", "émoji-🙂-4", "ASCII-5", "z", "Z", "0", "a b c",
    "ß-6", "İ-7", "한글-8", "עברית-9", "x" * 60, "门" * 40, "tab\u00a0nbsp", "𝔘𝔫𝔦-10",
]  # fmt: skip


def load(session: Session) -> list[str]:
    """The worked example's county and HY01's OP records: odd ids and plain ones."""
    plain = [f"OP{n:04d}" for n in range(120)]
    rows = [
        f"{source},HY01,S1,OP,2018-{1 + n % 12:02d}-{1 + n % 28:02d},,1"
        for n, source in enumerate(ODD_IDS + plain)
    ]
    with db.unit_of_work():
        setup_county(session)
        report = import_text(session, HEADER + "\n".join(rows) + "\n")
    assert report.imported == len(rows), report
    return ODD_IDS + plain


@pytest.mark.parametrize(
    ("seed", "size"),
    [("haiyan-2018", 1), ("海盐县-2018 审计", 12), ("Ünïcödé 🙂 seed", 137), ("s", 40)],
)
def test_the_drawn_sample_is_the_python_rules_sample(
    session: Session, seed: str, size: int
) -> None:
    population = load(session)
    drawn = draw_batch(
        session, year=2018, institution_code="HY01", item_code="OP", size=size, seed=seed,
        drawn_by="test",
    )  # fmt: skip
    assert drawn.sample == draw_sample(seed, "HY01", population, size)
    assert drawn.batch.population_count == len(population)
    assert drawn.batch.population_units == 100 * len(population)


def test_a_draw_of_the_whole_population_orders_every_record(session: Session) -> None:
    population = load(session)
    drawn = draw_batch(
        session, year=2018, institution_code="HY01", item_code="OP", size=len(population),
        seed="全部", drawn_by="test",
    )  # fmt: skip
    assert drawn.sample == draw_sample("全部", "HY01", population, len(population))
    assert sorted(drawn.sample) == sorted(population)


def sql_order(session: Session, seed: str, code: str, ids: list[str], size: int) -> list[str]:
    """PostgreSQL's ranking of `ids` by `sql_rank_key`, the `size` smallest first."""
    s = literal_column("t.s")
    values = text("unnest(CAST(:ids AS text[])) AS t(s)").bindparams(ids=ids)
    query = select(s).select_from(values).order_by(sql_rank_key(seed, code, s), s).limit(size)
    return list(session.scalars(query))


printable = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    min_size=1,
    max_size=30,
)


@pytest.mark.skipif(not ON_POSTGRES, reason="the SQL ranking is PostgreSQL's")
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=printable,
    code=printable,
    ids=st.lists(printable, min_size=1, max_size=40, unique=True),
    size=st.integers(min_value=1, max_value=45),
)
def test_sql_ranking_equals_the_python_rule(
    session: Session, seed: str, code: str, ids: list[str], size: int
) -> None:
    assert sql_order(session, seed, code, ids, size) == draw_sample(seed, code, ids, size)


@pytest.mark.parametrize("size", [1, 7, 35])
def test_a_flagged_stratum_is_ranked_by_the_python_rule(session: Session, size: int) -> None:
    crafted(session)
    drawn = draw_batch(
        session, year=2018, institution_code="HY01", item_code="OP", size=size, seed="标记 f",
        flagged_only=True, drawn_by="test",
    )  # fmt: skip
    frozen = session.scalars(
        select(ServiceRecord.source_id)
        .join(PopulationRecord, PopulationRecord.record_id == ServiceRecord.id)
        .where(PopulationRecord.batch_id == drawn.batch.id)
    ).all()
    assert (drawn.batch.population_count, drawn.batch.population_units) == (35, 3500)
    assert len(frozen) == 35
    assert drawn.sample == draw_sample("标记 f", "HY01", frozen, size)
