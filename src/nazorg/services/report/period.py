"""The period of a report: one calendar month, or 4, 8 or 12 months ending with a month."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from nazorg.core.errors import NazorgError

SPANS = (1, 4, 8, 12)
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str, option: str = "--month") -> date:
    """`YYYY-MM` as the first day of that month; a one-line error naming the fix otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise NazorgError(f"{option}: geef een maand als JJJJ-MM, bijvoorbeeld 2026-02")
    return date(int(match.group(1)), int(match.group(2)), 1)


def shift(month: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month of `month`."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return shift(month, 1) - timedelta(days=1)


def key(month: date) -> str:
    return f"{month:%Y-%m}"


@dataclass(frozen=True)
class Period:
    """`span` consecutive months ending with the month of `until` (first days of months)."""

    until: date
    span: int = 1

    def __post_init__(self) -> None:
        if self.span not in SPANS:
            raise NazorgError("--months: kies 4, 8 of 12")
        if self.until.day != 1:
            object.__setattr__(self, "until", self.until.replace(day=1))

    @property
    def first(self) -> date:
        """The first day of the period."""
        return shift(self.until, 1 - self.span)

    @property
    def last(self) -> date:
        """The last day of the period: the end of its last month."""
        return month_end(self.until)

    @property
    def kind(self) -> str:
        return "month" if self.span == 1 else f"months{self.span}"

    def months(self) -> list[date]:
        return [shift(self.first, i) for i in range(self.span)]

    def trend_months(self) -> list[date]:
        """The 12 months of the trend, ending with the period's last month."""
        return [shift(self.until, i - 11) for i in range(12)]

    def label(self, language: str = "nl") -> str:
        """`februari 2026`, or `november 2025 t/m februari 2026`; in English (`language` "en")
        `February 2026`, or `November 2025 to February 2026`."""
        from nazorg.core.charts import month_long

        if self.span == 1:
            return month_long(self.until, language)
        through = "to" if language == "en" else "t/m"
        return f"{month_long(self.first, language)} {through} {month_long(self.until, language)}"

    def slug(self) -> str:
        """A file-name part: `2026-02` or `2025-11_2026-02`."""
        return key(self.until) if self.span == 1 else f"{key(self.first)}_{key(self.until)}"


def choose(month: str | None, months: int | None, until: str | None, today: date) -> Period:
    """The period of the command line: `--month`, or `--months N --until`; by default last month.

    Rule: `--month` and `--months` exclude each other; `--until` belongs to `--months` (without
    it, the months end with last month). A period may not end after the current month.
    """
    if month is not None and (months is not None or until is not None):
        raise NazorgError("geef --month of --months met --until, niet allebei")
    if months is not None and months not in SPANS[1:]:
        raise NazorgError("--months: kies 4, 8 of 12")
    last_month = shift(today.replace(day=1), -1)
    if month is not None:
        period = Period(parse_month(month))
    elif months is not None:
        end = parse_month(until, "--until") if until is not None else last_month
        period = Period(end, months)
    elif until is not None:
        raise NazorgError("--until hoort bij --months 4, 8 of 12")
    else:
        period = Period(last_month)
    if period.until > today.replace(day=1):
        raise NazorgError("de periode ligt in de toekomst; kies een maand tot en met deze maand")
    return period
