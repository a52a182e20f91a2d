"""Tables of the AVG features: erasure requests and anonymous retention counts."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import UTCDateTime


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
