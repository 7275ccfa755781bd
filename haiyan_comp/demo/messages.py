"""What the demo says to people, by code (English here; Chinese in messages/zh/demo.po)."""

from __future__ import annotations

from haiyan_comp.messages import define

CATALOGUE_MISSING = define(
    "demo_catalogue_missing",
    "the demo catalogue is missing: expected {path}; "
    "run `haiyan demo` from a checkout of the project",
)
DEMO_CLASH = define(
    "demo_clash",
    "{rejected} of the {rows} demo records of {year} were rejected{first}; nothing was "
    "loaded. Were the demo records of {year} loaded with another --seed? Run `haiyan demo` "
    "with that seed again, or start from an empty database",
)
DEMO_CLASH_AT = define("demo_clash_at", " (line {line}: {reason})")
NOT_THE_DEMO = define(
    "demo_not_the_demo",
    "this database is not the demo's: it has logins the demo never made ({logins}); "
    "--reset throws the whole database away, so it runs only on a demo database",
)
