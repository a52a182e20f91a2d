"""The REPLY and COUNTER items in one iCalendar text (RFC 5545, RFC 5546): the calendar half of
reading replies; nazorg.core.itip finds the calendars in a mail.

Rules (RFC 5546 and /work/shared/INTEROP.md):
- Only METHOD REPLY and COUNTER are read; other methods are reported. The VCALENDAR's METHOD
  counts; the MIME `method=` parameter only when the calendar has none.
- Per VEVENT: UID (required), SEQUENCE (default 0), DTSTAMP (required, UTC; a floating value is
  read as UTC, one with TZID converted). A REPLY has exactly one ATTENDEE (`mailto:` or an EMAIL
  parameter; lower-cased) with PARTSTAT ACCEPTED, TENTATIVE or DECLINED. A COUNTER has DTSTART
  and DTEND (or DURATION, or neither: then the end is unknown); its proposer is its one ATTENDEE,
  or with several the one equal to the mail's From. ORGANIZER is not required (outlook.com
  replies lack it). COMMENT is kept. A content line that cannot be read refuses its VEVENT.
- Times: a TZID that zoneinfo knows is read with zoneinfo; another (Outlook's
  "W. Europe Standard Time") with the VTIMEZONE in the file; `Z` is UTC; a floating time is
  Europe/Amsterdam. Proposed times are returned in Europe/Amsterdam.
- Bounds, checked before parsing: at most 200 components, 50 VEVENTs and 10 VTIMEZONEs, and only
  the yearly VTIMEZONE rules clients write (an hourly rule from the year 1 costs minutes).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

import icalendar

Method = Literal["REPLY", "COUNTER"]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PARTSTATS = ("ACCEPTED", "TENTATIVE", "DECLINED")
MAX_COMPONENTS = 200
MAX_EVENTS = 50
MAX_ZONES = 10
MAX_RDATES = 100
MAX_PROBLEMS = 50
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\"]+")
_SEQUENCE = re.compile(r"[0-9]{1,9}")
_FOLD = re.compile(r"\n[ \t]")
#: A VTIMEZONE rule as clients write it ("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"), parts in any order.
_ZONE_RULE = re.compile(
    r"FREQ=YEARLY(;(INTERVAL=1|BYMONTH=[0-9]{1,2}|BYDAY=[+-]?[0-9]?[A-Z]{2}"
    r"|BYMONTHDAY=[0-9]{1,2}(,[0-9]{1,2}){0,6}|UNTIL=[0-9TZ]{8,16}|COUNT=[0-9]{1,3}|WKST=[A-Z]{2}))*"
)


@dataclass(frozen=True)
class ItipItem:
    """One REPLY or COUNTER as read from a VEVENT, with the From of the mail it came in.

    `partstat` is one of PARTSTATS for a REPLY and may be None for a COUNTER; `start` and `end`
    are the proposed times of a COUNTER (aware, Europe/Amsterdam; `end` None when the COUNTER
    gives neither DTEND nor DURATION) and None for a REPLY.
    """

    method: Method
    uid: str
    sequence: int
    dtstamp: datetime
    attendee: str
    partstat: str | None
    sender: str | None
    start: datetime | None = None
    end: datetime | None = None
    comment: str | None = None
    prodid: str | None = None


class Refused(Exception):
    """One VEVENT or calendar is refused; the message is the Dutch problem line."""


def shown(value: object, limit: int = 80) -> str:
    """`value` as safe one-line text for a message: control characters escaped, long text cut."""
    text = "".join(
        ch if unicodedata.category(ch)[0] != "C" else repr(ch)[1:-1] for ch in str(value)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Problems:
    """The problem lines of one message: each once, at most MAX_PROBLEMS."""

    def __init__(self) -> None:
        self.lines: dict[str, None] = {}

    def add(self, line: str) -> None:
        if len(self.lines) < MAX_PROBLEMS:
            self.lines[shown(line, 300)] = None
        elif len(self.lines) == MAX_PROBLEMS:
            self.lines["te veel problemen; de rest is weggelaten"] = None


def address(value: str) -> str | None:
    """An e-mail address, lower-cased, or None when `value` does not look like one."""
    value = value.strip().lower()
    return value if len(value) <= 254 and _ADDRESS.fullmatch(value) else None


def read_calendar(
    text: str, content_type: str | None, sender: str | None, problems: Problems
) -> list[ItipItem]:
    """The items of the VCALENDAR(s) in one calendar part (rules: module docstring).

    A refused VEVENT or METHOD adds a line to `problems`; a calendar refused as a whole (too
    large, unreadable) raises Refused with the line.
    """
    text = _check_bounds(text)
    try:
        components = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as exc:
        raise Refused(f"kalender onleesbaar: {exc}") from None
    calendars = [c for c in components if str(getattr(c, "name", "")).upper() == "VCALENDAR"]
    if not calendars:
        raise Refused("kalender onleesbaar: geen volledige VCALENDAR")
    mime = re.search(r";\s*method\s*=\s*\"?([A-Za-z-]+)", content_type or "", re.IGNORECASE)
    items: list[ItipItem] = []
    for calendar in calendars:
        method = _plain(calendar.get("METHOD")) or (mime.group(1) if mime else "")
        method = method.upper()
        prodid = _plain(calendar.get("PRODID")) or None
        if method not in ("REPLY", "COUNTER"):
            problems.add(f"METHOD {shown(method) or '(geen)'} genegeerd: alleen REPLY en COUNTER")
            continue
        events = [c for c in calendar.subcomponents if str(c.name).upper() == "VEVENT"]
        if not events:
            problems.add(f"{method} zonder VEVENT")
        for event in events:
            try:
                items.append(_read_event(event, method, prodid, sender))
            except Refused as bad:
                problems.add(str(bad))
            except Exception as exc:
                problems.add(f"kalender onleesbaar: {type(exc).__name__}: {exc}")
    return items


def _check_bounds(text: str) -> str:
    """The unfolded text, or Refused for a calendar too large, too deep or with costly zones.

    A VTIMEZONE costs work per transition, so only the forms clients write are read: at most
    MAX_ZONES of them, each RRULE yearly with single BYMONTH/BYDAY values and no hour, minute or
    second lists, and at most MAX_RDATES RDATE values in all.
    """
    text = _FOLD.sub("", text)
    if "BEGIN:VCALENDAR" not in text.upper():
        raise Refused("kalender onleesbaar: geen BEGIN:VCALENDAR")
    depth = components = events = zones = rdates = 0
    in_zone = False
    for line in text.split("\n"):
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            depth, components = depth + 1, components + 1
            name = upper[6:].strip()
            events += name == "VEVENT"
            zones += name == "VTIMEZONE"
            in_zone = in_zone or name == "VTIMEZONE"
            if depth > 6:
                raise Refused("kalender onleesbaar: componenten te diep genest")
        elif upper.startswith("END:"):
            depth -= 1
            in_zone = in_zone and upper[4:].strip() != "VTIMEZONE"
        elif (
            in_zone
            and upper[:6] in ("RRULE:", "RRULE;")
            and not _ZONE_RULE.fullmatch(upper.split(":", 1)[-1].strip())
        ):
            raise Refused(f"tijdzone met een ongebruikelijke regel {shown(line)!r}; niet gelezen")
        elif in_zone and upper[:6] in ("RDATE:", "RDATE;"):
            rdates += upper.count(",") + 1
    if components > MAX_COMPONENTS or events > MAX_EVENTS:
        raise Refused(
            f"kalender te groot ({components} componenten, {events} VEVENTs; maximaal "
            f"{MAX_COMPONENTS} en {MAX_EVENTS}); niet gelezen"
        )
    if zones > MAX_ZONES or rdates > MAX_RDATES:
        raise Refused(
            f"kalender te groot ({zones} VTIMEZONEs, {rdates} RDATE-waarden; maximaal "
            f"{MAX_ZONES} en {MAX_RDATES}); niet gelezen"
        )
    return text


def _plain(prop: Any) -> str:
    """A property's text value, trimmed ('' when absent or repeated)."""
    return "" if prop is None or isinstance(prop, list) else str(prop).strip()


