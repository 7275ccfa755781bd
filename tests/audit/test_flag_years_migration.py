"""Migration 0011 downgraded: years left for the first read are recounted, as 0010 keeps them."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from haiyan_comp import migrate
from haiyan_comp.records import day_totals
from tests.services.helpers import HEADER, import_text, setup_county

ROWS = HEADER + "".join(
    f"A{n:03d},HY01,S1,{'OP' if n % 2 else 'HTN'},2018-03-0{1 + n % 3},r{n % 4},1\n"
    for n in range(60)
)


def test_a_downgrade_leaves_no_year_behind(scratch_url: str) -> None:
    engine = create_engine(scratch_url)
    with Session(engine) as session, session.begin():
        setup_county(session)
        import_text(session, ROWS)
        assert day_totals.is_due(session, 2018)  # the year's first load: left for later
        assert day_totals.stored_days(session, 2018) == []
    migrate.downgrade(scratch_url, "0010_records_staff_index")
    with Session(engine) as session:
        assert day_totals.stored_days(session, 2018) == day_totals.counted_days(session, 2018)
        by_import = day_totals.stored_days(session, 2018, by_import=True)
        assert by_import == day_totals.counted_days(session, 2018, by_import=True)
        # 0010's repeat_records, before 0020 gave them source ids and units.
        columns = "record_id, year, institution_id, item_id, resident_id, service_date"
        repeats = session.execute(
            text(f"SELECT {columns} FROM repeat_records WHERE year = 2018 ORDER BY record_id")
        ).all()
        counted = day_totals.counted_repeats(session, 2018)
        assert repeats and [tuple(row) for row in repeats] == [row[:6] for row in counted]
    migrate.upgrade(scratch_url)
    with Session(engine) as session:
        assert not day_totals.is_due(session, 2018)
    engine.dispose()
