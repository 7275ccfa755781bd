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
        # Where long work runs: "process" (a thread of the web process, state in
        # instance/jobs/: one machine) or "queue" (PostgreSQL, `haiyan worker`).
        "JOBS": os.environ.get("HAIYAN_JOBS") or "process",
        # Production (docs/DEPLOY.md): every server must share what sessions, jobs and
        # documents need, so nothing may come from one server's instance folder.
        "PRODUCTION": os.environ.get("HAIYAN_PRODUCTION") == "1",
        # The county's document-signing key (a PKCS#12 file, haiyan_comp/signing): in
        # production the same file on every server, never one server's instance folder.
        "COUNTY_KEY": os.environ.get("HAIYAN_SIGNING_KEY"),
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
    _validate_jobs(config)
    if config["PRODUCTION"]:
        _validate_production(config)


def _validate_jobs(config: dict[str, Any]) -> None:
    if config["JOBS"] not in ("process", "queue"):
        raise ConfigError(f"HAIYAN_JOBS must be 'process' or 'queue', got {config['JOBS']!r}")
    if config["JOBS"] == "queue" and not str(config["DATABASE_URL"]).startswith("postgresql"):
        raise ConfigError(
            "HAIYAN_JOBS=queue needs PostgreSQL (the queue lives in it); with SQLite, "
            "leave HAIYAN_JOBS unset and jobs run in the web process"
        )


def _validate_production(config: dict[str, Any]) -> None:
    """HAIYAN_PRODUCTION=1: refuse to start with anything that one server keeps to itself."""
    problems = []
    if len(str(config.get("SECRET_KEY") or "")) < 32:
        problems.append(
            "HAIYAN_SECRET_KEY must be set (at least 32 characters, the same on every web "
            "server), or each server signs sessions with a key of its own instance folder"
        )
    if not str(config["DATABASE_URL"]).startswith("postgresql"):
        problems.append("DATABASE_URL must be PostgreSQL (every server and worker shares it)")
    if config["JOBS"] != "queue":
        problems.append(
            "HAIYAN_JOBS must be 'queue': jobs run in the web process would keep their "
            "progress and results on that server's disk"
        )
    key = config.get("COUNTY_KEY")
    if not key or not Path(str(key)).is_file():
        problems.append(
            "HAIYAN_SIGNING_KEY must name the county's signing key file, present on every "
            f"server (got {key!r})"
        )
    if problems:
        raise ConfigError("production mode (HAIYAN_PRODUCTION=1): " + "; ".join(problems))
