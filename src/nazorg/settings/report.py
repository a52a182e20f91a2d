"""The `[report]` settings: the monthly report to sector leadership (issue 14)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class ReportSettings(BaseModel):
    """`k`: counts from 1 to k-1 are hidden (`<k`) and teams with fewer than k employees are
    merged. `management`: the addresses the daily run writes the report draft to (none: the daily
    run writes no report). `year_start`: the first month of the reporting year; in its 4th, 8th
    and 12th month the 4-, 8- and 12-month report goes along."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    k: int = Field(default=5, ge=3, le=100)
    management: tuple[EmailStr, ...] = ()
    year_start: int = Field(default=1, ge=1, le=12)
