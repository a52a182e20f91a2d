"""The audit trail's table, and the guard that keeps it append-only.

No ORM flush may change or delete an `AuditEvent`. The one exception, replacing an erased
person's details, is done by `nazorg.services.privacy.erasure` with explicit SQL statements and is
itself audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, and when (AVG: health data about named people)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column())
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    employee_number: str | None = Field(default=None, max_length=32, index=True)
    details: str | None = Field(default=None, max_length=4000)


@event.listens_for(OrmSession, "before_flush")
def _audit_is_append_only(session: OrmSession, _context: Any, _instances: Any) -> None:
    """Refuse any ORM change or deletion of an audit record (the trail is append-only)."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit records cannot be changed or deleted")
