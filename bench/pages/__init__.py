"""Page benchmark (issue 13): `python -m bench.pages`.

For each size (default 1,000,000 and 5,000,000 records, split evenly between
a settled 2017 and an open 2018) and each database, the demo county is built
once and kept (bench/out/, `--fresh` rebuilds; see bench.pages.build). Each
run works on a copy of it (a file copy on SQLite, `CREATE DATABASE … TEMPLATE`
on PostgreSQL), so that its writes never change the next run's data.

In one process of its own per run, with Flask's test client (single user, no
network): every role signs in through the real form; every GET route of the
app is requested as a role that may (bench.pages.routes: several variants of
many, with real ids, filters and years), once to warm up and then --reps times;
then the main writes (bench.pages.writes), then the pages that need what the
writes made. Per route: p50 and p95 (nearest rank), the first request, SQL
statements per request and their time, the slowest statement, the process's
peak memory. The five slowest routes are profiled (cProfile, one request each)
into bench/out/pages-profile-<database>-<size>.txt.

Targets (issue 13, single user): every page and API GET p95 ≤ 300 ms; every
single-institution document ≤ 1 s; the statements ZIP job ≤ 5 s. Writes are
reported without a target. Results print as tables and are written to
bench/out/pages.json (runs of other sizes and databases already there are kept).
"""
