"""Migration 0023: R2's key on the records becomes a unique index a bulk load can drop."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from haiyan_comp import migrate
from haiyan_comp.records.models import RECORDS_KEY
from tests.services.helpers import HEADER, import_text, setup_county

ROWS = HEADER + "".join(f"K{n},HY01,S1,OP,2018-03-{1 + n % 28:02d},,1\n" for n in range(30))
STORED = "SELECT institution_id, source_id, quantity, line FROM service_records ORDER BY id"
REPEAT = (
    "INSERT INTO service_records (institution_id, source_id, staff_id, item_id, year,"
    " service_date, resident_id, quantity, units, purchasable, capped, import_id, line)"
    " SELECT institution_id, source_id, staff_id, item_id, year, service_date, resident_id,"
    " quantity, units, purchasable, capped, import_id, line + 1000 FROM service_records"
)


def _holds_the_key(session: Session) -> bool:
    """Whether a record sent twice is refused (in a savepoint: nothing stays)."""
    try:
        with session.begin_nested():
            session.execute(text(REPEAT))
    except IntegrityError:
        return True
    return False


def _key_can_be_dropped(session: Session) -> bool:
    try:
        with session.begin_nested() as nested:
            session.execute(text(f"DROP INDEX {RECORDS_KEY}"))
            nested.rollback()
    except DBAPIError:
        return False
    return True


def test_the_key_becomes_an_index_and_every_record_stays(scratch_url: str) -> None:
    migrate.downgrade(scratch_url, "0022_records_fillfactor")
    engine = create_engine(scratch_url)
    with Session(engine) as session, session.begin():
        setup_county(session)
        assert import_text(session, ROWS).imported == 30
        before = session.execute(text(STORED)).all()
        assert _holds_the_key(session)
    migrate.upgrade(scratch_url)
    with Session(engine) as session, session.begin():
        assert session.execute(text(STORED)).all() == before
        assert _holds_the_key(session)
        assert _key_can_be_dropped(session)
    migrate.downgrade(scratch_url, "0022_records_fillfactor")
    with Session(engine) as session, session.begin():
        assert session.execute(text(STORED)).all() == before
        assert _holds_the_key(session)
        assert not _key_can_be_dropped(session)  # a table's own constraint
    engine.dispose()
