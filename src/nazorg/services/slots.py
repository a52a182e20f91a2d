"""Slots per holder: the service side of `nazorg.core.slots` (issue 13).

The pure finder gets the taken times as input; this module reads them. A conversation involves
its holder (the leader, or the leader themselves for their own 360-degree and development-plan
items) and its employee, and neither may have two conversations at once: the taken times of a
new conversation are the open conversations, from `today` on, that either person holds or is the
employee of. Each person's are read once per `Planner` with two indexed queries (holder and day;
employee), so planning costs what the people's coming conversations cost, never the history.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from nazorg.core.cases import CASE_KINDS
from nazorg.core.cycles import SELF_KINDS
from nazorg.core.errors import NazorgError, ValidationError
from nazorg.core.labels import kind_nl
from nazorg.core.planning import PLANNED
from nazorg.core.slots import (
    DEFAULT_HOURS,
    GAP,
    PREFERRED,
    Slot,
    SlotError,
    WorkingHours,
    collision,
    find_slot,
    outside_working_time,
)
from nazorg.core.workdays import WorkCalendar
from nazorg.settings.delivery import CaldavTarget
from nazorg.store.models import LEADER_ROLES, Employee, FollowUp
from nazorg.store.queries import conversation_holder

if TYPE_CHECKING:
    from nazorg.settings import Settings

log = logging.getLogger(__name__)


#: A leader's busy times from elsewhere: (their address, from, until) -> (start, end) pairs.
BusySource = Callable[[str, datetime, datetime], list[tuple[datetime, datetime]]]
#: How far ahead a leader's calendar is read for busy times.
BUSY_DAYS = 62


@dataclass(frozen=True)
class SlotPolicy:
    """The working hours conversations lie in, the gap between two of one person, and where a
    leader's other busy times come from (the CalDAV target's free-busy, when switched on)."""

    hours: WorkingHours = DEFAULT_HOURS
    gap: timedelta = GAP
    busy: BusySource | None = None

    @classmethod
    def of(cls, settings: Settings) -> SlotPolicy:
        caldav = settings.delivery.targets.get("caldav")
        busy = None
        if isinstance(caldav, CaldavTarget) and caldav.free_busy:
            busy = functools.partial(_caldav_busy, caldav)
        return cls(settings.working_hours(), settings.slot_gap, busy)


def _caldav_busy(
    config: CaldavTarget, owner: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The busy times in `owner`'s calendar at the CalDAV target (none when it is unreadable)."""
    from nazorg.delivery.freebusy import busy_times

    try:
        password = config.secret("caldav")
    except NazorgError as exc:
        log.warning("vrij/bezet niet gelezen: %s", exc)
        return []
    return busy_times(config, password, owner, start, end)


DEFAULT_POLICY = SlotPolicy()


def holder_number(
    session: Session, employee: Employee, kind: str, day: date, named: str | None = None
) -> str | None:
    """Who holds this conversation on `day`: the named holder of a report's item (`named`, the
    follow-up's `holder_number`), the leader for their own items, else the employee's leader or
    teamchef (`conversation_holder`); None when nobody does."""
    if kind in CASE_KINDS:
        return named
    if kind in SELF_KINDS:
        return employee.personnel_number
    holder = conversation_holder(session, employee, day)
    return holder.personnel_number if holder is not None else None


def describe(
    followup_id: int | None, kind: str, employee: str, start: datetime, end: datetime
) -> str:
    """How a taken conversation is named in a refusal: id, kind in general terms, employee, time
    (never the incident's kind or note)."""
    name = f"gesprek {followup_id}" if followup_id is not None else "een nieuw gesprek"
    return f"{name} ({kind_nl(kind)}, {employee}) op {start:%Y-%m-%d %H:%M}-{end:%H:%M}"


def conversations_of(person: str, since: date) -> SelectOfScalar[FollowUp]:
    """The conversations from `since` on that `person` holds (as planned here, or as the named
    holder of a report's item) or is the employee of, read through the (holder, day), holder
    and employee indexes. No status in the query: SQLite would then walk the
    status index (every open conversation of everybody); the caller keeps the open ones."""
    return (
        select(FollowUp)
        .where(col(FollowUp.due_on) >= since)
        .where(
            or_(
                col(FollowUp.slot_holder) == person,
                col(FollowUp.holder_number) == person,  # a report's item (issue 15)
                col(FollowUp.employee_number) == person,
            )
        )
    )


