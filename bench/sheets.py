"""Spreadsheets in (issue 16): `python -m bench.sheets [--rows N] [--postgres URL]`.

The same records as the demo county's CSV, handed over three more ways, each
imported by `haiyan records import FILE` as its own process into a fresh
database with the demo county's reference data (bench.imports):

- `.xlsx`: the rows of the CSV as Excel's biggest sheet holds them (1,048,576
  rows with the header), dates typed as date cells and quantities as numbers,
  written by XlsxWriter in constant-memory mode (so its strings are inline,
  not in a shared-string table); against the CSV: rows/s and peak memory.
  Targets: at least half the CSV's rows/s, peak ≤ 300 MB.
- GB18030 CSV against UTF-8 CSV: both files hold the same rows, each resident id
  written with Chinese characters (居民…) so that the encoding matters.
  Target: within 10% of UTF-8.

Files are generated once into bench/out/ and kept. Results print as a table
and are written to bench/out/sheets.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from bench.imports import HAIYAN, OUT, YEAR, fresh_database, records_file

KINDS = ("csv", "xlsx", "csv-zh-utf8", "csv-zh-gb18030")
EXCEL_ROWS = 1_048_576  # Excel's most rows in a sheet, the header's among them
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Measured:
    file: str
    database: str
    rows: int
    seconds: float
    rows_per_second: int
    peak_mb: float


def xlsx_file(rows: int) -> Path:
    """The demo CSV's rows as a workbook (dates and quantities typed), written once."""
    import xlsxwriter  # type: ignore[import-untyped]

    path = OUT / f"records-{YEAR}-{rows}.xlsx"
    if path.exists():
        return path
    started = time.perf_counter()
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    sheet = book.add_worksheet("records")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    with records_file(rows).open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        sheet.write_row(0, 0, next(reader))
        for number, row in enumerate(reader, start=1):
            sheet.write_row(number, 0, row[:4])
            sheet.write_datetime(number, 4, datetime.fromisoformat(row[4]), day)
            sheet.write_string(number, 5, row[5])
            sheet.write_number(number, 6, int(row[6] or 1))
    book.close()
    tmp.rename(path)
    print(f"  generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def chinese_files(rows: int) -> tuple[Path, Path]:
    """The demo CSV with residents named 居民…, in UTF-8 and in GB18030, written once."""
    utf8 = OUT / f"records-zh-{YEAR}-{rows}.csv"
    gb = OUT / f"records-zh-{YEAR}-{rows}-gb18030.csv"
    if not (utf8.exists() and gb.exists()):
        with (
            records_file(rows).open(encoding="utf-8", newline="") as source,
            utf8.open("w", encoding="utf-8", newline="") as out_utf8,
            gb.open("w", encoding="gb18030", newline="") as out_gb,
        ):
            header = source.readline()
            out_utf8.write(header)
            out_gb.write(header)
            for line in source:
                fields = line.split(",")
                if fields[5]:
                    fields[5] = "居民" + fields[5]
                text = ",".join(fields)
                out_utf8.write(text)
                out_gb.write(text)
    return utf8, gb


def run_import(url: str, path: Path) -> tuple[float, float, dict[str, object]]:
    """`haiyan records import PATH --json` as its own process: seconds, its peak RSS in MB."""
    env = {**os.environ, "DATABASE_URL": url}
    report = OUT / "sheets-stdout.json"  # not bench.imports' file: benches may run side by side
    started = time.perf_counter()
    with report.open("wb") as stdout:
        proc = subprocess.Popen([*HAIYAN, "records", "import", str(path), "--json"], env=env,
                                stdout=stdout, stderr=subprocess.PIPE)  # fmt: skip
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"importing {path.name} failed:\n{err.decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, json.loads(report.read_bytes())


def measure(database: str, postgres: str, path: Path, rows: int) -> Measured:
    url = fresh_database(database, postgres, "haiyan_bench_sheets")
    seconds, peak, report = run_import(url, path)
    if report["imported"] != rows or report["rejected_count"]:
        raise SystemExit(f"{path.name}: expected {rows} imported, got {report}")
    return Measured(path.name, database, rows, round(seconds, 2), int(rows / seconds),
                    round(peak, 1))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=EXCEL_ROWS - 1, help="records (no header)")
    parser.add_argument("--postgres", default=None, help="also on this PostgreSQL (admin URL)")
    parser.add_argument(
        "--files", nargs="+", default=list(KINDS), choices=KINDS, help="which files to import"
    )
    options = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = options.rows
    files = {
        "csv": records_file(rows),
        "xlsx": xlsx_file(rows),
    }
    files["csv-zh-utf8"], files["csv-zh-gb18030"] = chinese_files(rows)
    databases = ["sqlite"] + (["postgresql"] if options.postgres else [])
    results: list[Measured] = []
    for database in databases:
        for path in (files[kind] for kind in options.files):
            print(f"  {database}: importing {path.name} …", flush=True)
            results.append(measure(database, options.postgres or DEFAULT_POSTGRES, path, rows))
    print(f"{'file':34} {'db':10} {'rows':>9} {'s':>7} {'rows/s':>8} {'peak MB':>8}")
    for r in results:
        print(f"{r.file:34} {r.database:10} {r.rows:>9,} {r.seconds:>7.2f} "
              f"{r.rows_per_second:>8,} {r.peak_mb:>8.1f}")  # fmt: skip
    verdicts = []
    for database in databases if set(options.files) == set(KINDS) else []:
        by = {Path(r.file).name: r for r in results if r.database == database}
        plain, book = by[files["csv"].name], by[files["xlsx"].name]
        utf8, gb = by[files["csv-zh-utf8"].name], by[files["csv-zh-gb18030"].name]
        verdicts.append({
            "database": database,
            "xlsx_to_csv_rows_per_second": round(book.rows_per_second / plain.rows_per_second, 2),
            "xlsx_peak_mb": book.peak_mb,
            "gb18030_to_utf8_seconds": round(gb.seconds / utf8.seconds, 3),
        })  # fmt: skip
    for verdict in verdicts:
        print(
            f"{verdict['database']}: xlsx {verdict['xlsx_to_csv_rows_per_second']:.2f} x the "
            f"CSV's rows/s (target ≥ 0.50), peak {verdict['xlsx_peak_mb']} MB (target ≤ 300); "
            f"GB18030 {verdict['gb18030_to_utf8_seconds']:.3f} x UTF-8's time (target ≤ 1.10)"
        )
    document = {"rows": rows, "results": [asdict(r) for r in results], "verdicts": verdicts}
    name = "sheets.json" if verdicts else f"sheets-{'-'.join(options.files)}.json"
    (OUT / name).write_text(json.dumps(document, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
