"""Where "today" and "now" come from: the edge of the program, never the core.

Core functions take `today` (a calendar date) and `now` (an aware UTC instant) as arguments. Only
the CLI and the scheduler call the functions below, so that tests and back-fills can fix the date
with NAZORG_TODAY and every rule stays a function of its inputs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from nazorg.core.errors import ConfigError, ValidationError

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def parse_date(text: str, what: str) -> date:
    """Parse a strict YYYY-MM-DD calendar date between the years 1900 and 2999; anything else
    is refused with the fix named."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = date.fromisoformat(text)
        if not 1900 <= day.year <= 2999:  # beyond, month arithmetic would leave the calendar
            raise ValueError(text)
        return day
    except ValueError:
        from nazorg.core.text import printable

        raise ValidationError(
            f"{what}: '{printable(text)}' is geen geldige datum; gebruik JJJJ-MM-DD, "
            "bijvoorbeeld 2026-03-02",
            field=what,
        ) from None


def today_from_env(environ: Mapping[str, str] | None = None) -> date:
    """The day the program acts on: NAZORG_TODAY when set, else today in Europe/Amsterdam.

    The Dutch date, not the UTC one: between midnight and 01:00/02:00 local time they differ.
    """
    env = os.environ if environ is None else environ
    fixed = env.get("NAZORG_TODAY", "").strip()
    if fixed:
        try:
            return parse_date(fixed, "NAZORG_TODAY")
        except ValidationError as exc:
            raise ConfigError(str(exc)) from None
    return datetime.now(AMSTERDAM).date()


def utc_now() -> datetime:
    """The current instant, aware and in UTC."""
    return datetime.now(UTC)
