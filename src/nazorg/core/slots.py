"""Slots for conversations: the conversations of one holder never overlap.

Rules (the issue "conversations of one holder never overlap"):
- A conversation lies within the working hours of one working day (default 09:00-16:00
  Europe/Amsterdam): it starts at or after their start and ENDS at or before their end.
- Between two conversations of the same holder, and between a conversation and any other taken
  time of that holder (check-ins, 360, development plan, R&O, busy times from a calendar), there
  are at least `gap` minutes (default 15).
- A conversation goes on its planned day when a slot is free there, otherwise on the next working
  day with a free slot; a planned day that is no working day starts the search at the next one.
- Within a day the start times are tried in this order: the preferred time (the plan's meeting
  time, 10:00); then later times in steps of 15 minutes from it; then earlier times, from the
  start of the working hours onward, so the earliest free one. A preferred time before the working
  hours counts as their start. Without a preferred time: from the start onward.
- A start is a wall-clock time in the zone; the end is the start plus the length in elapsed time.
  So a daylight-saving change never moves a 10:00 conversation (and the changes fall on Sunday
  nights, outside every working day).

All datetimes are aware. Intervals are compared as instants (in UTC), never as wall-clock values:
Python compares two datetimes of the same zone by their wall clock, which is wrong around a change.
Pure: no database, no clock; the caller passes the holder's taken intervals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nazorg.core.workdays import WorkCalendar as WorkCalendar

GAP = timedelta(minutes=15)
STEP = timedelta(minutes=15)
PREFERRED = time(10, 0)
#: How far ahead find_slot looks before giving up: about one year of working days.
MAX_WORKDAYS = 260
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


class SlotError(ValueError):
    """No slot can be given; the message (Dutch, one line) says why."""


@dataclass(frozen=True)
class WorkingHours:
    """The part of a working day in which conversations are held (wall clock in `tzid`)."""

    start: time = time(9, 0)
    end: time = time(16, 0)
    tzid: str = "Europe/Amsterdam"

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("werktijd: geef tijden zonder tijdzone; de zone is tzid")
        if not self.start < self.end:
            raise ValueError(f"werktijd: het einde ligt niet na het begin ({self.describe()})")
        ZoneInfo(self.tzid)  # an unknown zone fails here, not halfway through a search

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tzid)

    @property
    def span(self) -> timedelta:
        return timedelta(seconds=_seconds(self.end) - _seconds(self.start))

    def describe(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


DEFAULT_HOURS = WorkingHours()


@dataclass(frozen=True)
class Slot:
    """A time interval [start, end) of aware datetimes with an opaque `label`.

    Used both for the holder's taken times (the label names the conversation or calendar entry,
    so a refused request can say what it collides with) and for the slots this module gives.
    """

    start: datetime
    end: datetime
    label: str = ""

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError(f"tijdvak zonder tijdzone: {self.label or self.start.isoformat()}")
        if _utc(self.end) < _utc(self.start):
            raise ValueError(f"tijdvak eindigt voor het begint: {self.label or self.start}")


@dataclass(frozen=True)
class SlotRequest:
    """One conversation to place: its planned day, length, label and preferred start time."""

    day: date
    length: timedelta
    label: str = ""
    preferred: time | None = PREFERRED


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _seconds(at: time) -> int:
    return at.hour * 3600 + at.minute * 60 + at.second


def _minutes(length: timedelta) -> str:
    return f"{int(length.total_seconds() // 60)} minuten"


def slot_at(day: date, at: time, length: timedelta, tzid: str, label: str = "") -> Slot:
    """The slot that starts at wall-clock time `at` on `day` in `tzid` and lasts `length`.

    The start is built from the wall clock, so it is the same local time on both sides of a
    daylight-saving change; the end is the start plus `length` of elapsed time.
    """
    zone = ZoneInfo(tzid)
    start = datetime.combine(day, at, tzinfo=zone)
    return Slot(start, (_utc(start) + length).astimezone(zone), label)


def collision(candidate: Slot, taken: Iterable[Slot], gap: timedelta = GAP) -> Slot | None:
    """The taken interval `candidate` collides with (the earliest one), or None.

    Two intervals collide when less than `gap` lies between them: the candidate must end at
    least `gap` before a taken interval starts, or start at least `gap` after it ends. With a
    gap of zero, intervals that only touch do not collide.
    """
    if gap < timedelta(0):
        raise ValueError("de tussenruimte mag niet negatief zijn")
    start, end = _utc(candidate.start), _utc(candidate.end)
    hits = [t for t in taken if start < _utc(t.end) + gap and _utc(t.start) < end + gap]
    return min(hits, key=lambda t: (_utc(t.start), _utc(t.end), t.label), default=None)


def outside_working_time(slot: Slot, hours: WorkingHours, calendar: WorkCalendar) -> str | None:
    """Why `slot` is not in working time (Dutch, one line), or None when it is.

    In working time means: on a working day (no weekend, no public holiday, no extra closed day),
    starting at or after the start of the working hours and ending at or before their end, on
    that same day; all in the wall clock of the hours' zone.
    """
    start, end = slot.start.astimezone(hours.zone), slot.end.astimezone(hours.zone)
    day = start.date()
    weekday = WEEKDAYS[day.weekday()]
    if not calendar.is_workday(day):
        holiday = calendar.holiday_name(day)
        why = f"feestdag ({holiday})" if holiday else ("weekend" if day.weekday() >= 5 else "vrij")
        return f"{weekday} {day.isoformat()} is geen werkdag: {why}"
    if end.date() != day or start.time() < hours.start or end.time() > hours.end:
        return (
            f"{weekday} {day.isoformat()} {start:%H:%M}-{end:%H:%M} valt buiten de werktijd "
            f"{hours.describe()}"
        )
    return None


def check_length(length: timedelta, hours: WorkingHours, label: str = "") -> None:
    """A conversation must last longer than zero and fit in the working hours; SlotError if not."""
    what = f"{label}: een gesprek" if label else "een gesprek"
    if length <= timedelta(0):
        raise SlotError(f"{what} moet een positieve duur hebben, niet {_minutes(length)}")
    if length > hours.span:
        raise SlotError(
            f"{what} van {_minutes(length)} past niet binnen de werktijd "
            f"{hours.describe()} ({_minutes(hours.span)})"
        )


def start_times(
    length: timedelta, preferred: time | None, hours: WorkingHours, step: timedelta = STEP
) -> list[time]:
    """The wall-clock start times tried on one day, in the order of the module docstring.

    Only times at which a conversation of `length` starts and ends within the working hours.
    """
    first = _seconds(hours.start)
    last = _seconds(hours.end) - int(length.total_seconds())
    stride = int(step.total_seconds())
    if stride <= 0:
        raise ValueError("de stap moet positief zijn")
    if last < first:
        return []
    if preferred is None:
        order = list(range(first, last + 1, stride))
    else:
        pivot = max(_seconds(preferred), first)
        order = [*range(pivot, last + 1, stride), *range(first, min(pivot, last + 1), stride)]
    return [time(s // 3600, s % 3600 // 60, s % 60) for s in dict.fromkeys(order)]


def find_slot(
    day: date,
    length: timedelta,
    taken: Iterable[Slot],
    *,
    calendar: WorkCalendar,
    preferred: time | None = PREFERRED,
    hours: WorkingHours = DEFAULT_HOURS,
    gap: timedelta = GAP,
    label: str = "",
    max_workdays: int = MAX_WORKDAYS,
) -> Slot:
    """The slot for a conversation of `length` planned on `day` (rules: module docstring).

    The first working day on or after `day` that has a start time (tried in the order of
    `start_times`) with no collision with `taken` (including `gap`) gives the slot, which
    carries `label`. SlotError when the conversation is longer than the working hours or no slot
    is free within `max_workdays` working days.
    """
    check_length(length, hours, label)
    if gap < timedelta(0):
        raise ValueError("de tussenruimte mag niet negatief zijn")
    times = start_times(length, preferred, hours)
    busy = sorted(taken, key=lambda t: _utc(t.start))
    current = calendar.on_or_after(day)
    for _ in range(max_workdays):
        opens = _utc(datetime.combine(current, hours.start, tzinfo=hours.zone)) - gap
        closes = _utc(datetime.combine(current, hours.end, tzinfo=hours.zone)) + gap
        that_day = [t for t in busy if _utc(t.end) > opens and _utc(t.start) < closes]
        for at in times:
            candidate = slot_at(current, at, length, hours.tzid, label)
            if collision(candidate, that_day, gap) is None and (
                outside_working_time(candidate, hours, calendar) is None
            ):
                return candidate
        current = calendar.add_workdays(current, 1)
    raise SlotError(
        f"geen vrij moment voor {label or 'het gesprek'} binnen {max_workdays} werkdagen "
        f"vanaf {day.isoformat()}"
    )


def place_all(
    requests: Iterable[SlotRequest],
    taken: Iterable[Slot],
    *,
    calendar: WorkCalendar,
    hours: WorkingHours = DEFAULT_HOURS,
    gap: timedelta = GAP,
    max_workdays: int = MAX_WORKDAYS,
) -> list[Slot]:
    """Slots for several conversations of ONE holder, placed in the given order.

    Each placed slot joins the taken set before the next request is placed, so the results never
    overlap each other (nor `taken`), gap included. For example twenty employees of one leader
    after one incident: the first gets the preferred time, the next ones the following free
    times, spilling to the next working days. SlotError (naming the request) stops the batch.
    """
    busy = list(taken)
    placed: list[Slot] = []
    for request in requests:
        slot = find_slot(
            request.day,
            request.length,
            busy,
            calendar=calendar,
            preferred=request.preferred,
            hours=hours,
            gap=gap,
            label=request.label,
            max_workdays=max_workdays,
        )
        busy.append(slot)
        placed.append(slot)
    return placed
