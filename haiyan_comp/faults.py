"""Named fault points, so tests can kill a real process at a chosen moment.

`point("settle:after-first-institution")` does nothing unless the environment
variable HAIYAN_FAULT names that point; then the process is killed on the spot
(SIGKILL: no cleanup, no rollback handler), as a power cut or an OOM kill
would. Tests use it to prove that a payment run or a settlement is one
transaction. Production never sets HAIYAN_FAULT.
"""

from __future__ import annotations

import os
import signal


def point(name: str) -> None:
    """Die here if HAIYAN_FAULT says so."""
    if os.environ.get("HAIYAN_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
