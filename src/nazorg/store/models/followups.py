"""Planned conversations (check-ins and leadership-cycle items) with their calendar state.

Conversation times are wall-clock times in a named zone (`start_local` + `tzid`), so that a 10:00
conversation stays at 10:00 even if the zone's rules change after it was planned.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column

#: What the report counts of a check-in (`ix_followup_checkin_figures`), day first.
CHECKIN_FIGURES = ("due_on", "status", "closed_at", "outcome", "employee_number")


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
        # One holder's conversations of the coming days, for planning slots (issue 13).
        sa.Index("ix_followup_slot_holder_day", "slot_holder", "due_on"),
        # The open conversations of a period, and in agenda order (the web app's dashboard and
        # agenda at national scale).
        sa.Index("ix_followup_status_due_on", "status", "due_on"),
        sa.Index("ix_followup_status_start", "status", "start_local", "id"),
        # The monthly report (issue 14): a month's leadership cycles read a range of this index
        # instead of every cycle item; a month's check-ins are counted from this index alone.
        sa.Index("ix_followup_incident_due", "incident_id", "due_on"),
        # An employee's previous R&O (the violence agenda point, on the invite and in the
        # report's R&O month) from the index alone.
        sa.Index("ix_followup_employee_kind_due", "employee_number", "kind", "due_on", "status"),
        sa.Index(
            "ix_followup_checkin_figures",
            *CHECKIN_FIGURES,
            postgresql_where=sa.text("incident_id IS NOT NULL"),
            sqlite_where=sa.text("incident_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=128, unique=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    employee_number: str = Field(foreign_key="employee.personnel_number", index=True, max_length=32)
    kind: str = Field(max_length=32)
    # Who holds the conversation (the leader, or the leader themselves for their own items), as
    # last planned: the slot finder keeps one holder's conversations apart. NULL: nobody yet.
    # (`holder_number` below is the explicit holder of a report's item, issue 15.)
    slot_holder: str | None = Field(default=None, max_length=32)
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
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    closed_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
    # Reports and recovery plans (issue 15): the case, plan or measure this item belongs to, and
    # who holds it when that is not the employee's leader (a buddy, a measure's owner).
    case_id: int | None = Field(default=None, foreign_key="report_case.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="recovery_plan.id", index=True)
    measure_id: int | None = Field(default=None, foreign_key="plan_measure.id", index=True)
    holder_number: str | None = Field(default=None, max_length=32, index=True)

    @property
    def start(self) -> datetime:
        return self.start_local.replace(tzinfo=ZoneInfo(self.tzid))

    @property
    def end(self) -> datetime:
        return self.end_local.replace(tzinfo=ZoneInfo(self.tzid))
