"""What to do with one reply (RFC 5546 REPLY or COUNTER) about a conversation we know.

Pure: the caller passes what it knows about the conversation with the reply's UID (KnownVersion),
the current instant `now`, the working-day calendar, the working hours and the holder's taken
times. The rules, in this order; the first that applies decides:
1. the ATTENDEE is not an invitee of this conversation: `unknown_attendee` (show to staff);
2. the reply's SEQUENCE is lower than the current one: `stale` (an answer to an older version);
3. the SEQUENCE is higher than the current one: `unknown_sequence` (we never sent that version);
4. a REPLY whose DTSTAMP is not later than the answer already recorded for that attendee and
   version: `stale` (the same answer again, or an older one arriving late);
5. the mail's From is not the ATTENDEE (or unknown): `unverified_sender` (a delegate, an alias or
   a forgery; show to staff, do not act on it);
6. a REPLY: `record`, with who answered (leader, employee or another invitee), PARTSTAT and
   DTSTAMP; the caller keeps the answer with the latest DTSTAMP;
7. a COUNTER: `counter` when the proposal is valid like a reschedule, otherwise
   `invalid_counter`. Valid: it has an end (DTEND, DURATION, or else the conversation's own
   length), the end is after the start, the start is after `now`, it lies on a working day within
   the working hours, and it does not collide (gap included) with the holder's other taken times.
   Some clients send a COUNTER with the current or a past time when the user only declined with
   a comment (INTEROP.md): those end here as invalid.
Every verdict carries a Dutch one-line reason for the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from nazorg.core.itip_calendar import ItipItem, shown
from nazorg.core.slots import (
    DEFAULT_HOURS,
    GAP,
    WEEKDAYS,
    Slot,
    WorkCalendar,
    WorkingHours,
    collision,
    outside_working_time,
)

VerdictKind = Literal[
    "record",
    "stale",
    "unknown_sequence",
    "unknown_attendee",
    "unverified_sender",
    "counter",
    "invalid_counter",
]
Role = Literal["leader", "employee", "other"]
ROLE_NAMES: dict[Role, str] = {
    "leader": "leidinggevende",
    "employee": "medewerker",
    "other": "genodigde",
}
PARTSTAT_NAMES = {
    "ACCEPTED": "geaccepteerd",
    "TENTATIVE": "onder voorbehoud geaccepteerd",
    "DECLINED": "afgeslagen",
}


@dataclass(frozen=True)
class KnownVersion:
    """What the caller knows about the conversation with one UID.

    `sequence` is the SEQUENCE of the version last sent; `leader` the holder's address;
    `attendees` all invitees' addresses (leader and employee are always counted as invitees);
    `length` the conversation's length (used when a COUNTER gives no end); `recorded` maps an
    invitee's address to the DTSTAMP of the answer already recorded for the current version.
    """

    uid: str
    sequence: int
    leader: str
    employee: str | None = None
    attendees: frozenset[str] = frozenset()
    length: timedelta | None = None
    recorded: Mapping[str, datetime] = field(default_factory=dict)

    def invitees(self) -> frozenset[str]:
        found = {a.strip().lower() for a in self.attendees} | {self.leader.strip().lower()}
        if self.employee:
            found.add(self.employee.strip().lower())
        return frozenset(found)

    def role(self, address: str) -> Role:
        if address == self.leader.strip().lower():
            return "leader"
        if self.employee and address == self.employee.strip().lower():
            return "employee"
        return "other"


@dataclass(frozen=True)
class Verdict:
    """The decision about one item: its kind, a Dutch one-line reason, and what to act on.

    `start`/`end` are the proposal of a COUNTER in the working hours' zone (with the end filled
    in from the conversation's length when the COUNTER gave none); `collides_with` names the
    taken time a proposal collides with.
    """

    kind: VerdictKind
    reason: str
    attendee: str
    role: Role | None
    partstat: str | None
    dtstamp: datetime
    start: datetime | None = None
    end: datetime | None = None
    collides_with: Slot | None = None


def judge(
    item: ItipItem,
    known: KnownVersion,
    *,
    now: datetime,
    calendar: WorkCalendar,
    hours: WorkingHours = DEFAULT_HOURS,
    taken: Iterable[Slot] = (),
    gap: timedelta = GAP,
) -> Verdict:
    """The verdict on `item` (rules: module docstring).

    `taken` holds the holder's taken times; an entry labelled with this conversation's UID (its
    own current slot) is skipped. ValueError when `known` is about another UID or `now` is naive:
    both are mistakes of the caller, not of the reply.
    """
    if item.uid != known.uid:
        raise ValueError(
            f"antwoord over UID {shown(item.uid)} beoordeeld met gegevens van een ander"
        )
    if now.utcoffset() is None:
        raise ValueError("now moet een tijdzone hebben")
    who = item.attendee
    role = known.role(who) if who in known.invitees() else None
    base = Verdict("unknown_attendee", "", who, role, item.partstat, item.dtstamp)
    if role is None:
        return _say(base, "unknown_attendee", f"{who} is niet uitgenodigd voor dit gesprek")
    if item.sequence < known.sequence:
        return _say(
            base,
            "stale",
            f"verouderd antwoord van {who}: op versie {item.sequence}, "
            f"de huidige versie is {known.sequence}",
        )
    if item.sequence > known.sequence:
        return _say(
            base,
            "unknown_sequence",
            f"antwoord van {who} op versie {item.sequence}, die nooit is verstuurd "
            f"(huidige versie {known.sequence})",
        )
    earlier = {k.strip().lower(): v for k, v in known.recorded.items()}.get(who)
    if item.method == "REPLY" and earlier is not None and item.dtstamp <= earlier:
        return _say(
            base,
            "stale",
            f"herhaald of ouder antwoord van {who}: DTSTAMP {_utc(item.dtstamp)} is niet later "
            f"dan het vastgelegde antwoord ({_utc(earlier)})",
        )
    if item.sender != who:
        return _say(
            base,
            "unverified_sender",
            f"afzender {item.sender or '(onbekend)'} is niet de genodigde {who}: niet verwerkt, "
            "laat een medewerker het beoordelen",
        )
    name = f"{ROLE_NAMES[role]} {who}"
    if item.method == "REPLY":
        state = PARTSTAT_NAMES.get(item.partstat or "", item.partstat or "?")
        return _say(base, "record", f"{name} heeft {state} (versie {item.sequence})")
    return _counter(base, item, known, name, now, calendar, hours, taken, gap)


def _say(base: Verdict, kind: VerdictKind, reason: str, hit: Slot | None = None) -> Verdict:
    """`base` with its kind, its reason (one line, bounded) and a collision filled in."""
    return replace(base, kind=kind, reason=shown(reason, 300), collides_with=hit)


def _counter(
    base: Verdict,
    item: ItipItem,
    known: KnownVersion,
    name: str,
    now: datetime,
    calendar: WorkCalendar,
    hours: WorkingHours,
    taken: Iterable[Slot],
    gap: timedelta,
) -> Verdict:
    """Rule 7: a COUNTER's proposal checked like a requested reschedule."""
    invalid = f"ongeldig tijdvoorstel van {name}"
    if item.start is None:
        return _say(base, "invalid_counter", f"{invalid}: geen begintijd")
    start = item.start.astimezone(hours.zone)
    end = item.end
    if end is None and known.length is not None:
        end = start.astimezone(UTC) + known.length
    if end is None:
        return _say(replace(base, start=start), "invalid_counter", f"{invalid}: geen eindtijd")
    end = end.astimezone(hours.zone)
    proposal = replace(base, start=start, end=end)
    when = f"{WEEKDAYS[start.weekday()]} {start:%Y-%m-%d %H:%M}-{end:%H:%M}"
    if end.astimezone(UTC) <= start.astimezone(UTC):
        return _say(proposal, "invalid_counter", f"{invalid}: het einde ligt niet na het begin")
    if start.astimezone(UTC) <= now.astimezone(UTC):
        return _say(proposal, "invalid_counter", f"{invalid}: {when} ligt in het verleden")
    slot = Slot(start, end, item.uid)
    why = outside_working_time(slot, hours, calendar)
    if why is not None:
        return _say(proposal, "invalid_counter", f"{invalid}: {why}")
    hit = collision(slot, (t for t in taken if t.label != known.uid), gap)
    if hit is not None:
        other = hit.label or "een ander gesprek"
        return _say(proposal, "invalid_counter", f"{invalid}: {when} botst met {other}", hit)
    return _say(proposal, "counter", f"{name} stelt een nieuwe tijd voor: {when}")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
