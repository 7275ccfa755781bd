"""`haiyan demo` (filled in below)."""

from __future__ import annotations

import click


@click.command("demo")
def demo() -> None:
    """Load the demo county."""