def _one(event: Any, name: str, uid: str) -> Any:
    """The property `name` of `event`, None when absent; Refused when it occurs more than once."""
    prop = event.get(name)
    if isinstance(prop, list):
        raise Refused(f"{uid}: {name} komt meer dan eens voor")
    return prop


def _moment(event: Any, name: str, uid: str, floating: tzinfo) -> datetime | None:
    """A DATE-TIME property as an aware datetime (rules: module docstring); None when absent."""
    prop = _one(event, name, uid)
    if prop is None:
        return None
    try:
        value = prop.dt
    except Exception:
        raise Refused(f"{uid}: {name} is geen geldige datum/tijd") from None
    if not isinstance(value, datetime):
        raise Refused(f"{uid}: {name} is geen datum met tijd")
    tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    if tzid:
        try:
            value = value.replace(tzinfo=ZoneInfo(str(tzid)))
        except Exception:  # not a zoneinfo name: keep what the VTIMEZONE in the file gave
            if value.tzinfo is None:
                raise Refused(f"{uid}: onbekende tijdzone {shown(tzid)!r} bij {name}") from None
    elif value.tzinfo is None:
        value = value.replace(tzinfo=floating)
    try:
        if value.utcoffset() is None:
            raise ValueError(name)
        value.astimezone(UTC)
    except Exception:
        raise Refused(f"{uid}: {name} valt buiten het bereik van de tijdzone") from None
    return value


