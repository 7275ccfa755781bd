"""The county's one clock: times are stored in UTC and read in the county's zone.

The zone is the setting ``HAIYAN_TIMEZONE`` (default Asia/Shanghai), checked when the
configuration loads (config.py). Pages, documents, spreadsheets and reports all go
through here, so a batch drawn at 23:30 UTC is the next morning everywhere a person
reads it, never UTC on one page and UTC+8 on another.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
SETTING = "HAIYAN_TIMEZONE"


class ZoneError(ValueError):
    """A configured time zone this machine does not know."""


def zone_named(name: str) -> ZoneInfo:
    """The zone called ``name`` (an IANA name such as Asia/Shanghai), or ZoneError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoneError(
            f"{SETTING} must be an IANA time zone such as {DEFAULT_ZONE}, got {name!r}"
        ) from None


_configured: ZoneInfo | None = None


def configure(name: str) -> None:
    """Use the zone ``name`` from now on (the app factory calls this with its setting)."""
    global _configured
    _configured = zone_named(name)


def county_zone() -> ZoneInfo:
    """The county's zone: the configured one, else the environment's, else Asia/Shanghai."""
    return _configured or _zone_from_environment()


@lru_cache(maxsize=1)
def _zone_from_environment() -> ZoneInfo:
    return zone_named(os.environ.get(SETTING) or DEFAULT_ZONE)


def now() -> datetime:
    """This moment, in UTC: what is stored."""
    return datetime.now(UTC)


def county_time(moment: datetime) -> datetime:
    """A stored moment in the county's zone; a naive one (SQLite returns them) is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(county_zone())


def county_date(moment: datetime) -> date:
    """The county's calendar day of a stored moment."""
    return county_time(moment).date()


def today() -> date:
    """Today in the county."""
    return county_date(now())


def shown(moment: datetime | date | None, *, seconds: bool = False) -> str:
    """A moment as a person reads it in the county (``2026-12-06 19:03``), a date as
    ``2026-12-06``, nothing as a dash."""
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        return county_time(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return moment.isoformat()


def utc_offset_hours() -> int:
    """The county's offset from UTC now, in whole hours, for SQL that groups by county day
    (zones with daylight saving or half hours are out of scope for that grouping)."""
    offset = now().astimezone(county_zone()).utcoffset()
    return int(offset.total_seconds() // 3600) if offset is not None else 0
