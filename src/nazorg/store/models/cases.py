"""Reports (meldingen) of exclusion and discrimination, and recovery plans (herstelplannen).

A report is a case of its own, next to incidents: the reporter, the date, a category and an
internal note, with an investigation and a buddy. Its contact moments, a plan's review and the
reminders for a plan's measures are ordinary follow-ups (`FollowUp.case_id`, `plan_id`,
`measure_id`), so they reach calendars through the same daily run as check-ins.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column


class ReportCase(SQLModel, table=True):
    """One report. `contacts_planned` counts the contact moments the daily run has dealt with
    (made, or passed over because their day had gone), so each is made once."""

    __tablename__ = "report_case"

    id: int | None = Field(default=None, primary_key=True)
    reporter_number: str = Field(foreign_key="employee.personnel_number", index=True, max_length=32)
    reported_on: date
    category: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=4000)
    registered_by: str = Field(max_length=200)
    registered_at: datetime = Field(sa_column=utc_column())
    status: str = Field(default="open", max_length=16, index=True)  # open, investigating, closed
    investigation_from: date | None = None
    buddy_number: str | None = Field(default=None, max_length=32, index=True)
    contacts_planned: int = 0
    closed_on: date | None = None
    outcome: str | None = Field(default=None, max_length=4000)
    closed_by: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(sa_column=utc_column())


class RecoveryPlan(SQLModel, table=True):
    """The recovery plan of one affected person: a reporter (`case_id`) or an employee affected
    by an incident (`incident_id`). `consent`: the person agreed that staff and their leader
    see the plan."""

    __tablename__ = "recovery_plan"

    id: int | None = Field(default=None, primary_key=True)
    person_number: str = Field(foreign_key="employee.personnel_number", index=True, max_length=32)
    case_id: int | None = Field(default=None, foreign_key="report_case.id", index=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    started_on: date
    consent: bool = False
    holder_number: str | None = Field(default=None, max_length=32)  # holds the review
    review_planned: bool = False
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class PlanMeasure(SQLModel, table=True):
    """One measure of a plan: what (never in an invite), who and by when; open, done or
    dropped on a date."""

    __tablename__ = "plan_measure"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="recovery_plan.id", index=True)
    description: str = Field(max_length=500)
    owner_number: str = Field(max_length=32, index=True)
    target_on: date
    status: str = Field(default="open", max_length=16)  # open, done, dropped
    status_on: date | None = None
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
