"""Impactful incidents and the employees affected by them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column


class Incident(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    occurred_on: date = Field(index=True)  # the report reads incidents by date (issue 14)
    kind: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=4000)
    registered_by: str = Field(max_length=200)
    registered_at: datetime = Field(sa_column=utc_column())


class IncidentEmployee(SQLModel, table=True):
    """An employee affected by an incident."""

    __tablename__ = "incident_employee"
    __table_args__ = (
        # A person's incidents without reading the table (the report's R&O violence point for
        # every R&O of a month; issue 14).
        sa.Index("ix_incident_employee_person", "employee_number", "incident_id"),
    )

    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    employee_number: str = Field(
        foreign_key="employee.personnel_number", primary_key=True, max_length=32, index=True
    )
