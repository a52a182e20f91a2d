"""Reading replies to our invites (RFC 5546 REPLY and COUNTER) out of one mail (RFC 6047 iMIP).

`parse_message(raw)` is pure and never raises: whatever the bytes, it returns the items found, the
mail's From address, Message-ID and Date, and a list of problems (Dutch, one line each). Rules:
- Every MIME part is looked at: a `text/calendar` part (Outlook sends the whole message as one,
  with `Content-class: urn:content-classes:calendarmessage`), one inside a
  `multipart/alternative`, an `application/ics` attachment, or any part whose file name ends in
  `.ics`. Transfer encodings (base64, quoted-printable) and charsets are decoded; an unknown
  charset is read as UTF-8. The same calendar in two parts (Google sends it twice) counts once.
- What a calendar yields is decided in nazorg.core.itip_calendar (its docstring has the rules).
- The From address is returned with each item, so the caller can treat a From that differs from
  the ATTENDEE as unverified (nazorg.core.itip_judge).
- Bounds, refused politely: a mail over 32 MiB, a calendar part over 256 KiB, more than 10
  calendar parts, more than 200 MIME parts or more than 12 levels of nesting. With the bounds
  of nazorg.core.itip_calendar, one mail costs at most a few seconds.
"""

from __future__ import annotations

import email
import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message

from nazorg.core.itip_calendar import ItipItem, Problems, Refused, address, read_calendar, shown

__all__ = ["ItipItem", "MessageReplies", "parse_message", "shown"]

MAX_MESSAGE_BYTES = 32 * 1024 * 1024
MAX_CALENDAR_BYTES = 256 * 1024
MAX_PARTS = 200
MAX_DEPTH = 12
MAX_CALENDARS = 10
CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})


@dataclass(frozen=True)
class MessageReplies:
    """What one mail held: its From address, Message-ID and Date, the items, and problems."""

    sender: str | None
    message_id: str | None
    date: datetime | None
    items: tuple[ItipItem, ...]
    problems: tuple[str, ...]


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
    problems = Problems()
    sender = _sender(message, problems)
    message_id = _header(message, "Message-ID")
    sent = _date(message)
    items: dict[ItipItem, None] = {}
    seen: set[str] = set()
    calendars = 0
    for part in _parts(message, problems):
        try:
            if not _is_calendar(part):
                continue
            calendars += 1
            if calendars > MAX_CALENDARS:
                problems.add(f"te veel kalenderdelen (meer dan {MAX_CALENDARS}); niet gelezen")
                continue
            text = _text(part)
            if text in seen:  # the same calendar again (Google: inline and as invite.ics)
                continue
            seen.add(text)
            for item in read_calendar(text, _header(part, "Content-Type"), sender, problems):
                items.setdefault(item, None)
        except Refused as bad:
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


def _sender(message: Message, problems: Problems) -> str | None:
    """The address in the From header(s); None (with a problem) unless there is exactly one."""
    try:
        pairs = email.utils.getaddresses([str(v) for v in message.get_all("From", [])])
    except Exception:
        pairs = []
    found = {a for a in (address(text) for _, text in pairs) if a}
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


def _parts(message: Message, problems: Problems) -> list[Message]:
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
    """The decoded text of a calendar part; Refused when it is too large."""
    encoded = part.get_payload()
    if not isinstance(encoded, str):
        raise Refused("kalenderdeel zonder inhoud")
    if len(encoded) > 2 * MAX_CALENDAR_BYTES:
        raise Refused(f"kalenderdeel te groot (maximaal {MAX_CALENDAR_BYTES} bytes); niet gelezen")
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        raise Refused("kalenderdeel zonder inhoud")
    if len(data) > MAX_CALENDAR_BYTES:
        raise Refused(f"kalenderdeel te groot ({len(data)} bytes, maximaal {MAX_CALENDAR_BYTES})")
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset, errors="replace")
    except Exception:  # unknown or non-text codec names ("rot13", "base64")
        text = data.decode("utf-8", errors="replace")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
