"""The import's Python side, stage by stage: `python -m bench.reading`.

An import's reading thread reads each chunk of the file, checks it, encodes it
for its database and counts it for the running totals (records/services.py).
On PostgreSQL that thread runs beside the server's COPY and is the longer of
the two; on SQLite it shares the one thread with the inserts. This benchmark
runs those stages alone, with no write, each in a process of its own, on the
seeded files of bench.imports (--files demo capped, --rows N):

- read: records.readers.read_chunks, chunks of 20,000 rows;
- check: the chunk validator (records.rules) on each chunk read;
- encode-sqlite, encode-copy, encode-copy-sorted: after the checks, each chunk
  as SQLite binds it, as PostgreSQL's COPY text in a keyless load's order
  (as it comes), and in the order of a load that keeps R2's key (by source id);
- count: after the checks, records.totals.Tally.count.

For each it prints the stage's own seconds (the best of --runs), rows/s and
the process's peak memory. With --instructions it runs each stage again under
callgrind (valgrind must be installed) and prints the instructions the stage
adds to the one before it (setup → read → check → the rest): unlike seconds,
they do not move with a shared machine's speed, so two versions of the code
can be compared to within a percent in a minute. Results go to
bench/out/reading.json.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.imports import OUT, fresh_database, records_file
from haiyan_comp.records.readers import read_chunks
from haiyan_comp.records.rules import Reference, ValidRows, make_chunk_validator
from haiyan_comp.records.services import load_reference
from haiyan_comp.records.totals import Tally
from haiyan_comp.records.writers import ROWS_PER_STATEMENT, Load, bound_groups, copy_text

STAGES = ("read", "check", "encode-sqlite", "encode-copy", "encode-copy-sorted", "count")
BEFORE = {"read": "setup", "check": "read"}  # every other stage adds to "check"
CHUNK_ROWS = 20_000


@dataclass
class Stage:
    file: str
    rows: int
    stage: str
    seconds: float  # the stage's own, the best of the runs
    rows_per_second: int
    peak_mb: float
    instructions: int | None  # added by the stage, under callgrind


def run_stage(stage: str, path: str, url: str) -> dict[str, Any]:
    """Run one stage over the file in this process: its own seconds, the rows read
    and the process's peak memory."""
    with Session(create_engine(url)) as session:
        ref = load_reference(session, date.today())
    seconds, rows = stage_seconds(stage, path, ref) if stage != "setup" else (0.0, 0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "rows": rows, "peak_mb": round(peak_mb, 1)}


def stage_seconds(stage: str, path: str, ref: Reference) -> tuple[float, int]:
    """The stage's own seconds over the whole file, and the rows read."""
    validate = make_chunk_validator(ref, 1)
    tally = Tally({item.id: year for (year, _), item in ref.items.items()})
    after_check: dict[str, Callable[[ValidRows], object]] = {
        "encode-sqlite": lambda rows: bound_groups(rows, Load.KEYLESS, ROWS_PER_STATEMENT),
        "encode-copy": lambda rows: copy_text(rows, Load.KEYLESS),
        "encode-copy-sorted": lambda rows: copy_text(rows, Load.BULK),
        "count": tally.count,
    }
    seconds, rows = 0.0, 0
    with open(path, "rb") as stream:
        chunks = read_chunks(stream, "csv", CHUNK_ROWS)
        while True:
            started = time.perf_counter()
            chunk = next(chunks, None)
            if stage == "read":
                seconds += time.perf_counter() - started
            if chunk is None:
                break
            rows += chunk.size
            if stage == "read":
                continue
            started = time.perf_counter()
            valid, _ = validate(chunk.lines, chunk.columns, chunk.notes)
            if stage == "check":
                seconds += time.perf_counter() - started
                continue
            started = time.perf_counter()
            after_check[stage](valid)
            seconds += time.perf_counter() - started
    return seconds, rows


def _child(stage: str, path: str, url: str, *, callgrind: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.reading", "--stage", stage, path, url]
    if callgrind:
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if callgrind:
        collected = re.search(r"Collected : (\d+)", done.stderr)
        if collected is None:
            raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
        result["instructions"] = int(collected.group(1))
    return result


def bench_file(kind: str, rows: int, runs: int, instructions: bool, url: str) -> list[Stage]:
    path = records_file(rows, kind)
    counted: dict[str, int] = {}
    if instructions:
        for stage in ("setup", *STAGES):
            counted[stage] = _child(stage, str(path), url, callgrind=True)["instructions"]
    results = []
    for stage in STAGES:
        measured = [_child(stage, str(path), url, callgrind=False) for _ in range(runs)]
        best = min(m["seconds"] for m in measured)
        added = None
        if instructions:
            added = counted[stage] - counted[BEFORE.get(stage, "check")]
        results.append(
            Stage(
                file=kind,
                rows=measured[0]["rows"],
                stage=stage,
                seconds=round(best, 3),
                rows_per_second=int(measured[0]["rows"] / best) if best else 0,
                peak_mb=max(m["peak_mb"] for m in measured),
                instructions=added,
            )
        )
        print(f"  {kind} {stage}: {best:.3f} s", flush=True)
    return results


def print_table(results: list[Stage]) -> None:
    print(
        f"\n{'file':7} {'stage':19} {'rows':>9} {'seconds':>8} {'rows/s':>11}"
        f" {'peak MB':>8} {'instructions':>14}"
    )
    for r in results:
        counted = f"{r.instructions / 1e9:.3f} G" if r.instructions is not None else "-"
        print(
            f"{r.file:7} {r.stage:19} {r.rows:>9,} {r.seconds:>8.3f} {r.rows_per_second:>11,}"
            f" {r.peak_mb:>8.1f} {counted:>14}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", help=argparse.SUPPRESS)  # a child: one stage
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--files", nargs="+", default=["demo", "capped"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--instructions", action="store_true", help="count under callgrind")
    options = parser.parse_args()
    if options.stage:
        print(json.dumps(run_stage(options.stage, *options.args)))
        return
    # The reference data only (no PostgreSQL needed: nothing is written).
    url = fresh_database("sqlite", "", name="haiyan_reading")
    results = []
    for kind in options.files:
        print(f"{kind}: {options.rows:,} records …", flush=True)
        results += bench_file(kind, options.rows, options.runs, options.instructions, url)
    print_table(results)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "reading.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
