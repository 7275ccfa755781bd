"""The page benchmark's tables (stdout) and bench/out/pages.json."""

from __future__ import annotations

import json
from typing import Any

from bench.imports import OUT

RESULTS = OUT / "pages.json"


def _mark(timing: dict[str, Any]) -> str:
    if timing["met"] is None:
        return ""
    return "met" if timing["met"] else "MISSED"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_run(run: dict[str, Any]) -> None:
    """One run: every route, the slowest ten, the writes, the targets."""
    timings, writes = run["timings"], run["writes"]
    print(
        f"\n== {run['database']}, {run['records']:,} records {run['records_per_year']}, "
        f"{run['database_mb']:,.0f} MB; built in {run['build_seconds']:.0f} s; "
        f"measured in {run['run_seconds']:.0f} s; peak {run['peak_mb']:.0f} MB; "
        f"load {run['load_start'][0]:.2f} → {run['load_end'][0]:.2f}"
    )
    tree = run.get("tree", {})
    changed = ", ".join(tree.get("changed", [])) or "none"
    print(f"   commit {tree.get('commit', '?')}; product files changed in the tree: {changed}")
    header = (
        f"{'route':<58}{'role':<9}{'n':>3}{'p50 ms':>9}{'p95 ms':>9}{'first':>8}"
        f"{'SQL':>5}{'SQL ms':>8} {'status':<8}{'target':<7}"
    )
    print(header)
    for t in timings:
        print(
            f"{_short(t['name'], 57):<58}{t['role']:<9}{t['n']:>3}{t['p50_ms']:>9.1f}"
            f"{t['p95_ms']:>9.1f}{t['first_ms']:>8.0f}{t['queries']:>5}{t['sql_ms']:>8.1f} "
            f"{t['status']:<8}{_mark(t):<7}"
        )
    print("\nslowest ten (p95), with the slowest SQL statement of their requests:")
    for t in sorted(timings, key=lambda t: t["p95_ms"], reverse=True)[:10]:
        print(
            f"  {t['p95_ms']:>9.1f} ms  {t['name']} ({t['role']}): {t['queries']} statements, "
            f"{t['sql_ms']:.0f} ms SQL; slowest {t['slowest_sql_ms']:.0f} ms: "
            f"{_short(t['slowest_sql'], 140)}"
        )
    print(f"\n{'write':<52}{'n':>3}{'p50 ms':>10}{'max ms':>10}{'SQL':>6}{'SQL ms':>9}  status")
    for w in writes:
        print(
            f"{w['name']:<52}{w['n']:>3}{w['p50_ms']:>10.1f}{w['max_ms']:>10.1f}"
            f"{w['queries']:>6}{w['sql_ms']:>9.1f}  {w['status']} {_mark(w)}"
        )
    if run.get("writes_failed"):
        print(f"the write phase FAILED (later writes not timed): {run['writes_failed']}")
    judged = [t for t in [*timings, *writes] if t["met"] is not None]
    missed = [t for t in judged if not t["met"]]
    print(f"\ntargets: {len(judged) - len(missed)} met, {len(missed)} missed")
    for t in missed:
        print(
            f"  MISSED {t['name']} ({t['role']}): p95 {t['p95_ms']:.0f} ms, target "
            f"{t['target_ms']:.0f} ms; status {t['status']}"
        )


def print_summary(runs: list[dict[str, Any]]) -> None:
    """p95 of every route side by side, one column per run (how it grows with the data)."""
    if len(runs) < 2:
        return
    columns = [f"{r['database'][:6]} {r['records'] // 1_000_000}M" for r in runs]
    print(f"\n{'p95 ms':<60}" + "".join(f"{c:>12}" for c in columns))
    by_run = [{(t["name"], t["role"]): t for t in [*r["timings"], *r["writes"]]} for r in runs]
    for key in by_run[0]:
        cells = [f"{by[key]['p95_ms']:>12.1f}" if key in by else f"{'-':>12}" for by in by_run]
        print(f"{_short(f'{key[0]} ({key[1]})', 59):<60}" + "".join(cells))


def save(runs: list[dict[str, Any]]) -> None:
    """Write the runs to pages.json, keeping earlier runs of other databases and sizes."""
    kept: list[dict[str, Any]] = []
    if RESULTS.exists():
        try:
            kept = json.loads(RESULTS.read_text())["runs"]
        except (ValueError, KeyError, TypeError):
            kept = []
    done = {(r["database"], r["records"]) for r in runs}
    merged = [r for r in kept if (r["database"], r["records"]) not in done] + runs
    merged.sort(key=lambda r: (r["records"], r["database"]))
    RESULTS.write_text(json.dumps({"runs": merged}, indent=1, ensure_ascii=False))
