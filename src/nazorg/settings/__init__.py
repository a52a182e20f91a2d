"""Typed settings: a TOML file (--config or NAZORG_CONFIG) overridden by NAZORG_* variables.

Validation happens once, when a command starts; a bad value becomes one line that names the
setting and where it came from, never a traceback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from nazorg.core.errors import ConfigError
from nazorg.core.planning import Plan
from nazorg.core.slots import WorkingHours
from nazorg.settings.cases import CaseSettings
from nazorg.settings.database import DatabaseSettings
from nazorg.settings.delivery import DeliverySettings
from nazorg.settings.replies import ReplyMailbox
from nazorg.settings.report import ReportSettings
from nazorg.settings.web import WebSettings

DEFAULT_INCIDENT_KINDS = (
    "geweld",
    "schokkende-gebeurtenis",
    "bedreiging",
    "ongeval",
    "overlijden",
    "overig",
)
LANGUAGES = ("nl", "en")


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where nazorg keeps its files by default: $XDG_DATA_HOME/nazorg (~/.local/share/nazorg)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "nazorg"


class Mailbox(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="Nazorg TCO/VGW", min_length=1, max_length=200)
    email: EmailStr = "nazorg@politie.example"


class TeamSettings(BaseModel):
    """Per-team overrides; anything not set falls back to the global setting."""

    model_config = ConfigDict(extra="forbid")

    organizer: Mailbox | None = None
    feedback_month: int | None = Field(default=None, ge=1, le=12)
    ro_month: int | None = Field(default=None, ge=1, le=12)


class PlanSettings(BaseModel):
    """The follow-up plan of one incident kind; anything not set comes from the global plan."""

    model_config = ConfigDict(extra="forbid")

    months: tuple[int, ...] | None = None
    days: tuple[int, ...] | None = None  # earlier contacts, e.g. [3] (TRiM's first contact)
    meeting_time: time | None = None
    meeting_minutes: int | None = Field(default=None, ge=5, le=480)
    lead_days: int | None = Field(default=None, ge=0, le=120)

    @field_validator("months")
    @classmethod
    def _months(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if value is not None and (
            any(m < 1 or m > 36 for m in value) or len(set(value)) != len(value)
        ):
            raise ValueError("geef verschillende maanden tussen 1 en 36, bijvoorbeeld [1, 3, 6]")
        return tuple(sorted(value)) if value is not None else None

    @field_validator("days")
    @classmethod
    def _days(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if value is not None and (
            any(d < 1 or d > 27 for d in value) or len(set(value)) != len(value)
        ):
            raise ValueError("geef verschillende dagen tussen 1 en 27, bijvoorbeeld [3]")
        return tuple(sorted(value)) if value is not None else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NAZORG_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    database_url: str = Field(default="", description="SQLAlchemy URL")
    outbox: Path | None = None
    language: str = "nl"
    meeting_time: time = time(10, 0)
    meeting_minutes: int = Field(default=45, ge=5, le=480)
    lead_days: int = Field(default=14, ge=0, le=120)
    overdue_workdays: int = Field(default=10, ge=1, le=120)
    # Conversations of one holder lie within these hours, this many minutes apart (issue 13).
    work_start: time = time(9, 0)
    work_end: time = time(16, 0)
    slot_gap_minutes: int = Field(default=15, ge=0, le=120)
    checkin_months: tuple[int, ...] = (1, 3, 6)
    incident_kinds: tuple[str, ...] = DEFAULT_INCIDENT_KINDS
    organizer: Mailbox = Field(default_factory=Mailbox)
    teams: dict[str, TeamSettings] = Field(default_factory=dict)
    templates_dir: Path | None = None
    run_time: time = time(6, 0)
    plans: dict[str, PlanSettings] = Field(default_factory=dict)
    cycle_kinds: tuple[str, ...] = ("feedback_360", "development_plan", "ro")
    feedback_month: int = Field(default=3, ge=1, le=12)
    ro_month: int = Field(default=9, ge=1, le=12)
    development_plan_weeks: int = Field(default=6, ge=1, le=26)
    cycle_horizon_months: int = Field(default=12, ge=1, le=24)
    hr_organizer: Mailbox | None = None
    violence_kinds: tuple[str, ...] = ("geweld",)
    retention_months: int = Field(default=24, ge=1, le=240)
    purge_in_daily_run: bool = False
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    web: WebSettings = Field(default_factory=WebSettings)
    cases: CaseSettings = Field(default_factory=CaseSettings)
    replies: ReplyMailbox | None = None  # the mailbox the answers to invites arrive in
    report: ReportSettings = Field(default_factory=ReportSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    #: The name `nazorg status` shows for the node that ran a job (default: host and process id).
    node_name: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"kies uit {', '.join(LANGUAGES)}")
        return value

    @field_validator("checkin_months")
    @classmethod
    def _months(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(m < 1 or m > 36 for m in value) or len(set(value)) != len(value):
            raise ValueError("geef verschillende maanden tussen 1 en 36, bijvoorbeeld [1, 3, 6]")
        return tuple(sorted(value))

    @field_validator("incident_kinds")
    @classmethod
    def _kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or any(not k.strip() for k in value):
            raise ValueError("geef minstens één soort incident")
        return value

    @field_validator("cycle_kinds")
    @classmethod
    def _cycle_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = ("feedback_360", "development_plan", "ro")
        for kind in value:
            if kind not in known:
                raise ValueError(f"onbekende cyclus '{kind}'; kies uit {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _plans_name_known_kinds(self) -> Settings:
        for key in self.plans:
            if key not in self.incident_kinds:
                raise ValueError(
                    f"plans.{key}: onbekende soort incident; "
                    f"kies uit {', '.join(self.incident_kinds)}"
                )
            if self.plans[key].months == () and not self.plans[key].days:
                raise ValueError(f"plans.{key}: een plan zonder gesprekken; geef months of days")
        return self

    @model_validator(mode="after")
    def _working_hours(self) -> Settings:
        if not self.work_start < self.work_end:
            raise ValueError(
                f"work_end: het einde van de werktijd ({self.work_end:%H:%M}) ligt niet na het "
                f"begin ({self.work_start:%H:%M})"
            )
        return self

    def working_hours(self) -> WorkingHours:
        """The hours in which conversations are held (Europe/Amsterdam wall clock)."""
        return WorkingHours(self.work_start, self.work_end)

    @property
    def slot_gap(self) -> timedelta:
        return timedelta(minutes=self.slot_gap_minutes)

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{data_dir() / 'nazorg.db'}")
        if self.outbox is None:
            object.__setattr__(self, "outbox", data_dir() / "outbox")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first: an operator's NAZORG_* variable beats the file (init = the file).
        return (env_settings, init_settings)

    @property
    def outbox_dir(self) -> Path:
        assert self.outbox is not None
        return self.outbox

    def plan(self, kind: str | None = None) -> Plan:
        """The plan for an incident kind: its own entries under [plans.<kind>], the rest global."""
        own = self.plans.get(kind) if kind is not None else None
        own = own or PlanSettings()
        return Plan(
            offsets_months=own.months if own.months is not None else self.checkin_months,
            offsets_days=own.days or (),
            meeting_time=own.meeting_time or self.meeting_time,
            duration=timedelta(minutes=own.meeting_minutes or self.meeting_minutes),
            lead_days=own.lead_days if own.lead_days is not None else self.lead_days,
            overdue_workdays=self.overdue_workdays,
        )

    def feedback_month_for(self, team_code: str) -> int:
        team = self.teams.get(team_code)
        return team.feedback_month if team and team.feedback_month else self.feedback_month

    def ro_month_for(self, team_code: str) -> int:
        team = self.teams.get(team_code)
        return team.ro_month if team and team.ro_month else self.ro_month

    def hr_mailbox_for(self, team_code: str) -> Mailbox:
        return self.hr_organizer or self.organizer_for(team_code)

    def organizer_for(self, team_code: str) -> Mailbox:
        team = self.teams.get(team_code)
        if team is not None and team.organizer is not None:
            return team.organizer
        return self.organizer


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"configuratiebestand {path} bestaat niet; controleer --config of NAZORG_CONFIG"
        ) from None
    except PermissionError:
        raise ConfigError(
            f"configuratiebestand {path} is niet leesbaar; controleer de rechten"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"configuratiebestand {path} is geen geldige TOML: {exc}") from None
    except IsADirectoryError:
        raise ConfigError(f"configuratiebestand {path} is een map; geef een TOML-bestand") from None


def load_settings(config: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the TOML file (argument, else NAZORG_CONFIG) and the NAZORG_* variables."""
    env = os.environ if environ is None else environ
    if config is None and env.get("NAZORG_CONFIG"):
        config = Path(env["NAZORG_CONFIG"])
    values = _read_toml(config) if config is not None else {}
    if config is not None:
        from nazorg.settings.delivery import check_config_file_secrets

        check_config_file_secrets(values, config)
        from nazorg.settings.replies import check_replies_secret

        check_replies_secret(values, config)
    try:
        return Settings(**values)
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        where = ".".join(str(p) for p in error["loc"])
        if not where and ": " in message:  # a check across settings names its entry itself
            where, message = message.split(": ", 1)
        source = f" in {config}" if config is not None else ""
        raise ConfigError(
            f"ongeldige instelling '{where}'{source} "
            f"(of NAZORG_{where.upper().replace('.', '__')}): {message}"
        ) from None
