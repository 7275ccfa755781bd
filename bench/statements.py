"""Statements benchmark (issue 6): `python -m bench.statements`.

Loads the demo county (100,000 records) into a fresh database, pays the
year's instalments, settles it, then times `haiyan statement 2018 --all`:
all nine settlement statements and their zip (target: ≤ 3 s together).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench.imports import OUT, fresh_database, run_measured


def bench_one(database: str, postgres_url: str, records: int) -> dict[str, object]:
    """Demo, prepay, settle, then every statement of the year as one command."""
    url = fresh_database(database, postgres_url)
    run_measured(url, "demo", "--records", str(records))
    run_measured(url, "prepay", "run", "--as-of", "2018-12-31")
    run_measured(url, "settle", "2018", "--as-of", "2019-01-15")
    with tempfile.TemporaryDirectory() as folder:
        seconds, peak, _ = run_measured(url, "statement", "2018", "--all", "--out", folder)
        pdfs = sorted(Path(folder).glob("*.pdf"))
    startup, _, _ = run_measured(url, "statement", "--help")
    return {
        "database": database,
        "records": records,
        "statements": len(pdfs),
        "seconds": round(seconds, 2),
        "startup_seconds": round(startup, 2),
        "peak_mb": round(peak, 1),
    }


def main() -> None:
    """Run the statements benchmark on each database asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = [bench_one(db, args.postgres, args.records) for db in args.databases]
    print(f"{'database':<11}{'records':>9}{'PDFs':>6}{'seconds':>9}{'start s':>9}{'peak MB':>9}")
    for r in results:
        print(
            f"{r['database']:<11}{r['records']:>9,}{r['statements']:>6}{r['seconds']:>9.2f}"
            f"{r['startup_seconds']:>9.2f}{r['peak_mb']:>9.1f}"
        )
    (OUT / "statements.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
