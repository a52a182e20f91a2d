"""The organisation: basic teams and their employees, with who leads whom."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column

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
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())

    def is_active(self, today: date) -> bool:
        return self.left_on is None or self.left_on > today
