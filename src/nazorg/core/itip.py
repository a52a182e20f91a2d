"""Reading replies to our invites (RFC 5546 REPLY and COUNTER) out of one mail.

`parse_message(raw)` is pure and never raises: whatever the bytes, it returns the items found and
a list of problems (Dutch, one line each). Rules (RFC 5546 and /work/shared/INTEROP.md):
- Every MIME part is looked at: a `text/calendar` part (Outlook sends the whole message as one,
  with `Content-class: urn:content-classes:calendarmessage`), one inside a
  `multipart/alternative`, an `application/ics` attachment, or any part whose file name ends in
  `.ics`. Transfer encodings (base64, quoted-printable) and charsets are decoded; an unknown
  charset is read as UTF-8. The same calendar in two parts (Google sends it twice) counts once.
- Only METHOD REPLY and COUNTER are read; other methods are reported. The VCALENDAR's METHOD
  counts; the MIME `method=` parameter only when the calendar has none.
- Per VEVENT: UID (required), SEQUENCE (default 0), DTSTAMP (required, UTC; a floating value is
  read as UTC, one with TZID converted). A REPLY has exactly one ATTENDEE (`mailto:` or an EMAIL
  parameter; lower-cased) with PARTSTAT ACCEPTED, TENTATIVE or DECLINED. A COUNTER has DTSTART
  and DTEND (or DURATION, or neither: then the end is unknown); its proposer is its one ATTENDEE,
  or with several the one equal to the mail's From. ORGANIZER is not required (outlook.com
  replies lack it). COMMENT is kept.
- Times: a TZID that zoneinfo knows is read with zoneinfo; another (Outlook's
  "W. Europe Standard Time") with the VTIMEZONE in the file; `Z` is UTC; a floating time is
  Europe/Amsterdam. Proposed times are returned in Europe/Amsterdam.
- Bounds, refused politely: a mail over 32 MiB, a calendar part over 1 MiB, more than 200 parts,
  200 components or 50 VEVENTs in a calendar.
"""

from __future__ import annotations

import email
import email.utils
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import Message
from typing import Any, Literal
from zoneinfo import ZoneInfo

import icalendar

Method = Literal["REPLY", "COUNTER"]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PARTSTATS = ("ACCEPTED", "TENTATIVE", "DECLINED")
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
MAX_CALENDAR_BYTES = 1024 * 1024
MAX_PARTS = 200
MAX_DEPTH = 12
MAX_COMPONENTS = 200
MAX_EVENTS = 50
MAX_PROBLEMS = 50
CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\"]+")
_SEQUENCE = re.compile(r"[0-9]{1,9}")


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


@dataclass(frozen=True)
class MessageReplies:
    """What one mail held: its From address, Message-ID and Date, the items, and problems."""

    sender: str | None
    message_id: str | None
    date: datetime | None
    items: tuple[ItipItem, ...]
    problems: tuple[str, ...]


class _Bad(Exception):
    """One VEVENT or calendar is refused; the message is the Dutch problem line."""


