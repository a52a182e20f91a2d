"""`nazorg audit`, `export`, `erase`, `purge` (issue 6)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the AVG commands to the app."""
