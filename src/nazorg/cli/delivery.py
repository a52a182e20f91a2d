"""`nazorg deliver` (issue 8)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the delivery commands to the app."""
