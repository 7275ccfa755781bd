"""Migration 0021: each sampled record keeps its purchasable units as its population froze them."""

from __future__ import annotations

from sqlalchemy import create_engine, select, text, update
from sqlalchemy.orm import Session

from haiyan_comp import migrate
from haiyan_comp.audit.models import Verdict
from haiyan_comp.audit.services import draw_batch
from haiyan_comp.records.models import ServiceRecord
from tests.services.helpers import HEADER, import_text, setup_county

ROWS = HEADER + "".join(
    f"A{n:03d},HY01,S1,OP,2018-03-{1 + n % 28:02d},r{n % 9},{1 + n % 4}\n" for n in range(80)
)
POPULATION = (
    "SELECT v.rank, p.purchasable FROM audit_verdicts v JOIN audit_population p"
    " ON p.batch_id = v.batch_id AND p.record_id = v.record_id ORDER BY v.rank"
)


def _sample(session: Session) -> list[tuple[int, int]]:
    return [tuple(row) for row in session.execute(select(Verdict.rank, Verdict.purchasable))]  # type: ignore[misc]


def test_sampled_units_are_the_populations_and_survive_the_migration(scratch_url: str) -> None:
    engine = create_engine(scratch_url)
    with Session(engine) as session, session.begin():
        setup_county(session)
        import_text(session, ROWS)
        draw_batch(
            session, year=2018, institution_code="HY01", item_code="OP", size=12,
            seed="s-0021", flagged_only=False, drawn_by="test",
        )  # fmt: skip
        drawn = sorted(_sample(session))
        assert drawn == [tuple(row) for row in session.execute(text(POPULATION))]
        assert len({units for _rank, units in drawn}) > 1  # quantities 1-4: units differ
        # Frozen: a record's units changing after the draw leaves the sample's as drawn.
        session.execute(update(ServiceRecord).values(purchasable=ServiceRecord.purchasable + 1))
        assert sorted(_sample(session)) == drawn
    migrate.downgrade(scratch_url, "0020_repeat_records_listed")
    migrate.upgrade(scratch_url)
    with Session(engine) as session:
        assert sorted(_sample(session)) == drawn  # refilled from the population
    engine.dispose()