@dataclass
class Planner:
    """Places conversations in free slots, remembering what it placed (one per transaction).

    `today` is the first day read: a new or moved conversation never lies before it.
    """

    session: Session
    today: date
    calendar: WorkCalendar
    policy: SlotPolicy = DEFAULT_POLICY
    _busy: dict[str, dict[object, Slot]] = field(default_factory=dict)
    _fresh: itertools.count[int] = field(default_factory=itertools.count)

    def _of(self, person: str) -> dict[object, Slot]:
        """The open conversations of `person` from `today` on, held by them or with them."""
        if person not in self._busy:
            rows = self.session.exec(conversations_of(person, self.today)).all()
            taken: dict[object, Slot] = {
                f.id: Slot(
                    f.start, f.end, describe(f.id, f.kind, f.employee_number, f.start, f.end)
                )
                for f in rows
                if f.status == PLANNED
            }
            taken.update(self._elsewhere(person))
            self._busy[person] = taken
        return self._busy[person]

    def _elsewhere(self, person: str) -> dict[object, Slot]:
        """A leader's busy times from their calendar (policy.busy), from today on."""
        if self.policy.busy is None:
            return {}
        employee = self.session.get(Employee, person)
        if employee is None or employee.role not in LEADER_ROLES:
            return {}
        zone = self.policy.hours.zone
        start = datetime.combine(self.today, time(0), tzinfo=zone)
        periods = self.policy.busy(employee.email, start, start + timedelta(days=BUSY_DAYS))
        return {
            ("busy", s, e): Slot(s, e, f"een afspraak in de agenda van {person} op "
                                 f"{s.astimezone(zone):%Y-%m-%d %H:%M}-{e.astimezone(zone):%H:%M}")
            for s, e in periods
        }  # fmt: skip

    def taken(self, people: tuple[str, ...], exclude: int | None = None) -> list[Slot]:
        """The taken times of these people, without the conversation `exclude` itself."""
        merged: dict[object, Slot] = {}
        for person in dict.fromkeys(people):
            merged.update(self._of(person))
        own = merged.pop(exclude, None)
        if own is not None:  # the conversation's own event in a calendar is no other business
            merged.pop(("busy", own.start, own.end), None)
        return list(merged.values())

    def _record(self, people: tuple[str, ...], key: object, slot: Slot) -> None:
        for person in dict.fromkeys(people):
            self._of(person)[key] = slot

    def place(
        self,
        people: tuple[str, ...],
        day: date,
        length: timedelta,
        *,
        preferred: time | None = PREFERRED,
        label: str = "",
        followup_id: int | None = None,
    ) -> Slot:
        """The first free slot for a conversation of these people on `day` or the working days
        after it (rules: `nazorg.core.slots.find_slot`), recorded as taken."""
        try:
            slot = find_slot(
                max(day, self.today),
                length,
                self.taken(people, followup_id),
                calendar=self.calendar,
                preferred=preferred,
                hours=self.policy.hours,
                gap=self.policy.gap,
                label=label,
            )
        except SlotError as exc:
            raise ValidationError(str(exc)) from None
        key = followup_id if followup_id is not None else ("new", next(self._fresh))
        self._record(people, key, slot)
        return slot

    def place_followup(self, followup: FollowUp, people: tuple[str, ...]) -> bool:
        """Keep an open conversation's time when it is free and in working time, else move it
        to the first free slot from its day on (same length, its time preferred). True when it
        moved; its day, start and end are then changed (the caller fixes the dependent dates)."""
        current = Slot(followup.start, followup.end, "")
        free = collision(current, self.taken(people, followup.id), self.policy.gap) is None
        if free and outside_working_time(current, self.policy.hours, self.calendar) is None:
            self._record(people, followup.id, current)
            return False
        slot = self.place(
            people,
            followup.due_on,
            followup.end - followup.start,
            preferred=followup.start.time(),
            label=describe(
                followup.id, followup.kind, followup.employee_number, followup.start, followup.end
            ),
            followup_id=followup.id,
        )
        set_times(followup, slot)
        return True

    def refusal(
        self, start: datetime, end: datetime, people: tuple[str, ...], exclude: int | None
    ) -> str | None:
        """Why a conversation cannot be at [start, end) (one Dutch line), or None: outside the
        working time, or colliding (gap included) with a named conversation of these people."""
        wanted = Slot(start, end)
        outside = outside_working_time(wanted, self.policy.hours, self.calendar)
        if outside is not None:
            return outside
        hit = collision(wanted, self.taken(people, exclude), self.policy.gap)
        if hit is None:
            return None
        gap = int(self.policy.gap.total_seconds() // 60)
        return (
            f"{start:%Y-%m-%d %H:%M} botst met {hit.label} (met {gap} minuten ertussen); "
            "kies een ander tijdstip"
        )


def set_times(followup: FollowUp, slot: Slot) -> None:
    """Store a slot as the conversation's wall-clock start and end in its zone, and its day."""
    zone = ZoneInfo(followup.tzid)
    start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
    followup.start_local = start.replace(tzinfo=None)
    followup.end_local = end.replace(tzinfo=None)
    followup.due_on = start.date()
