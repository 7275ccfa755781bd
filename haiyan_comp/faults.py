"""Named fault points, so tests can kill a real process at a chosen moment.

`point("settle:after-first-institution")` does nothing unless the environment
variable HAIYAN_FAULT names that point; then the process is killed on the spot
(SIGKILL: no cleanup, no rollback handler), as a power cut or an OOM kill
would. Tests use it to prove that a payment run or a settlement is one
transaction. Production never sets HAIYAN_FAULT.

`HAIYAN_PAUSE` names a point where the process stops instead, for a test to
kill it from outside at that moment (a worker in the middle of a job): it
writes its pid to the file HAIYAN_PAUSE_FILE names, then sleeps for ever.
"""

from __future__ import annotations

import os
import signal
import time


def point(name: str) -> None:
    """Die here if HAIYAN_FAULT says so."""
    if os.environ.get("HAIYAN_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("HAIYAN_PAUSE") == name:
        signal_file = os.environ.get("HAIYAN_PAUSE_FILE")
        if signal_file:
            with open(signal_file, "w") as handle:
                handle.write(str(os.getpid()))
        while True:
            time.sleep(60)
