"""Reports, buddies and recovery plans (issue 15): the pure rules.

- While a report is under investigation and has a buddy, the buddy and the reporter have a
  contact moment every N weeks, counted from the first day of the investigation: moment k is on
  `from + k * N weeks`, moved to the next working day. A moment whose day has passed before it
  could be planned is passed over, never planned in the past.
- A measure's owner gets a reminder on the working day on or before the target date; its invite
  goes out `reminder_days` earlier.
- A plan's review is due when every measure is done (or dropped, with at least one done) or,
  at the latest, a configured number of weeks after the plan started.
"""

from __future__ import annotations

from datetime import date, timedelta

from nazorg.core.workdays import WorkCalendar

BUDDY_CONTACT = "buddy_contact"
PLAN_REVIEW = "plan_review"
PLAN_ACTION = "plan_action"
#: Follow-up kinds that belong to a report or a recovery plan: only the reports role (and the
#: person holding one) ever sees them.
CASE_KINDS = (BUDDY_CONTACT, PLAN_REVIEW, PLAN_ACTION)

DEFAULT_CATEGORIES = (
    "uitsluiting",
    "discriminatie",
    "racisme",
    "seksisme",
    "grensoverschrijdend-gedrag",
)

#: Report statuses.
OPEN = "open"
INVESTIGATING = "investigating"
CLOSED = "closed"
CASE_STATUS_NL = {OPEN: "open", INVESTIGATING: "in onderzoek", CLOSED: "gesloten"}

#: Measure statuses.
MEASURE_OPEN = "open"
MEASURE_DONE = "done"
MEASURE_DROPPED = "dropped"
MEASURE_STATUS_NL = {MEASURE_OPEN: "open", MEASURE_DONE: "gedaan", MEASURE_DROPPED: "vervallen"}


def contact_day(start: date, index: int, weeks: int, calendar: WorkCalendar) -> date:
    """The day of contact moment `index` (1, 2, ...): `start + index * weeks` weeks, on the next
    working day when that is a weekend or a public holiday."""
    return calendar.on_or_after(start + timedelta(weeks=index * weeks))


def reminder_day(target: date, calendar: WorkCalendar) -> date:
    """The working day on or before a measure's target date."""
    day = target
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    return day


def review_due(started: date, weeks: int, calendar: WorkCalendar) -> date:
    """The latest day of a plan's review: `weeks` after the start, on a working day."""
    return calendar.on_or_after(started + timedelta(weeks=weeks))


def all_measures_finished(statuses: list[str]) -> bool:
    """Every measure is done or dropped, and at least one was done."""
    return (
        bool(statuses)
        and all(s in (MEASURE_DONE, MEASURE_DROPPED) for s in statuses)
        and MEASURE_DONE in statuses
    )
