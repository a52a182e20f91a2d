"""Emitted versions (one invite + draft, or one escalation draft) and the daily runs."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column


class Emission(SQLModel, table=True):
    """One decided version of one calendar item (invite + draft), and whether its files exist.

    A version is decided in the database first (unique per follow-up, purpose and sequence, so two
    workers can never both decide it) and written to the outbox afterwards; a run that dies in
    between leaves `written_at` NULL and the next run writes the same bytes from `payload`.
    """

    __table_args__ = (
        sa.UniqueConstraint("followup_id", "purpose", "sequence", name="uq_emission_version"),
        # The versions still to write, by id: only those rows are in it, so finding the next
        # batch or marking one written never walks the entries of versions written before
        # (a plain index on written_at held them all, and PostgreSQL's generic plan for the
        # marking update scanned every NULL entry, live or dead, per update: issue 16).
        sa.Index(
            "ix_emission_unwritten",
            "id",
            postgresql_where=sa.text("written_at IS NULL"),
            sqlite_where=sa.text("written_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    followup_id: int = Field(foreign_key="followup.id", index=True)
    purpose: str = Field(default="invite", max_length=16)
    sequence: int
    method: str = Field(max_length=16)
    decided_on: date  # the run's "today"
    decided_at: datetime = Field(sa_column=utc_column())
    payload: str  # InviteVersion JSON: everything the files are rendered from
    ics_path: str | None = Field(default=None, max_length=500)
    eml_path: str | None = Field(default=None, max_length=500)
    written_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    run_id: int | None = Field(default=None, foreign_key="run.id")


class Run(SQLModel, table=True):
    """One daily run: when, for which day, what it did and how it ended."""

    id: int | None = Field(default=None, primary_key=True)
    today: date
    started_at: datetime = Field(sa_column=utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    decided: int = 0
    written: int = 0
    outcome: str = Field(default="running", max_length=16)  # running, ok, failed
    error: str | None = Field(default=None, max_length=2000)
    node: str | None = Field(default=None, max_length=200)  # which node ran it (issue 16)
