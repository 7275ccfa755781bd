"""Freezing a stratum's population at the draw (R5), streaming its source ids for R6.

The population is written on the server by one INSERT … SELECT (never row by
row from Python), and its source ids come back in the same pass, so that a
stratum of 1,000,000 records is frozen and ranked in about a second:

- PostgreSQL: one statement; a MATERIALIZED CTE selects the stratum once, a
  data-modifying CTE inserts it, and the outer SELECT ranks it on the server
  (R6's SHA-256 of "{seed}:{institution}:{source id}", raw digests ordered as
  bytes, as their lowercase hex is) and returns only the n smallest, with N
  and U counted over the same CTE: the million digests never leave the server.
- SQLite: the INSERT, then the same SELECT for the source ids, ranked in
  Python by `rules.draw_sample` (the reference the SQL ranking is held equal
  to). The draw holds SQLite's only write lock, so every statement sees the
  same records.

The units per staff member (audit_population_staff) are what R18 reads, so
the bonus never joins a population to its records. R18 weighs only closed
batches with failed verdicts, so the close of such a batch writes them
(`add_staff_units`), from the records' current purchasable units; the draw
does not (a few tenths of a second at 1,000,000 records), nor a batch that
closes without failures.

A large stratum is read by scanning the table (see SCAN_SHARE); on SQLite its
source ids come back joined into one text per range of record ids (see Frozen).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from haiyan_comp.audit.flags import flagged
from haiyan_comp.audit.messages import NO_RECORDS_LEFT, NONE_FLAGGED, NOTHING_TO_AUDIT
from haiyan_comp.audit.models import AuditBatch, PopulationRecord, PopulationStaff
from haiyan_comp.audit.rules import FLAGGED, draw_sample
from haiyan_comp.messages import Message
from haiyan_comp.records.models import ServiceRecord, UnitTotal

r, p = ServiceRecord, PopulationRecord
COLUMNS = ["batch_id", "record_id", "purchasable"]
STAFF_COLUMNS = ["batch_id", "staff_id", "records", "purchasable"]
# Past 1/SCAN_SHARE of all records a stratum is read by scanning the table
# (0.3 µs a row) instead of through the index (4 µs a row); SQLite keeps no
# statistics to know it, and PostgreSQL's may lag behind a bulk import.
SCAN_SHARE = 10
SPAN_IDS = 250_000  # a large stratum's ids are read one range of this many record ids at a time


def freeze(session: Session, batch: AuditBatch, institution_code: str) -> Drawn:
    """Write `batch`'s population and draw its sample by the batch's seed and size (R5, R6)."""
    if session.get_bind().dialect.name == "postgresql":
        return _freeze_postgres(session, batch, institution_code)
    frozen = _freeze_sqlite(session, batch)
    sample = draw_sample(batch.seed, institution_code, frozen, batch.size)
    return Drawn(sample, frozen.count, frozen.units)


@dataclass(frozen=True)
class Drawn:
    """A frozen population's sample in rank order, its N and its U (hundredths)."""

    sample: list[str]
    count: int
    units: int


def sql_rank_key(seed: str, institution_code: str, source_id: Any) -> Any:
    """PostgreSQL: R6's rank of a record as the raw SHA-256 digest (bytea orders as its hex)."""
    prefix = literal(f"{seed}:{institution_code}:", type_=String)
    return func.sha256(func.convert_to(prefix.concat(source_id), literal_column("'UTF8'")))


