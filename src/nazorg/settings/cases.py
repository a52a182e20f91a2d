"""Settings of reports (meldingen) and recovery plans (issue 15), under `[cases]`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from nazorg.core.cases import DEFAULT_CATEGORIES


class CaseMailbox(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr


class CaseSettings(BaseModel):
    """Categories of a report, the rhythm of buddy contacts, who is told about an unheld one,
    and the timing of recovery plans."""

    model_config = ConfigDict(extra="forbid")

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    contact_weeks: int = Field(default=2, ge=1, le=12)
    contact_lead_days: int = Field(default=7, ge=0, le=60)
    #: Sends the invites of contact moments and plans (a confidential mailbox).
    mailbox: CaseMailbox = Field(
        default_factory=lambda: CaseMailbox(
            name="Meldingen en herstel", email="meldingen@politie.example"
        )
    )
    #: Told once about a contact moment not held after the overdue limit (not the teamchef).
    coordinator: CaseMailbox = Field(
        default_factory=lambda: CaseMailbox(
            name="Coördinator meldingen", email="coordinator-meldingen@politie.example"
        )
    )
    review_weeks: int = Field(default=12, ge=1, le=104)
    reminder_days: int = Field(default=7, ge=0, le=60)

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or any(not c.strip() for c in value):
            raise ValueError("geef minstens één categorie van meldingen")
        return value
