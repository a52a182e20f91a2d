"""The buddy's contact moments with the reporter, as ordinary follow-ups.

A contact moment is a `FollowUp` of kind `buddy_contact` for the reporter, held by the buddy
(`holder_number`), belonging to the report (`case_id`). It is made when its invite day has come
(`contact_lead_days` before it), by the command that starts the investigation or names the buddy
and after that by the daily run, under the emission lock; `ReportCase.contacts_planned` counts
the moments dealt with, so each is made once. From then on the daily run sends, reconciles and
escalates it like a check-in: exactly once, a CANCEL when it is called off, and one escalation
(to the report coordinator) when it is not held within the overdue limit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from nazorg.core.cases import BUDDY_CONTACT, INVESTIGATING, contact_day
from nazorg.core.planning import PLANNED, escalation_date, meeting
from nazorg.core.workdays import WorkCalendar
from nazorg.services.cases import slotting
from nazorg.services.incidents import new_uid
from nazorg.store.models import FollowUp, ReportCase

if TYPE_CHECKING:
    from nazorg.settings import Settings

#: A report with more contact moments than this is not planned further (a safety net against a
#: start date far in the past making the run loop for long).
MAX_CONTACTS = 520


def plan_contacts(
    session: Session,
    case: ReportCase,
    *,
    today: date,
    now: datetime,
    settings: Settings,
    calendar: WorkCalendar,
) -> list[FollowUp]:
    """Make the contact moments of one report whose invite day has come (module doc). A moment
    whose day passed before it could be made is passed over: nobody is invited for the past."""
    if case.status != INVESTIGATING or case.buddy_number is None or case.investigation_from is None:
        return []
    weeks = settings.cases.contact_weeks
    lead = timedelta(days=settings.cases.contact_lead_days)
    plan = settings.plan()
    made: list[FollowUp] = []
    while case.contacts_planned < MAX_CONTACTS:
        index = case.contacts_planned + 1
        day = contact_day(case.investigation_from, index, weeks, calendar)
        if day >= today and day - lead > today:
            break
        case.contacts_planned = index
        if day < today:
            continue
        start, end = meeting(day, plan)
        invite_on = day - lead
        made.append(
            FollowUp(
                uid=new_uid(),
                employee_number=case.reporter_number,
                kind=BUDDY_CONTACT,
                due_on=day,
                start_local=start.replace(tzinfo=None),
                end_local=end.replace(tzinfo=None),
                tzid=plan.tzid,
                status=PLANNED,
                invite_on=invite_on,
                emit_on=invite_on,
                escalate_on=escalation_date(day, plan, calendar),
                case_id=case.id,
                holder_number=case.buddy_number,
                created_at=now,
                updated_at=now,
            )
        )
    case.updated_at = now if made else case.updated_at
    session.add(case)
    if made:
        slots = slotting.planner(session, today=today, settings=settings, calendar=calendar)
        for f in made:  # a free slot of the buddy and the reporter (slotting module doc)
            slotting.place_new(slots, f, settings=settings, calendar=calendar)
    for f in made:
        session.add(f)
    if made:
        session.flush()  # their ids, for what the command shows
    return made


def generate(
    session: Session, *, today: date, now: datetime, settings: Settings, calendar: WorkCalendar
) -> list[FollowUp]:
    """The daily run's part: the contact moments now due of every report under investigation
    with a buddy (the caller holds the emission lock)."""
    made: list[FollowUp] = []
    for case in session.exec(
        select(ReportCase)
        .where(ReportCase.status == INVESTIGATING)
        .where(col(ReportCase.buddy_number).is_not(None))
        .order_by(col(ReportCase.id))
    ).all():
        made += plan_contacts(
            session, case, today=today, now=now, settings=settings, calendar=calendar
        )
    return made
