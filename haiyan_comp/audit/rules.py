"""Pure audit rules (R5–R7): the sample ranking, the stratum, verdicts and the deduction.

No Flask, no SQLAlchemy, no clock: the services hand in plain values. The
ranking here is the one anyone can recompute from the seed (README).
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from haiyan_comp.audit.messages import (
    ACTOR_LENGTH,
    BATCH_ALREADY_CLOSED,
    BATCH_CLOSED,
    FAIL_NEEDS_REASON,
    RANGE_OUTSIDE_YEAR,
    RANGE_REVERSED,
    REASON_TOO_LONG,
    SAMPLE_OVER_POPULATION,
    SAMPLE_TOO_LARGE,
    SAMPLE_TOO_SMALL,
    SEED_EMPTY,
    SEED_TOO_LONG,
    SEED_UNTYPABLE,
    VERDICT_UNKNOWN,
    VERDICTS_MISSING,
)
from haiyan_comp.errors import Conflict, InvalidInput
from haiyan_comp.messages import Message
from haiyan_comp.money import largest_remainder, round_half_up

MAX_SEED = 200
MAX_SAMPLE = 1_000_000  # records judged one by one; a larger n is a typing error
PASS, FAIL = "pass", "fail"
OUTCOMES = (PASS, FAIL)
ALL, FLAGGED = "all", "flagged"  # the two kinds of stratum
MAX_REASON = 1000
MAX_ACTOR = 100
# Automatic check: more than 32.00 units (8 hours of 15-minute units) by one
# staff member on one day.
STAFF_DAY_LIMIT = 3200


class BatchClosed(Conflict):
    """A closed batch never changes (R7)."""

    code = "batch_closed"


class BatchOverlap(Conflict):
    """Batches of one institution, item and year must not overlap in dates (R5)."""

    code = "batch_overlap"


class VerdictsMissing(Conflict):
    """A batch closes only when every sampled record has a verdict (R7)."""

    code = "verdicts_missing"


def check_seed(seed: str) -> None:
    """Refuse a seed that is empty, longer than MAX_SEED, padded or unprintable (R6)."""
    if not seed or seed.isspace():
        raise InvalidInput(SEED_EMPTY())
    if len(seed) > MAX_SEED:
        raise InvalidInput(SEED_TOO_LONG(length=len(seed), most=MAX_SEED))
    if seed != seed.strip() or not seed.isprintable():
        raise InvalidInput(SEED_UNTYPABLE(seed=repr(seed)))


def check_actor(by: str) -> str:
    """Who acts, for the trail: 1–100 characters."""
    name = by.strip()
    if not name or len(name) > MAX_ACTOR:
        raise InvalidInput(ACTOR_LENGTH(most=MAX_ACTOR, given=repr(by)))
    return name


def check_range(year: int, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """The stratum's service-date range; the whole year by default (R5)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    start, end = date_from or first, date_to or last
    if not (first <= start <= last and first <= end <= last):
        raise InvalidInput(
            RANGE_OUTSIDE_YEAR(start=start, end=end, year=year, first=first, last=last)
        )
    if start > end:
        raise InvalidInput(RANGE_REVERSED(start=start, end=end))
    return start, end


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    """Whether two closed date ranges share a day."""
    return a[0] <= b[1] and b[0] <= a[1]


def check_size(size: int, population: int | None, stratum: Message) -> None:
    """1 ≤ n ≤ N (R6); with N not known yet, 1 ≤ n ≤ MAX_SAMPLE."""
    if size < 1:
        raise InvalidInput(SAMPLE_TOO_SMALL(size=size))
    if size > MAX_SAMPLE:
        raise InvalidInput(SAMPLE_TOO_LARGE(size=size, most=MAX_SAMPLE))
    if population is None:
        return
    if size > population:
        raise InvalidInput(
            SAMPLE_OVER_POPULATION(size=size, stratum=stratum, population=population)
        )


def rank_key(seed: str, institution_code: str, source_id: str) -> str:
    """The R6 rank of one record: lowercase hex SHA-256 of "{seed}:{institution}:{source_id}"."""
    return hashlib.sha256(f"{seed}:{institution_code}:{source_id}".encode()).hexdigest()


def draw_sample(
    seed: str, institution_code: str, source_ids: Iterable[str], size: int
) -> list[str]:
    """The `size` source ids of smallest rank (R6), smallest first; ties by source id.

    Streams: memory holds only the sample. Raw digests order as their
    lowercase hex does, so comparing bytes gives R6's order.
    """
    prefix = hashlib.sha256(f"{seed}:{institution_code}:".encode())

    def ranked() -> Iterable[tuple[bytes, str]]:
        for source_id in source_ids:
            digest = prefix.copy()
            digest.update(source_id.encode())
            yield digest.digest(), source_id

    return [source_id for _, source_id in heapq.nsmallest(size, ranked())]


def check_verdict(outcome: str, reason: str | None) -> str | None:
    """A pass needs nothing, a fail a reason (R7); returns the reason to store."""
    if outcome not in OUTCOMES:
        raise InvalidInput(VERDICT_UNKNOWN(given=repr(outcome)))
    text = (reason or "").strip()
    if outcome == FAIL and not text:
        raise InvalidInput(FAIL_NEEDS_REASON())
    if len(text) > MAX_REASON:
        raise InvalidInput(REASON_TOO_LONG(length=len(text), most=MAX_REASON))
    return text or None


def deduction(units: int, failed: int, size: int) -> int:
    """D = round(U × failed ÷ n), in hundredths, exact and half up (R7, R0)."""
    if size < 1 or not 0 <= failed <= size:
        raise ValueError(f"failed {failed} of n {size} is not a share")
    return round_half_up(Fraction(units * failed, size))


@dataclass(frozen=True)
class Closing:
    """What closing a batch fixes (R7)."""

    failed: int
    size: int
    deduction: int


def close_batch(
    batch_id: int, closed: bool, units: int, outcomes: Mapping[str, str | None]
) -> Closing:
    """The drawn → closed transition: every sampled record judged, then D (R7).

    `outcomes` maps each sampled source id to 'pass', 'fail' or None (none yet).
    """
    if closed:
        raise BatchClosed(BATCH_ALREADY_CLOSED(batch=batch_id))
    missing = sorted(source for source, outcome in outcomes.items() if outcome is None)
    if missing:
        shown = ", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")
        raise VerdictsMissing(
            VERDICTS_MISSING(
                batch=batch_id, missing=len(missing), sampled=len(outcomes), shown=shown
            ),
            details={"batch": batch_id, "missing": missing},
        )
    failed = sum(1 for outcome in outcomes.values() if outcome == FAIL)
    return Closing(failed, len(outcomes), deduction(units, failed, len(outcomes)))


def check_open(batch_id: int, closed: bool, what: Message) -> None:
    """Refuse `what` on a closed batch (R7)."""
    if closed:
        raise BatchClosed(BATCH_CLOSED(batch=batch_id, what=what))


def share_of_deduction(total: int, failed_source_ids: Iterable[str]) -> dict[str, int]:
    """D split equally among a batch's failed records (largest remainder), for tracing."""
    return largest_remainder(total, {source_id: 1 for source_id in failed_source_ids})
