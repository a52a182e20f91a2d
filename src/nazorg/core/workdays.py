"""Working days in the Netherlands and calendar-month arithmetic.

Nobody is invited for a Saturday, a Sunday or a Dutch public holiday; a month is a calendar month,
clamped to the month's last day. Both rules come from the users (DOMAIN.md).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache
from typing import Any


def add_months(start: date, months: int) -> date:
    """`start` plus `months` calendar months, clamped to the last day of the target month.

    Counted from the original day each time (31 January + 3 months is 30 April, not 28 April),
    because each check-in is measured from the incident, not from the previous check-in.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last))


@cache
def _dutch_holidays() -> Any:
    import holidays

    return holidays.country_holidays("NL", language="nl")


class WorkCalendar:
    """Dutch working days: Monday to Friday, minus the public holidays of the `holidays` package.

    Extra closed days (for example a team's own day off) can be passed in; tests use that to
    check the rule without depending on one year's holiday list.
    """

    def __init__(self, extra_closed: frozenset[date] = frozenset()) -> None:
        self._extra = extra_closed
        self._holidays = _dutch_holidays()

    def holiday_name(self, day: date) -> str | None:
        name = self._holidays.get(day)
        return str(name) if name else None

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._extra and day not in self._holidays

    def on_or_after(self, day: date) -> date:
        """The first working day on or after `day`."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_workdays(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself does not count)."""
        if count < 0:
            raise ValueError("count must not be negative")
        while count:
            day += timedelta(days=1)
            if self.is_workday(day):
                count -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count
