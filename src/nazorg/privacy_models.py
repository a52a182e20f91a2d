"""Tables of the AVG features (issue 6): erasure requests and anonymous retention counts.

Also the guard that keeps the audit trail append-only: no ORM flush may change or delete an
`AuditEvent`. The one exception, replacing an erased person's details, is done by
`nazorg.privacy` with explicit SQL statements and is itself audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from nazorg.models import AuditEvent, UTCDateTime


class Erasure(SQLModel, table=True):
    """An employee's request to have their data erased (AVG article 17), pending or done.

    While pending, `employee_number` says whose data is to go; the data is removed once nothing
    for that person is left to send (the CANCELs of conversations already sent come first).
    When done, only the pseudonym, the dates and who asked remain: the row no longer says whose
    data it was.
    """

    id: int | None = Field(default=None, primary_key=True)
    pseudonym: str = Field(max_length=32, unique=True)
    employee_number: str | None = Field(default=None, max_length=32, index=True)
    requested_on: date
    requested_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    requested_by: str = Field(max_length=200)
    # The first daily-run day on which nothing for the person was left to write; the data goes
    # at the first run on a later day, so the last CANCELs stay a day in the outbox to be fetched.
    ready_on: date | None = None
    completed_on: date | None = Field(default=None, index=True)
    completed_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime(), nullable=True)
    )


class RetentionCount(SQLModel, table=True):
    """What is kept of purged incidents and conversations: counts, without any person.

    One row per month (of the incident date or of the conversation's date), subject (`incident`
    or `followup`), kind, status and outcome; empty strings rather than NULL, so the unique key
    holds for every combination.
    """

    __tablename__ = "retention_count"
    __table_args__ = (
        sa.UniqueConstraint(
            "month", "subject", "kind", "status", "outcome", name="uq_retention_count"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7)  # YYYY-MM
    subject: str = Field(max_length=16)
    kind: str = Field(max_length=64)
    status: str = Field(default="", max_length=16)
    outcome: str = Field(default="", max_length=16)
    count: int = 0


@event.listens_for(OrmSession, "before_flush")
def _audit_is_append_only(session: OrmSession, _context: Any, _instances: Any) -> None:
    """Refuse any ORM change or deletion of an audit record (the trail is append-only)."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit records cannot be changed or deleted")
