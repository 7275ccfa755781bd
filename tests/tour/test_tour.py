"""The README's first tour, run verbatim on a demo county of its own (issue 15 §5).

The tour's commands are read from README.md (every indented line of the
"A first tour" section that starts with `haiyan `) and run one by one, in
order, by the `haiyan` console script against a smaller demo county built as
`make demo` builds it (`--since 2016 --year 2019`). The tour's ids hold at any
size: the earlier years make batches 1–27, and the audited record is the sixth
of 望海's 2019 file, which a smaller demo holds too (a smaller records file is
a prefix of a larger one).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HAIYAN = str(Path(sys.executable).parent / "haiyan")
DEMO = ["demo", "--since", "2016", "--year", "2019", "--records", "2000"]
STATUS = re.compile(r"#\s*exit status (\d+)")


def tour_commands() -> list[tuple[list[str], int]]:
    """(argv after `haiyan`, expected exit status) of every command of the README's tour."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## A first tour\n", 1)[1].split("\n## ", 1)[0]
    commands = []
    for line in section.splitlines():
        if not line.startswith("    haiyan "):
            continue
        status = STATUS.search(line)
        argv = shlex.split(line.strip(), comments=True)
        commands.append((argv[1:], int(status.group(1)) if status else 0))
    return commands


class Demo:
    """`haiyan` commands on a database and instance folder of the test's own."""

    def __init__(self, url: str, instance: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "HAIYAN_INSTANCE": str(instance),
            "HAIYAN_SECRET_KEY": uuid.uuid4().hex,
        }
        self.instance = instance

    def run(self, *args: str, status: int = 0, stdin: str | None = None) -> str:
        args = tuple(a.replace("instance/", f"{self.instance}/", 1) for a in args)
        done = subprocess.run(
            [HAIYAN, *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
            timeout=300, input=stdin,
        )  # fmt: skip
        assert done.returncode == status, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout + done.stderr


@pytest.fixture
def demo(scratch_url: str, tmp_path: Path) -> Demo:
    """The demo county of 2016–2019 (2,000 records in 2019) on a database of its own."""
    county = Demo(scratch_url, tmp_path)
    county.run(*DEMO)
    return county


def test_the_readme_tour_runs_verbatim_on_the_demo(demo: Demo) -> None:
    commands = tour_commands()
    assert len(commands) >= 15, "the tour's commands were not found in README.md"
    said = {" ".join(argv[:3]): demo.run(*argv, status=status) for argv, status in commands}
    assert "1 of 1 sampled records failed" in said["audit close 28"]
    assert "HY03-2019-00000006" in said["audit draw --year"]
    assert "offset 0.00" not in said["prepay schedule --year"].split("HY07 #1", 1)[1][:80]
    assert "ledger verified" in said["ledger verify"]
    assert "copied configuration and catalogue (53 items) from 2019" in said["year copy 2020"]
    assert "below 950.00" in said["bonus 2017 --institution"]


def test_the_demo_restarts_from_any_state(demo: Demo) -> None:
    demo.run("settle", "2019", "--as-of", "2020-01-15")
    # make demo: the demo is there (settled to the end): nothing is loaded, nothing fails
    said = demo.run(*DEMO, "--unless-loaded")
    assert "nothing to do" in said and "settled" in said
    said = demo.run(*DEMO)
    assert "year 2019 is settled: nothing was loaded into it" in said
    # haiyan demo --reset: afresh, 2019 open again with its instalments under way
    said = demo.run(*DEMO, "--reset")
    assert "thrown away" in said and "2000 rows, 0 duplicates" in said
    demo.run("settle", "2019", "--as-of", "2020-01-15", "--dry-run")


def test_reset_refuses_a_database_that_is_not_the_demos(demo: Demo) -> None:
    pw = "Zx9!long-pass-2026\n"
    demo.run("users", "create", "zhang.wei", "--role", "finance", "--password-stdin", stdin=pw)
    said = demo.run(*DEMO, "--reset", status=1)
    assert "not the demo's" in said and "zhang.wei" in said
    assert "nothing to do" in demo.run(*DEMO, "--unless-loaded")
