"""Delivery of emitted versions to IMAP, SMTP and CalDAV (issue 8). Stub until implemented."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import Session

if TYPE_CHECKING:
    from nazorg.settings import Settings


class DeliverySettings(BaseModel):
    """Delivery targets; none configured means the outbox folder is the only output."""

    model_config = ConfigDict(extra="forbid")


def after_run(engine: Engine, *, settings: Settings, today: date, now: datetime) -> dict[str, Any]:
    """Daily-run step after the files are written: deliver what is pending. Never raises for a
    target that fails (the failure is recorded and retried), so emission is never blocked."""
    return {}


def status_summary(session: Session, *, now: datetime) -> dict[str, Any]:
    """Pending and failed deliveries for `nazorg status`."""
    return {}
