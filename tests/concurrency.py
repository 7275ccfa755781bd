"""Running jobs at the same moment on real, separate connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from haiyan_comp.db import make_engine


def at_once(url: str, jobs: list[Callable[[Session], Any]]) -> list[BaseException]:
    """Run each job in its own thread, engine and session, released together; the errors."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def work(job: Callable[[Session], Any]) -> None:
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                session.connection()  # connected and in a transaction before the start
                barrier.wait()
                try:
                    job(session)
                    session.commit()
                except BaseException as exc:  # collected and asserted on below
                    session.rollback()
                    errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