def shown(value: object, limit: int = 80) -> str:
    """`value` as safe one-line text for a message: control characters escaped, long text cut."""
    text = "".join(
        ch if unicodedata.category(ch)[0] != "C" else repr(ch)[1:-1] for ch in str(value)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Problems:
    """The problem lines of one message: each once, at most MAX_PROBLEMS."""

    def __init__(self) -> None:
        self.lines: dict[str, None] = {}

    def add(self, line: str) -> None:
        if len(self.lines) < MAX_PROBLEMS:
            self.lines[shown(line, 300)] = None
        elif len(self.lines) == MAX_PROBLEMS:
            self.lines["te veel problemen; de rest is weggelaten"] = None


def parse_message(raw: bytes) -> MessageReplies:
    """The REPLY and COUNTER items in one RFC 5322 mail, and the problems met (module docstring).

    Never raises: a broken mail, calendar or VEVENT gives a problem line and no item for it.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        return _refused(f"bericht te groot ({len(raw)} bytes, maximaal {MAX_MESSAGE_BYTES})")
    try:
        message = email.message_from_bytes(bytes(raw))
    except Exception as exc:  # the parser is lenient, but a mail is hostile input
        return _refused(f"geen leesbaar e-mailbericht: {exc}")
    if not message.keys():
        return _refused("geen e-mailbericht: geen kopregels gevonden")
    problems = _Problems()
    sender = _sender(message, problems)
    message_id = _header(message, "Message-ID")
    sent = _date(message)
    items: dict[ItipItem, None] = {}
    calendars = 0
    for part in _parts(message, problems):
        try:
            if not _is_calendar(part):
                continue
            calendars += 1
            text = _text(part)
            for item in _read_calendar(text, _header(part, "Content-Type"), sender, problems):
                items.setdefault(item, None)
        except _Bad as bad:
            problems.add(str(bad))
        except Exception as exc:  # a last guard: no input may raise out of this function
            problems.add(f"kalender onleesbaar: {type(exc).__name__}: {exc}")
    if not calendars:
        problems.add("geen kalendergegevens (text/calendar of .ics) in het bericht")
    return MessageReplies(sender, message_id, sent, tuple(items), tuple(problems.lines))


def _refused(line: str) -> MessageReplies:
    """The answer for a mail that is not read at all."""
    return MessageReplies(None, None, None, (), (shown(line, 300),))


def _header(part: Message, name: str) -> str | None:
    """One header as a single trimmed line, or None (compat32 may give a Header object)."""
    try:
        value = part.get(name)
    except Exception:
        return None
    text = " ".join(str(value).split()) if value is not None else ""
    return text[:998] or None


def _address(value: str) -> str | None:
    """An e-mail address, lower-cased, or None when `value` does not look like one."""
    value = value.strip().lower()
    return value if len(value) <= 254 and _ADDRESS.fullmatch(value) else None


def _sender(message: Message, problems: _Problems) -> str | None:
    """The address in the From header(s); None (with a problem) unless there is exactly one."""
    try:
        pairs = email.utils.getaddresses([str(v) for v in message.get_all("From", [])])
    except Exception:
        pairs = []
    found = {a for a in (_address(address) for _, address in pairs) if a}
    if len(found) != 1:
        problems.add("afzender (From) ontbreekt of is onleesbaar")
        return None
    return found.pop()


def _date(message: Message) -> datetime | None:
    """The Date header as an aware UTC datetime; `-0000` (zone unknown) is read as UTC."""
    text = _header(message, "Date")
    if text is None:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except Exception:
        return None
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)


def _parts(message: Message, problems: _Problems) -> list[Message]:
    """Every MIME part, depth first in document order, without recursion; bounded."""
    found: list[Message] = []
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if len(found) >= MAX_PARTS:
            problems.add(f"te veel MIME-delen (meer dan {MAX_PARTS}); de rest is niet gelezen")
            break
        found.append(part)
        if not part.is_multipart():
            continue
        if depth >= MAX_DEPTH:
            problems.add(f"MIME-delen te diep genest (meer dan {MAX_DEPTH}); niet gelezen")
            continue
        children = part.get_payload()
        if isinstance(children, list):
            stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
    return found


def _is_calendar(part: Message) -> bool:
    """A calendar part: a calendar content type, or a file name ending in `.ics`."""
    if part.is_multipart():
        return False
    if part.get_content_type() in CALENDAR_TYPES:
        return True
    name = part.get_filename() or part.get_param("name")
    return isinstance(name, str) and name.strip().lower().endswith(".ics")


def _text(part: Message) -> str:
    """The decoded text of a calendar part; _Bad when it is too large."""
    encoded = part.get_payload()
    if not isinstance(encoded, str):
        raise _Bad("kalenderdeel zonder inhoud")
    if len(encoded) > 2 * MAX_CALENDAR_BYTES:
        raise _Bad(f"kalenderdeel te groot (maximaal {MAX_CALENDAR_BYTES} bytes); niet gelezen")
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        raise _Bad("kalenderdeel zonder inhoud")
    if len(data) > MAX_CALENDAR_BYTES:
        raise _Bad(f"kalenderdeel te groot ({len(data)} bytes, maximaal {MAX_CALENDAR_BYTES})")
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset, errors="replace")
    except Exception:  # unknown or non-text codec names ("rot13", "base64")
        text = data.decode("utf-8", errors="replace")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _read_calendar(
    text: str, content_type: str | None, sender: str | None, problems: _Problems
) -> list[ItipItem]:
    """The items of the VCALENDAR(s) in one calendar part; problems for what is refused."""
    _check_bounds(text)
    try:
        components = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as exc:
        raise _Bad(f"kalender onleesbaar: {exc}") from None
    calendars = [c for c in components if str(getattr(c, "name", "")).upper() == "VCALENDAR"]
    if not calendars:
        raise _Bad("kalender onleesbaar: geen volledige VCALENDAR")
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
            except _Bad as bad:
                problems.add(str(bad))
            except Exception as exc:
                problems.add(f"kalender onleesbaar: {type(exc).__name__}: {exc}")
    return items


def _check_bounds(text: str) -> None:
    """Refuse (with _Bad) a calendar too large or too deeply nested, before parsing it."""
    if "BEGIN:VCALENDAR" not in text.upper():
        raise _Bad("kalender onleesbaar: geen BEGIN:VCALENDAR")
    depth = components = events = 0
    for line in text.split("\n"):
        head = line[:6].upper()
        if head == "BEGIN:":
            depth, components = depth + 1, components + 1
            events += line[6:].strip().upper() == "VEVENT"
            if depth > 6:
                raise _Bad("kalender onleesbaar: componenten te diep genest")
        elif head[:4] == "END:":
            depth -= 1
    if components > MAX_COMPONENTS or events > MAX_EVENTS:
        raise _Bad(
            f"kalender te groot ({components} componenten, {events} VEVENTs; maximaal "
            f"{MAX_COMPONENTS} en {MAX_EVENTS}); niet gelezen"
        )


def _plain(prop: Any) -> str:
    """A property's text value, trimmed ('' when absent or repeated)."""
    return "" if prop is None or isinstance(prop, list) else str(prop).strip()


def _one(event: Any, name: str, uid: str) -> Any:
    """The property `name` of `event`, None when absent; _Bad when it occurs more than once."""
    prop = event.get(name)
    if isinstance(prop, list):
        raise _Bad(f"{uid}: {name} komt meer dan eens voor")
    return prop


def _moment(event: Any, name: str, uid: str, floating: tzinfo) -> datetime | None:
    """A DATE-TIME property as an aware datetime (rules: module docstring); None when absent."""
    prop = _one(event, name, uid)
    if prop is None:
        return None
    try:
        value = prop.dt
    except Exception:
        raise _Bad(f"{uid}: {name} is geen geldige datum/tijd") from None
    if not isinstance(value, datetime):
        raise _Bad(f"{uid}: {name} is geen datum met tijd")
    tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    if tzid:
        try:
            value = value.replace(tzinfo=ZoneInfo(str(tzid)))
        except Exception:  # not a zoneinfo name: keep what the VTIMEZONE in the file gave
            if value.tzinfo is None:
                raise _Bad(f"{uid}: onbekende tijdzone {shown(tzid)!r} bij {name}") from None
    elif value.tzinfo is None:
        value = value.replace(tzinfo=floating)
    try:
        if value.utcoffset() is None:
            raise ValueError(name)
        value.astimezone(UTC)
    except Exception:
        raise _Bad(f"{uid}: {name} valt buiten het bereik van de tijdzone") from None
    return value


def _attendees(event: Any) -> list[tuple[str | None, Any]]:
    """Every ATTENDEE as (address or None when not an e-mail address, the property)."""
    props = event.get("ATTENDEE")
    props = props if isinstance(props, list) else ([] if props is None else [props])
    found: list[tuple[str | None, Any]] = []
    for prop in props:
        value = str(prop).strip()
        if value[:7].lower() == "mailto:":
            found.append((_address(value[7:]), prop))
        else:
            found.append((_address(str(prop.params.get("EMAIL", ""))), prop))
    return found


def _read_event(event: Any, method: str, prodid: str | None, sender: str | None) -> ItipItem:
    """One VEVENT of a REPLY or COUNTER as an item; _Bad with the reason when it is refused."""
    uid = _plain(_one(event, "UID", "(zonder UID)"))
    if not uid:
        raise _Bad(f"{method} zonder UID")
    if len(uid) > 1000 or any(unicodedata.category(ch) == "Cc" for ch in uid):
        raise _Bad(f"{method} met een ongeldige UID: {shown(uid)}")
    label = shown(uid, 60)
    raw_sequence = _plain(_one(event, "SEQUENCE", label)) or "0"
    if not _SEQUENCE.fullmatch(raw_sequence):
        raise _Bad(f"{label}: SEQUENCE {shown(raw_sequence)!r} is geen geheel getal >= 0")
    dtstamp = _moment(event, "DTSTAMP", label, UTC)
    if dtstamp is None:
        raise _Bad(f"{label}: DTSTAMP ontbreekt")
    attendees = _attendees(event)
    if method == "REPLY" and len(attendees) != 1:
        raise _Bad(f"{label}: REPLY met {len(attendees)} ATTENDEEs; precies één verwacht")
    if method == "COUNTER" and len(attendees) > 1:
        attendees = [(a, p) for a, p in attendees if a is not None and a == sender]
        if len(attendees) != 1:
            raise _Bad(f"{label}: COUNTER met meerdere ATTENDEEs, geen ervan is de afzender")
    if not attendees:
        raise _Bad(f"{label}: {method} zonder ATTENDEE")
    attendee, prop = attendees[0]
    if attendee is None:
        raise _Bad(f"{label}: ATTENDEE {shown(prop)!r} is geen e-mailadres")
    partstat: str | None = str(prop.params.get("PARTSTAT", "")).strip().upper() or None
    if method == "REPLY" and partstat not in PARTSTATS:
        raise _Bad(f"{label}: PARTSTAT {shown(partstat or 'NEEDS-ACTION')} wordt niet ondersteund")
    comments = event.get("COMMENT")
    comments = comments if isinstance(comments, list) else ([] if comments is None else [comments])
    comment = "\n".join(str(c).strip() for c in comments if str(c).strip()) or None
    start = end = None
    if method == "COUNTER":
        start = _moment(event, "DTSTART", label, AMSTERDAM)
        if start is None:
            raise _Bad(f"{label}: COUNTER zonder DTSTART")
        end = _moment(event, "DTEND", label, AMSTERDAM)
        duration = _one(event, "DURATION", label)
        if end is None and duration is not None:
            try:
                length = duration.dt
                if not isinstance(length, timedelta):
                    raise TypeError(length)
                end = start.astimezone(UTC) + length
            except Exception:
                raise _Bad(f"{label}: DURATION is ongeldig") from None
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
