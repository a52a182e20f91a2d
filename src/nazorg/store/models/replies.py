"""Answers to our invites read back from the aftercare mailbox (issue 13): attendee replies
(RFC 5546 REPLY) and proposals of a new time (COUNTER) with what staff decided about them.

`AttendeeReply` holds one answer of one invitee read from one mail: unique per (message, attendee),
so reading the same mail twice records it once. `sequence` is the version it answers and
`for_start` the conversation's start (UTC) when it was recorded: an answer stops counting once
the conversation has a new time or a new version. `CounterProposal` is a COUNTER that passed the
checks; staff accept it (the conversation is rescheduled, the next run sends a REQUEST with a
higher SEQUENCE) or reject it (a DECLINECOUNTER is written to the outbox once: `written_at`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column

OPEN = "open"
ACCEPTED = "accepted"
REJECTED = "rejected"


def _followup_fk() -> sa.Column[int]:
    return sa.Column(
        sa.Integer(), sa.ForeignKey("followup.id", ondelete="CASCADE"), nullable=False, index=True
    )


class AttendeeReply(SQLModel, table=True):
    """One invitee's answer (REPLY, or the COUNTER it proposed) from one mail."""

    __tablename__ = "attendee_reply"
    __table_args__ = (
        sa.UniqueConstraint("message_key", "attendee", name="uq_attendee_reply_message"),
        # The declines among the answers (the dashboard's "needs action"), without reading all.
        sa.Index("ix_attendee_reply_answer", "partstat", "method", "followup_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    followup_id: int = Field(sa_column=_followup_fk())
    message_key: str = Field(max_length=200)  # the mail's Message-ID, else a digest of its bytes
    attendee: str = Field(max_length=320)
    role: str = Field(max_length=16)  # leader, employee, other
    method: str = Field(max_length=16)  # REPLY, COUNTER
    partstat: str | None = Field(default=None, max_length=16)
    sequence: int
    dtstamp: datetime = Field(sa_column=utc_column())
    for_start: datetime = Field(sa_column=utc_column())
    comment: str | None = Field(default=None, max_length=500)
    recorded_at: datetime = Field(sa_column=utc_column())
    recorded_by: str = Field(max_length=200)


class CounterProposal(SQLModel, table=True):
    """A valid COUNTER: the proposed time, and what staff decided."""

    __tablename__ = "counter_proposal"

    id: int | None = Field(default=None, primary_key=True)
    followup_id: int = Field(sa_column=_followup_fk())
    reply_id: int = Field(
        sa_column=sa.Column(
            sa.Integer(),
            sa.ForeignKey("attendee_reply.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        )
    )
    attendee: str = Field(max_length=320)
    sequence: int  # the version the proposal was made against (echoed in a DECLINECOUNTER)
    start: datetime = Field(sa_column=utc_column())
    end: datetime = Field(sa_column=utc_column())
    state: str = Field(default=OPEN, max_length=16, index=True)
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    decided_by: str | None = Field(default=None, max_length=200)
    payload: str | None = None  # the DECLINECOUNTER to write (JSON), once rejected
    written_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    ics_path: str | None = Field(default=None, max_length=500)
    eml_path: str | None = Field(default=None, max_length=500)
