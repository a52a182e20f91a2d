"""Delivery of emitted versions to mail and calendar servers (issue 8).

The outbox stays the source of truth: what is delivered are the bytes of the files the daily run
wrote, to any combination of three targets, configured per installation under `[delivery]`:

- `imap`: every draft (conversation drafts and escalation drafts) APPENDed to a drafts folder,
  flagged `\\Draft` (and `\\Seen`), over TLS or STARTTLS;
- `smtp`: every invite sent as an iMIP message to its attendees, for installations that want
  invites out without review (the draft minus its `X-Unsent` header);
- `caldav`: every invite PUT into a calendar collection, one resource per conversation UID, so a
  new SEQUENCE replaces the old one and a CANCEL marks it cancelled (or deletes it).

Delivery runs after emission, as the daily run's own step (`after_run`) and as `nazorg deliver`.
The state of each version at each target is a row (`nazorg.delivery_models.Delivery`); a failed
target is retried later with backoff and never blocks emission or the other targets. See
`nazorg.delivery.service` for the rules that keep a version from being delivered twice.

This module imports only pydantic (settings are read when any command starts); the protocol
code is imported when something is delivered.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from nazorg.delivery.config import DeliverySettings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from nazorg.settings import Settings

__all__ = ["DeliverySettings", "after_run", "status_lines", "status_summary"]


def after_run(engine: Engine, *, settings: Settings, today: date, now: datetime) -> dict[str, Any]:
    """Daily-run step after the files are written: deliver what is pending. Never raises for a
    target that fails (the failure is recorded and retried), so emission is never blocked."""
    if not settings.delivery.targets:
        return {}
    from nazorg.delivery.service import after_run as run

    return run(engine, settings=settings, today=today, now=now)


def status_summary(session: Session, *, now: datetime) -> dict[str, Any]:
    """Pending and failed deliveries for `nazorg status`."""
    from nazorg.delivery.state import summary

    return summary(session, now=now)


def status_lines(summary: dict[str, Any]) -> list[str]:
    """The delivery part of `nazorg status` as text lines (Dutch), from `status_summary`."""
    from nazorg.delivery.state import summary_lines

    return summary_lines(summary)
