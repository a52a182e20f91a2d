"""A report's items in free slots (issue 13 over issue 15).

A buddy contact moment, a plan action reminder and a plan review are conversations of their
named holder (`holder_number`: the buddy, the measure's owner, the plan's holder) with the person
(`employee_number`: the reporter or the affected person). Each is placed through the same
`nazorg.services.slots` policy as any conversation: the first free slot of both people on its
planned day or the working days after it (its planned time preferred), and `slot_holder` is the
holder. Placement is deterministic: items are placed in the order given, against the
conversations already stored and those placed before them in the same `Planner`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session

from nazorg.core.planning import PLANNED, escalation_date
from nazorg.core.workdays import WorkCalendar
from nazorg.services.slots import Planner, SlotPolicy, describe, set_times
from nazorg.store.models import FollowUp

if TYPE_CHECKING:
    from nazorg.settings import Settings


def planner(
    session: Session, *, today: date, settings: Settings, calendar: WorkCalendar
) -> Planner:
    """One planner for the items of one command or run step."""
    return Planner(session, today, calendar, SlotPolicy.of(settings))


def people(item: FollowUp) -> tuple[str, ...]:
    """Who attends a report's item: the person and, when named, its holder."""
    return (item.employee_number,) + ((item.holder_number,) if item.holder_number else ())


def place_new(
    slots: Planner, item: FollowUp, *, settings: Settings, calendar: WorkCalendar
) -> None:
    """Place a new item (not yet stored) in the first free slot from its day on; its invite day
    stays (a slot is never earlier), its escalation day follows the day."""
    slot = slots.place(
        people(item),
        item.due_on,
        item.end - item.start,
        preferred=item.start.time(),
        label=describe(None, item.kind, item.employee_number, item.start, item.end),
    )
    day = item.due_on
    set_times(item, slot)
    item.slot_holder = item.holder_number
    if item.escalate_on is not None and item.due_on != day:
        item.escalate_on = escalation_date(item.due_on, settings.plan(), calendar)


def replace(slots: Planner, item: FollowUp, *, settings: Settings, calendar: WorkCalendar) -> bool:
    """Keep a stored item's time when it is free for its (possibly new) holder and person, else
    move it to their first free slot from its day on; True when it moved."""
    item.slot_holder = item.holder_number
    if item.status != PLANNED:
        return False
    day = item.due_on
    moved = slots.place_followup(item, people(item))
    if moved and item.escalate_on is not None and item.due_on != day:
        item.escalate_on = escalation_date(item.due_on, settings.plan(), calendar)
    return moved
