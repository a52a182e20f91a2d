"""Planning the check-in conversations of one employee after one incident.

A pure function of its inputs (the incident date, the day it was registered, the plan and the
working-day calendar); the database only stores what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nazorg.core.workdays import WorkCalendar, add_months

#: Follow-up statuses. `planned` is open; the others are closed.
PLANNED = "planned"
HELD = "held"
DECLINED = "declined"
CANCELLED = "cancelled"
SKIPPED = "skipped"
STATUSES = (PLANNED, HELD, DECLINED, CANCELLED, SKIPPED)

#: Minimum notice for a late registration: the check-in is no earlier than this many working days
#: after the day the incident was registered, so the leader has time to plan it.
LATE_NOTICE_WORKDAYS = 2


@dataclass(frozen=True)
class Plan:
    """How check-ins are planned: months after the incident, time of day, length, lead time."""

    offsets_months: tuple[int, ...] = (1, 3, 6)
    offsets_days: tuple[int, ...] = ()  # earlier contacts in days, e.g. (3,)
    meeting_time: time = time(10, 0)
    duration: timedelta = timedelta(minutes=45)
    tzid: str = "Europe/Amsterdam"
    lead_days: int = 14
    overdue_workdays: int = 10

    def kind_for(self, months: int) -> str:
        return f"checkin_{months}m"

    def offsets(self, incident_date: date) -> list[tuple[str, date]]:
        """Each check-in's kind and nominal date (before moving off days off), in date order."""
        items = [(f"checkin_{d}d", incident_date + timedelta(days=d)) for d in self.offsets_days]
        items += [(self.kind_for(m), add_months(incident_date, m)) for m in self.offsets_months]
        return sorted(set(items), key=lambda item: (item[1], item[0]))


@dataclass(frozen=True)
class PlannedCheckin:
    kind: str
    due: date  # the planned date of the conversation
    start: datetime  # aware, in the plan's zone
    end: datetime
    status: str = PLANNED
    late_registration: bool = False  # moved because the incident was registered late
    nominal_due: date = field(default=date.min)  # incident date + N months, before any moving


def meeting(day: date, plan: Plan) -> tuple[datetime, datetime]:
    """Start and end of a conversation on `day` at the plan's wall-clock time.

    Built from the wall-clock time in the zone, so a 10:00 conversation is at 10:00 local time on
    both sides of a daylight-saving change.
    """
    tz = ZoneInfo(plan.tzid)
    start = datetime.combine(day, plan.meeting_time, tzinfo=tz)
    end = (start.astimezone(ZoneInfo("UTC")) + plan.duration).astimezone(tz)
    return start, end


def plan_checkins(
    incident_date: date, registered_on: date, plan: Plan, calendar: WorkCalendar
) -> list[PlannedCheckin]:
    """The check-ins for one employee after an incident on `incident_date`.

    Rules (DOMAIN.md and issue 2):
    - due = incident date + N calendar months, clamped to the month's end;
    - a due date on a weekend or Dutch public holiday moves to the next working day;
    - a late registration: a check-in that would fall before the second working day after
      the registration day is held on that day instead, marked `late_registration`; the later
      check-ins keep their dates. When several check-ins were missed, one catch-up conversation
      replaces them all (the most recent one is kept, the earlier ones are `skipped`): two
      conversations about the same incident on one day help nobody. If a regular check-in
      already falls on that day, it is the catch-up and the missed ones are all skipped.
    """
    earliest = calendar.add_workdays(registered_on, LATE_NOTICE_WORKDAYS)
    moved = [(kind, n, calendar.on_or_after(n)) for kind, n in plan.offsets(incident_date)]
    missed = [item for item in moved if item[2] < earliest]
    regular = [item for item in moved if item[2] >= earliest]
    catch_up_taken = bool(regular) and regular[0][2] == earliest

    result: list[PlannedCheckin] = []
    for index, (kind, nominal_due, due) in enumerate(missed):
        is_last_missed = index == len(missed) - 1
        if is_last_missed and not catch_up_taken:
            start, end = meeting(earliest, plan)
            result.append(PlannedCheckin(kind, earliest, start, end, PLANNED, True, nominal_due))
        else:
            start, end = meeting(due, plan)
            result.append(PlannedCheckin(kind, due, start, end, SKIPPED, True, nominal_due))
    for kind, nominal_due, due in regular:
        start, end = meeting(due, plan)
        result.append(PlannedCheckin(kind, due, start, end, PLANNED, False, nominal_due))
    return result


def invite_date(due: date, plan: Plan) -> date:
    """The day the invite goes out: the lead time before the conversation (a calendar date)."""
    return due - timedelta(days=plan.lead_days)


def escalation_date(due: date, plan: Plan, calendar: WorkCalendar) -> date:
    """The first day a conversation not held counts as overdue: more than N working days after
    its date, i.e. on the (N+1)-th working day after it."""
    return calendar.add_workdays(due, plan.overdue_workdays + 1)


def overdue_cutoff(today: date, overdue_workdays: int, calendar: WorkCalendar) -> date:
    """Conversations planned before this day are overdue on `today`: more than N working days
    past their date (`calendar.workdays_between(due, today) > N`).

    That count grows as the date goes back, so the overdue ones are exactly those before the
    (N+1)-th working day counted back from `today` (today included when it is a working day).
    As a date, a query can use the index on the planned date instead of testing every row.
    """
    day = today
    seen = 1 if calendar.is_workday(day) else 0
    while seen < overdue_workdays + 1:
        day -= timedelta(days=1)
        if calendar.is_workday(day):
            seen += 1
    return day
