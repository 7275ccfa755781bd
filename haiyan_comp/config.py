"""Settings from the environment, validated at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from haiyan_comp import clock


class ConfigError(RuntimeError):
    """A setting that cannot work; raised before the app serves anything."""


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Collect settings: defaults, then the environment, then explicit overrides."""
    default_db = f"sqlite:///{Path(instance_path) / 'haiyan.sqlite3'}"
    config: dict[str, Any] = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_db,
        "SECRET_KEY": os.environ.get("HAIYAN_SECRET_KEY"),
        "COUNTY_NAME": os.environ.get("HAIYAN_COUNTY_NAME", "海盐县"),
        "IMPORT_CHUNK_ROWS": int(os.environ.get("HAIYAN_IMPORT_CHUNK_ROWS", "20000")),
        "SQL_ECHO": os.environ.get("HAIYAN_SQL_ECHO") == "1",
        # Behind a reverse proxy that terminates HTTPS: trust its X-Forwarded-* headers.
        "PROXY_FIX": os.environ.get("HAIYAN_PROXY_FIX") == "1",
        "SESSION_COOKIE_SECURE": os.environ.get("HAIYAN_SECURE_COOKIES") == "1",
        # A sign-in session ends after this long without a request, and after
        # SESSION_HOURS however busy (accounts/services.py).
        "SESSION_IDLE_MINUTES": _number("HAIYAN_SESSION_IDLE_MINUTES", 120),
        "SESSION_HOURS": _number("HAIYAN_SESSION_HOURS", 12),
        # Job files (state, result ZIPs) in instance/jobs/ are deleted after this many days.
        "JOB_FILES_DAYS": _number("HAIYAN_JOB_FILES_DAYS", 7),
        # The county's time zone: stored times are UTC, every time shown is in this zone.
        "TIMEZONE": os.environ.get(clock.SETTING) or clock.DEFAULT_ZONE,
    }
    config.update(overrides or {})
    _validate(config)
    return config


def _number(name: str, default: float) -> float:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {text!r}") from None


def _validate(config: dict[str, Any]) -> None:
    url = str(config["DATABASE_URL"])
    if not url.startswith(("sqlite", "postgresql")):
        raise ConfigError(
            f"DATABASE_URL must be a SQLite or PostgreSQL URL, got {url.split(':', 1)[0]}:…"
        )
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; the bare scheme would ask for psycopg2.
        config["DATABASE_URL"] = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if config["IMPORT_CHUNK_ROWS"] < 1:
        raise ConfigError("HAIYAN_IMPORT_CHUNK_ROWS must be a positive whole number")
    try:
        clock.zone_named(str(config["TIMEZONE"]))
    except clock.ZoneError as error:
        raise ConfigError(str(error)) from None
    for key in ("SESSION_IDLE_MINUTES", "SESSION_HOURS", "JOB_FILES_DAYS"):
        if not 0 < config[key] < 100_000:
            raise ConfigError(f"HAIYAN_{key} must be more than 0 (and sensible), got {config[key]}")
