"""The database tables (SQLModel), the single source of the schema that Alembic migrates.

Times: calendar dates are `date`; instants are aware UTC (`UTCDateTime`); conversation times are
wall-clock times in a named zone (`start_local` + `tzid`), so that a 10:00 conversation stays at
10:00 even if the zone's rules change after it was planned.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import NaiveDatetime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant; stored without zone (SQLite has none) and always given back aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC instant")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _utc(nullable: bool = False, index: bool = False) -> Any:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


ROLES = ("medewerker", "leidinggevende", "teamchef")
LEADER_ROLES = ("leidinggevende", "teamchef")


class Team(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)


class Employee(SQLModel, table=True):
    personnel_number: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    team_code: str = Field(foreign_key="team.code", index=True, max_length=64)
    leader_number: str | None = Field(
        default=None, foreign_key="employee.personnel_number", index=True, max_length=32
    )
    role: str = Field(max_length=20)
    left_on: date | None = None
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())

    def is_active(self, today: date) -> bool:
        return self.left_on is None or self.left_on > today


class Incident(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    occurred_on: date
    kind: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=4000)
    registered_by: str = Field(max_length=200)
    registered_at: datetime = Field(sa_column=_utc())


class IncidentEmployee(SQLModel, table=True):
    """An employee affected by an incident."""

    __tablename__ = "incident_employee"

    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    employee_number: str = Field(
        foreign_key="employee.personnel_number", primary_key=True, max_length=32, index=True
    )


class FollowUp(SQLModel, table=True):
    """One planned conversation, with the state of its calendar item.

    `emit_on` is the day from which the daily run must emit a new version of this conversation,
    or NULL when what was last sent is what should be in people's calendars. The daily run reads
    only rows with `emit_on <= today`, so its cost follows the work due, not the history.
    """

    __tablename__ = "followup"
    __table_args__ = (
        # A leadership-cycle item exists once per employee, kind and cycle year (incident
        # check-ins have no cycle year; NULLs never collide).
        sa.UniqueConstraint("employee_number", "kind", "cycle_year", name="uq_followup_cycle"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=128, unique=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    employee_number: str = Field(foreign_key="employee.personnel_number", index=True, max_length=32)
    kind: str = Field(max_length=32)
    cycle_year: int | None = None  # feedback_360, development_plan, ro: the cycle's year
    due_on: date = Field(index=True)
    # Wall-clock times in `tzid`, without offset (a TIMESTAMP WITHOUT TIME ZONE on purpose).
    start_local: NaiveDatetime = Field(sa_column=sa.Column(sa.DateTime(), nullable=False))
    end_local: NaiveDatetime = Field(sa_column=sa.Column(sa.DateTime(), nullable=False))
    tzid: str = Field(default="Europe/Amsterdam", max_length=64)
    status: str = Field(default="planned", max_length=16, index=True)
    late_registration: bool = False
    invite_on: date
    emit_on: date | None = Field(default=None, index=True)
    sequence: int = -1  # the SEQUENCE of the last version decided; -1 before the first
    # The first day the conversation counts as overdue (more than N working days past), while
    # it is open and not yet escalated; NULL otherwise. Read by the daily run like `emit_on`.
    escalate_on: date | None = Field(default=None, index=True)
    outcome: str | None = Field(default=None, max_length=16)  # goed, aandacht, verwezen
    outcome_note: str | None = Field(default=None, max_length=4000)
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    closed_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())

    @property
    def start(self) -> datetime:
        return self.start_local.replace(tzinfo=ZoneInfo(self.tzid))

    @property
    def end(self) -> datetime:
        return self.end_local.replace(tzinfo=ZoneInfo(self.tzid))


class Emission(SQLModel, table=True):
    """One decided version of one calendar item (invite + draft), and whether its files exist.

    A version is decided in the database first (unique per follow-up, purpose and sequence, so two
    workers can never both decide it) and written to the outbox afterwards; a run that dies in
    between leaves `written_at` NULL and the next run writes the same bytes from `payload`.
    """

    __table_args__ = (
        sa.UniqueConstraint("followup_id", "purpose", "sequence", name="uq_emission_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    followup_id: int = Field(foreign_key="followup.id", index=True)
    purpose: str = Field(default="invite", max_length=16)
    sequence: int
    method: str = Field(max_length=16)
    decided_on: date  # the run's "today"
    decided_at: datetime = Field(sa_column=_utc())
    payload: str  # InviteVersion JSON: everything the files are rendered from
    ics_path: str | None = Field(default=None, max_length=500)
    eml_path: str | None = Field(default=None, max_length=500)
    written_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True, index=True))
    run_id: int | None = Field(default=None, foreign_key="run.id")


class Run(SQLModel, table=True):
    """One daily run: when, for which day, what it did and how it ended."""

    id: int | None = Field(default=None, primary_key=True)
    today: date
    started_at: datetime = Field(sa_column=_utc())
    finished_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    decided: int = 0
    written: int = 0
    outcome: str = Field(default="running", max_length=16)  # running, ok, failed
    error: str | None = Field(default=None, max_length=2000)


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, and when (AVG: health data about named people)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc())
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    employee_number: str | None = Field(default=None, max_length=32, index=True)
    details: str | None = Field(default=None, max_length=4000)


# The tables of other features live in their own modules and register themselves here, so the
# metadata (and Alembic's view of it) is complete wherever the models are imported.
from nazorg import delivery_models, privacy_models  # noqa: E402, F401