def _freeze_postgres(session: Session, batch: AuditBatch, institution_code: str) -> Drawn:
    """Freeze, count N and U, then rank the population on the server.

    Separate statements, so that the reads (N and U; the ranking) may run in
    parallel workers (a statement that writes never does), and the insert
    keeps no copy of what it wrote. The draw holds the records lock, so all
    of them see the same records; the count is checked against the insert's.
    A flagged stratum's checks are evaluated once, by the insert: N, U and the
    ranking then read the frozen rows.
    """
    where = _stratum(session, batch, scan=_scan_table(session, batch))
    connection = session.connection()
    inserted = connection.execute(
        postgresql.insert(p).from_select(
            COLUMNS, select(literal(batch.id), r.id, r.purchasable).where(*where)
        ),
        execution_options={"preserve_rowcount": True},
    ).rowcount
    totals = select(func.count(), func.coalesce(func.sum(r.purchasable), 0)).where(*where)
    if batch.stratum == FLAGGED:
        where = [p.batch_id == batch.id, p.record_id == r.id]
        totals = select(func.count(), func.coalesce(func.sum(p.purchasable), 0))
        totals = totals.where(p.batch_id == batch.id)
    count, units = connection.execute(totals).one()
    rank = sql_rank_key(batch.seed, institution_code, r.source_id)
    sample = connection.scalars(
        select(r.source_id).where(*where).order_by(rank, r.source_id).limit(batch.size)
    ).all()
    if count != inserted:  # never, under the records lock: refuse rather than draw wrong
        raise RuntimeError(f"the stratum changed during the draw ({inserted} frozen, {count})")
    return Drawn(list(sample), int(count), int(units))


def _freeze_sqlite(session: Session, batch: AuditBatch) -> Frozen:
    scan = _scan_table(session, batch)
    where = _stratum(session, batch, scan=scan)
    session.execute(
        sqlite.insert(p).from_select(
            COLUMNS, select(literal(batch.id), r.id, r.purchasable).where(*where)
        )
    )
    return Frozen(session.connection(), where, scan=scan)


class Frozen:
    """A frozen population's source ids, read once; N and U counted on the way (R5).

    SQLite joins each part's source ids into one text, a NUL between two (R2 refuses a
    NUL in a source id), and Python splits it in C: a million ids in 0.37 s, where
    reading them as a million rows took 0.57 s. A stratum read by scanning the table
    (a large one) is read SPAN_IDS record ids at a time, each part one range of the
    primary key, so that memory holds one part's ids, never the whole stratum's; a
    small one is read through its index in one part. Counting here spares the draw a
    second pass over the population for N and U.
    """

    def __init__(
        self, connection: Connection, where: list[ColumnElement[bool]], *, scan: bool
    ) -> None:
        self._connection, self._where, self._scan = connection, where, scan
        self.count = 0
        self.units = 0

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self._parts())  # the ids one by one, in C

    def _parts(self) -> Iterator[list[str]]:
        spans: list[list[ColumnElement[bool]]] = [[]]
        if self._scan:
            low, high = self._connection.execute(select(func.min(r.id), func.max(r.id))).one()
            starts = range(int(low or 0) - 1, int(high or 0), SPAN_IDS)
            spans = [[r.id > start, r.id <= start + SPAN_IDS] for start in starts]
        joined = func.group_concat(r.source_id, func.char(0))
        for span in spans:
            count, units, ids = self._connection.execute(
                select(func.count(), func.coalesce(func.sum(r.purchasable), 0), joined).where(
                    *self._where, *span
                )
            ).one()
            if count:
                self.count += int(count)
                self.units += int(units)
                yield ids.split("\x00")


def _stratum(session: Session, batch: AuditBatch, *, scan: bool) -> list[ColumnElement[bool]]:
    """The records of the batch's stratum with purchasable units > 0, not frozen elsewhere."""
    # `+ 0` keeps the planner off the (institution, item, …) index, and only there: the
    # checks of a flagged stratum still look each record up by their indexes.
    institution = r.institution_id + 0 if scan else r.institution_id
    where = [
        institution == batch.institution_id,
        r.item_id == batch.item_id,
        r.year == batch.year,
        r.service_date.between(batch.date_from, batch.date_to),
        r.purchasable > 0,
    ]
    if batch.stratum == FLAGGED:
        where.append(flagged(session, batch.year))
    others = _overlapping_other_kind(session, batch)
    if others:
        frozen = select(p.record_id).where(p.batch_id.in_(others), p.record_id == r.id)
        where.append(~frozen.exists())
    return where


