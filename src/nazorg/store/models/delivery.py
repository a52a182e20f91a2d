"""Tables of delivery to mail and calendar servers (issue 8).

`Delivery` is the state of one emitted version (an `Emission`) at one target (`imap`, `smtp`,
`caldav`): one row per pair, so a version is handed to a target at most once by design.

`next_attempt_at` is the one column the delivery step reads to find work: it is set while a row
waits (pending, failed with backoff, or claimed, where it is the moment the claim is considered
abandoned) and NULL once nothing more is to be done (delivered, superseded, or failed for good).
With the index on (target, next_attempt_at) every run reads only the rows that are due, never the
history.

`DeliveryCursor` remembers, per target, up to which emission the rows were created, so finding the
newly written versions reads only emissions after it (a range on the primary key).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import UTCDateTime

PENDING = "pending"  # not tried yet
DELIVERING = "delivering"  # claimed by a process that is talking to the server now
DELIVERED = "delivered"
FAILED = "failed"  # the last attempt failed; retried at next_attempt_at (NULL: only --retry)
SUPERSEDED = "superseded"  # a newer version of the same calendar item took its place (CalDAV)
STATUSES = (PENDING, DELIVERING, DELIVERED, FAILED, SUPERSEDED)


class Delivery(SQLModel, table=True):
    """One version at one target: its state, attempts and where it went."""

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint("emission_id", "target", name="uq_delivery_target"),
        sa.Index("ix_delivery_due", "target", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    emission_id: int = Field(
        sa_column=sa.Column(
            sa.Integer(), sa.ForeignKey("emission.id", ondelete="CASCADE"), nullable=False
        )
    )
    # The follow-up and sequence are copied from the emission so that "is there a newer version
    # of this calendar item for this target" is a query on this table alone.
    followup_id: int = Field(index=True)
    sequence: int
    target: str = Field(max_length=16)
    status: str = Field(default=PENDING, max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime(), nullable=True)
    )
    claimed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime()))
    # Where it went (or goes): the IMAP folder, the SMTP recipients, the CalDAV resource URL.
    # Worked out again from the current settings at every attempt, so that correcting a wrong
    # setting also corrects the retries; kept for `nazorg status` and for tracing.
    destination: str = Field(max_length=1000)
    remote_id: str | None = Field(default=None, max_length=500)  # APPENDUID, queue id, ETag
    last_error: str | None = Field(default=None, max_length=1000)  # never holds a credential
    delivered_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime()))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))


class DeliveryCursor(SQLModel, table=True):
    """Per target: every emission with an id up to `emission_id` has its delivery row (or is not
    for this target); the next run looks only beyond it."""

    __tablename__ = "delivery_cursor"

    target: str = Field(primary_key=True, max_length=16)
    emission_id: int
    started_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
