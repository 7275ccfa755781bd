"""Long work: what each kind of job does, and the two ways it runs.

- In the process that started it (the embedded mode, SQLite, as before):
  `files.py` keeps its state in instance/jobs/ and runs it in a thread.
- On procrastinate's queue in PostgreSQL (HAIYAN_JOBS=queue): `runner.py`
  runs a job of the jobs table in a worker (`haiyan worker`, `worker.py`),
  once, whatever worker dies on the way.

`kinds.py` is the work itself, the same in both.
"""