def _overlapping_other_kind(session: Session, batch: AuditBatch) -> list[int]:
    """Batches of the other stratum kind over some of the same days (R5 allows them)."""
    b = AuditBatch
    return list(
        session.scalars(
            select(b.id).where(
                b.institution_id == batch.institution_id,
                b.item_id == batch.item_id,
                b.year == batch.year,
                b.stratum != batch.stratum,
                b.date_from <= batch.date_to,
                b.date_to >= batch.date_from,
            )
        )
    )


def _scan_table(session: Session, batch: AuditBatch) -> bool:
    """Whether the stratum is a large share of all records (from the running totals)."""
    t = UnitTotal
    in_stratum = session.scalar(
        select(func.coalesce(func.sum(t.records), 0)).where(
            t.institution_id == batch.institution_id,
            t.item_id == batch.item_id,
            t.month.between(batch.date_from.month, batch.date_to.month),
        )
    )
    total = session.scalar(select(func.coalesce(func.sum(t.records), 0)))
    return int(in_stratum or 0) * SCAN_SHARE > int(total or 0)


def _weighed(year: int) -> Select[int]:
    """The batches of a year whose units per staff member R18 reads: closed, with failures."""
    b = AuditBatch
    return select(b.id).where(b.year == year, b.closed_at.is_not(None), b.failed > 0)


def _by_staff(batches: Select[int]) -> Select[int, int, int, int]:
    """Each population's records and current purchasable units per staff member."""
    return (
        select(p.batch_id, r.staff_id, func.count(), func.sum(r.purchasable))
        .join(r, r.id == p.record_id)
        .where(p.batch_id.in_(batches))
        .group_by(p.batch_id, r.staff_id)
    )


def add_staff_units(session: Session, batch_id: int) -> None:
    """Write a closing batch's units per staff member (R18 weighs it: it has failures)."""
    session.execute(delete(PopulationStaff).where(PopulationStaff.batch_id == batch_id))
    batch = select(literal(batch_id))
    session.execute(insert(PopulationStaff).from_select(STAFF_COLUMNS, _by_staff(batch)))


def recount_staff(session: Session, year: int) -> None:
    """Rebuild the per-staff units of a year's weighed populations from the populations."""
    batches = select(AuditBatch.id).where(AuditBatch.year == year)
    session.execute(delete(PopulationStaff).where(PopulationStaff.batch_id.in_(batches)))
    session.execute(insert(PopulationStaff).from_select(STAFF_COLUMNS, _by_staff(_weighed(year))))


def counted_staff(session: Session, year: int) -> list[tuple[int, ...]]:
    """The per-staff units a recount would give, sorted (for checks and tests)."""
    rows = session.execute(_by_staff(_weighed(year)).order_by(p.batch_id, r.staff_id))
    return [tuple(int(v) for v in row) for row in rows]


def stored_staff(session: Session, year: int) -> list[tuple[int, ...]]:
    """The running per-staff units of a year's weighed populations, sorted like counted_staff."""
    s = PopulationStaff
    rows = session.execute(
        select(s.batch_id, s.staff_id, s.records, s.purchasable)
        .where(s.batch_id.in_(_weighed(year)))
        .order_by(s.batch_id, s.staff_id)
    )
    return [tuple(int(v) for v in row) for row in rows]


def why_empty(session: Session, batch: AuditBatch, what: Message) -> Message:
    """Why a stratum froze no records, for the message."""
    purchasable = session.scalar(
        select(func.count()).where(
            r.institution_id == batch.institution_id,
            r.item_id == batch.item_id,
            r.year == batch.year,
            r.service_date.between(batch.date_from, batch.date_to),
            r.purchasable > 0,
        )
    )
    if not purchasable:
        return NOTHING_TO_AUDIT(stratum=what)
    others = _overlapping_other_kind(session, batch)
    if others:
        return NO_RECORDS_LEFT(stratum=what, batches=", ".join(map(str, others)))
    return NONE_FLAGGED(stratum=what, records=purchasable)
