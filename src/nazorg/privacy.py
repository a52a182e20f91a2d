"""AVG (GDPR) features: export, erasure and retention (issue 6). Stub until implemented."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

if TYPE_CHECKING:
    from nazorg.settings import Settings


def after_run(engine: Engine, *, settings: Settings, today: date, now: datetime) -> dict[str, Any]:
    """Daily-run step after the files are written (erasures to complete, retention purge)."""
    return {}
