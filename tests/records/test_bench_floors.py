"""The import benchmark's CPU accounting (bench.floors.machine_busy): the machine's work
across a command, which the benchmark divides by the cores for the least wall time."""

from __future__ import annotations

import os
import time

import pytest

from bench.floors import machine_busy


def test_the_machines_work_is_this_process_s_and_at_most_every_core_s_time() -> None:
    before, own_before, wall_before = machine_busy(), time.process_time(), time.perf_counter()
    if before is None:
        pytest.skip("no /proc/stat on this system")
    total = 0
    while time.process_time() - own_before < 0.3:
        total += 1
    after = machine_busy()
    own, wall = time.process_time() - own_before, time.perf_counter() - wall_before
    assert after is not None
    # The counters tick every 10 ms. This process is part of the machine's work, and
    # no machine works longer than its cores' wall time.
    assert own - 0.05 <= after - before <= (os.cpu_count() or 1) * wall + 0.05
