"""The audit trail's table, and the guard that keeps it append-only.

No ORM flush may change or delete an `AuditEvent`. The one exception, replacing an erased
person's details, is done by `nazorg.services.privacy.erasure` with explicit SQL statements and is
itself audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column

#: The rows of `ix_audit_event_unverified`: answers from a sender who is not the invitee.
UNVERIFIED = "action = 'followup.reply.unverified'"


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, and when (AVG: health data about named people)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        # The answers to review on a conversation's page (`nazorg.services.reply_state`): the
        # trail grows with every page shown, these few rows do not, so they have their own index.
        sa.Index(
            "ix_audit_event_unverified",
            "entity_id",
            postgresql_where=sa.text(UNVERIFIED),
            sqlite_where=sa.text(UNVERIFIED),
        ),
    )

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
