"""Dates, times and labels as people read them: "vrijdag 28 februari 2025", "vr 28 feb", "10:00"
(Babel, nl_NL; en_GB for English), always in Europe/Amsterdam wall-clock time."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from nazorg.core.clock import AMSTERDAM
from nazorg.core.labels import kind_nl, status_nl

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
KIND_EN = {
    "feedback_360": "360-degree feedback",
    "development_plan": "development plan",
    "ro": "R&O conversation",
}


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(AMSTERDAM)
    return value


def filters(language: str) -> dict[str, Any]:
    """The template filters for one language."""
    from babel.dates import format_date

    locale = LOCALES.get(language, "nl_NL")

    # A page shows the same few days many times (50 rows of one week): each day is formatted
    # by Babel once per process, then taken from the cache.
    @lru_cache(maxsize=4096)
    def _long(day: date) -> str:
        return format_date(day, "EEEE d MMMM y", locale=locale)

    @lru_cache(maxsize=4096)
    def _short(day: date) -> str:
        return format_date(day, "EEE d MMM", locale=locale).replace(".", "")

    def _day(value: date | datetime) -> date:
        local = _local(value)
        return local.date() if isinstance(local, datetime) else local

    def long_date(value: date | datetime) -> str:
        return _long(_day(value))

    def short_date(value: date | datetime) -> str:
        return _short(_day(value))

    def iso_date(value: date | datetime) -> str:
        local = _local(value)
        return (local.date() if isinstance(local, datetime) else local).isoformat()

    def clock(value: datetime) -> str:
        return _local(value).strftime("%H:%M")

    def moment(value: datetime | None) -> str:
        if value is None:
            return "—"
        local = _local(value)
        assert isinstance(local, datetime)
        return f"{short_date(local)} {local.strftime('%H:%M')}"

    def kind(value: str) -> str:
        if language == "en":
            if value in KIND_EN:
                return KIND_EN[value]
            if value.startswith("checkin_"):
                unit = "months" if value.endswith("m") else "days"
                return f"aftercare {value[8:-1]} {unit}"
        return kind_nl(value)

    return {
        "long_date": long_date,
        "short_date": short_date,
        "iso_date": iso_date,
        "clock": clock,
        "moment": moment,
        "kind": kind,
        "status": status_nl,
    }
