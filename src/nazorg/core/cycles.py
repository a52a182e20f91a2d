"""The leadership cycles' pure rules: their kinds, their days, and what an R&O invite may say.

The plan of approach (recommendations 2, 4 and 5) asks every leader for a 360-degree feedback
round once a year followed by a personal development plan, and a yearly R&O conversation for
every employee in which violence met at work is discussed.
"""

from __future__ import annotations

import calendar as monthcal
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from nazorg.core.planning import Plan, meeting
from nazorg.core.workdays import WorkCalendar

FEEDBACK_360 = "feedback_360"
DEVELOPMENT_PLAN = "development_plan"
RO = "ro"
#: Items a leader has with nobody but themselves: the invite goes to the leader alone.
SELF_KINDS = (FEEDBACK_360, DEVELOPMENT_PLAN)
CYCLE_KINDS = (*SELF_KINDS, RO)


def workdays_of_month(year: int, month: int, calendar: WorkCalendar) -> list[date]:
    last = monthcal.monthrange(year, month)[1]
    return [day for d in range(1, last + 1) if calendar.is_workday(day := date(year, month, d))]


def feedback_day(year: int, month: int, calendar: WorkCalendar) -> date:
    """The 360-degree feedback round starts on the first working day of the cycle month."""
    return workdays_of_month(year, month, calendar)[0]


def ro_slot(
    year: int, month: int, index: int, calendar: WorkCalendar, plan: Plan
) -> tuple[datetime, datetime]:
    """The `index`-th R&O conversation of one leader in the cycle month.

    A leader's conversations are spread over the working days of the month, one a day at the
    plan's time; a leader with more people than working days gets a second round an hour later.
    """
    days = workdays_of_month(year, month, calendar)
    day = days[index % len(days)]
    start, end = meeting(day, plan)
    shift = timedelta(hours=index // len(days))
    tz = ZoneInfo(plan.tzid)
    return (
        (start.replace(tzinfo=None) + shift).replace(tzinfo=tz),
        (end.replace(tzinfo=None) + shift).replace(tzinfo=tz),
    )


def violence_agenda_point(count: int, language: str) -> str:
    """The R&O agenda point about violence: only a number, never what happened."""
    if language == "en":
        return (
            f"Violence at work: {count} incident(s) involving violence since the previous R&O "
            "conversation. Discuss the use of force and what can be learned from it."
        )
    return (
        f"Geweld in het werk: {count} incident(en) met geweld sinds het vorige R&O-gesprek. "
        "Bespreek het gebruik van geweld en wat ervan te leren valt."
    )