def _attendees(event: Any) -> list[tuple[str | None, Any]]:
    """Every ATTENDEE as (address or None when not an e-mail address, the property)."""
    props = event.get("ATTENDEE")
    props = props if isinstance(props, list) else ([] if props is None else [props])
    found: list[tuple[str | None, Any]] = []
    for prop in props:
        value = str(prop).strip()
        if value[:7].lower() == "mailto:":
            found.append((address(value[7:]), prop))
        else:
            found.append((address(str(prop.params.get("EMAIL", ""))), prop))
    return found


def _read_event(event: Any, method: str, prodid: str | None, sender: str | None) -> ItipItem:
    """One VEVENT of a REPLY or COUNTER as an item; Refused with the reason when it is refused."""
    uid = _plain(_one(event, "UID", "(zonder UID)"))
    if not uid:
        raise Refused(f"{method} zonder UID")
    if len(uid) > 1000 or any(unicodedata.category(ch) == "Cc" for ch in uid):
        raise Refused(f"{method} met een ongeldige UID: {shown(uid)}")
    label = shown(uid, 60)
    unreadable = [str(e[1]) for e in getattr(event, "errors", ()) if e and e[0] is None]
    if unreadable:  # a content line icalendar skipped: it may have been the one that counts
        raise Refused(f"{label}: kalender onleesbaar: {unreadable[0]}")
    raw_sequence = _plain(_one(event, "SEQUENCE", label)) or "0"
    if not _SEQUENCE.fullmatch(raw_sequence):
        raise Refused(f"{label}: SEQUENCE {shown(raw_sequence)!r} is geen geheel getal >= 0")
    dtstamp = _moment(event, "DTSTAMP", label, UTC)
    if dtstamp is None:
        raise Refused(f"{label}: DTSTAMP ontbreekt")
    attendees = _attendees(event)
    if method == "REPLY" and len(attendees) != 1:
        raise Refused(f"{label}: REPLY met {len(attendees)} ATTENDEEs; precies één verwacht")
    if method == "COUNTER" and len(attendees) > 1:
        attendees = [(a, p) for a, p in attendees if a is not None and a == sender]
        if len(attendees) != 1:
            raise Refused(f"{label}: COUNTER met meerdere ATTENDEEs, geen ervan is de afzender")
    if not attendees:
        raise Refused(f"{label}: {method} zonder ATTENDEE")
    attendee, prop = attendees[0]
    if attendee is None:
        raise Refused(f"{label}: ATTENDEE {shown(prop)!r} is geen e-mailadres")
    partstat: str | None = str(prop.params.get("PARTSTAT", "")).strip().upper() or None
    if method == "REPLY" and partstat not in PARTSTATS:
        state = shown(partstat or "NEEDS-ACTION")
        raise Refused(f"{label}: PARTSTAT {state} wordt niet ondersteund")
    comments = event.get("COMMENT")
    comments = comments if isinstance(comments, list) else ([] if comments is None else [comments])
    comment = "\n".join(str(c).strip() for c in comments if str(c).strip()) or None
    start = end = None
    if method == "COUNTER":
        start = _moment(event, "DTSTART", label, AMSTERDAM)
        if start is None:
            raise Refused(f"{label}: COUNTER zonder DTSTART")
        end = _moment(event, "DTEND", label, AMSTERDAM)
        duration = _one(event, "DURATION", label)
        if end is None and duration is not None:
            try:
                length = duration.dt
                if not isinstance(length, timedelta):
                    raise TypeError(length)
                end = start.astimezone(UTC) + length
            except Exception:
                raise Refused(f"{label}: DURATION is ongeldig") from None
        start = start.astimezone(AMSTERDAM)
        end = end.astimezone(AMSTERDAM) if end is not None else None
    return ItipItem(
        method="REPLY" if method == "REPLY" else "COUNTER",
        uid=uid,
        sequence=int(raw_sequence),
        dtstamp=dtstamp.astimezone(UTC),
        attendee=attendee,
        partstat=partstat,
        sender=sender,
        start=start,
        end=end,
        comment=comment,
        prodid=prodid,
    )
