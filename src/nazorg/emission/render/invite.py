"""One InviteVersion as an iCalendar (.ics) file: a pure function, byte for byte.

Rules (RFC 5545, RFC 5546 and /work/shared/INTEROP.md, the client requirements):
- METHOD is the version's method (REQUEST or CANCEL); a CANCEL has STATUS:CANCELLED and no alarm,
  so a cancelled conversation does not keep reminding anyone.
- Times are DTSTART/DTEND with TZID=Europe/Amsterdam (never DURATION), with one VTIMEZONE in the
  rule form (a STANDARD and a DAYLIGHT part with a yearly RRULE). Outlook misreads the long
  RDATE lists that `icalendar` generates, so the zone is written here, once per process.
- DTSTAMP is UTC. Nothing comes from the wall clock (no CREATED, no LAST-MODIFIED): the same
  version gives the same bytes in every process, so a re-run rewrites an identical file.
- Bytes: UTF-8, CRLF, content lines folded at 75 octets between characters (never inside a
  multi-byte character, never between a backslash and the character it escapes), TEXT escaped.
- User text can never make a new line or property: names lose control characters and line
  breaks (templating.clean_name), TEXT values escape line breaks, parameter values are quoted
  when needed and cannot contain DQUOTE, addresses are checked and refused when odd.

The serialiser is written out here rather than taken from `icalendar`: the output must stay
byte-stable across library upgrades (the golden files in tests/golden pin it), the format needed
is small, and `icalendar` 7 writes every `"` in a CN as `^'` and every `^` as `^^` (RFC 6868),
which clients without RFC 6868 support (vobject, for one) show literally.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from nazorg.core.payload import InviteVersion, Person
from nazorg.emission.render.templating import (
    clean_name,
    local_time,
    one_line,
    render_block,
    render_line,
    template_context,
)

if TYPE_CHECKING:  # jinja2 is only needed to render, and the caller made the environment
    import jinja2

PRODID = "-//nazorg//nazorg 0.1//NL"
SUPPORTED_TZID = "Europe/Amsterdam"
MAX_LINE_OCTETS = 75

#: An escape pair (TEXT `\,` or RFC 6868 `^^`), in UTF-8: never split by a fold.
_ESCAPE_PAIR = re.compile(rb"\\.|\^\^", re.DOTALL)
#: TEXT escaping as one translation: the escapes, every line break as `\n`, and the other
#: control characters (Unicode category Cc, and lone surrogates, Cs) dropped; TAB stays.
_TEXT_TABLE: dict[int, str | None] = {
    **dict.fromkeys(range(0x00, 0x20), None),
    **dict.fromkeys(range(0x7F, 0xA0), None),
    **dict.fromkeys(range(0xD800, 0xE000), None),
    ord("\t"): "\t",
    **dict.fromkeys(map(ord, "\n\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e"), "\\n"),
    ord("\\"): "\\\\",
    ord(";"): "\\;",
    ord(","): "\\,",
}
#: A caret that RFC 6868 would decode together with the next character.
_CARET = re.compile(r"\^(?=[n'^])")
#: A parameter value needs DQUOTEs when it has one of these (RFC 5545 3.1, SAFE-CHAR).
_NEEDS_QUOTES = re.compile(r"[;:,]")


def escape_text(value: str) -> str:
    r"""`value` as an RFC 5545 TEXT value: `\` `;` `,` escaped, line breaks as `\n`.

    Any line break (CRLF, CR, LF, and the Unicode line/paragraph separators that some parsers
    split on) becomes the two characters `\n`; other control characters except TAB are not
    allowed in TEXT and are dropped. The result never contains a raw line break.
    """
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_TEXT_TABLE)


def param_value(value: str) -> str:
    """A property parameter value (such as CN) that cannot end the parameter or the line.

    The value is made one line without DQUOTE (templating.clean_name). A caret followed by `n`,
    `'` or `^` is written `^^` (RFC 6868), so that a name containing `^n` is not decoded as a line
    break; any other caret stays as it is, which both RFC 6868 parsers and older ones (vobject,
    Outlook) read back unchanged. The value is put in DQUOTEs when it contains `;`, `:` or `,`.
    """
    cleaned = _CARET.sub("^^", clean_name(value))
    return f'"{cleaned}"' if _NEEDS_QUOTES.search(cleaned) else cleaned


def fold(line: str) -> str:
    """Fold one content line at 75 octets (RFC 5545 3.1); continuation lines start with a space.

    Splits only between characters, so a UTF-8 sequence is never cut, and never inside an
    escape pair: some clients mis-read a `\\` at the end of a physical line.
    """
    data = line.encode("utf-8")
    if len(data) <= MAX_LINE_OCTETS:
        return line
    # Cutting right after the first half of an escape pair is not allowed; the pairs are found
    # from the start of the line, as a reader pairs them.
    inside_pair = {m.start() + 1 for m in _ESCAPE_PAIR.finditer(data)}
    pieces: list[bytes] = []
    start, limit = 0, MAX_LINE_OCTETS
    while len(data) - start > limit:
        cut = start + limit
        while cut in inside_pair or data[cut] & 0xC0 == 0x80:  # not inside a UTF-8 sequence
            cut -= 1
        pieces.append(data[start:cut])
        start, limit = cut, MAX_LINE_OCTETS - 1  # the leading space counts
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode("utf-8")


def utc_stamp(moment: datetime) -> str:
    """An aware datetime as a UTC DATE-TIME (`YYYYMMDDTHHMMSSZ`); seconds, no fraction."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"DTSTAMP zonder tijdzone: {moment.isoformat()}")
    u = moment.astimezone(UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


def local_stamp(local: datetime) -> str:
    """A local wall-clock time for `;TZID=...` (`YYYYMMDDTHHMMSS`).

    The second of two equal wall-clock times on the autumn change (fold=1) is refused: RFC 5545
    reads an ambiguous local time as its first occurrence, which would be an hour early.
    """
    if local.fold:
        raise ValueError(f"dubbelzinnige lokale tijd bij de wintertijdwissel: {local.isoformat()}")
    return (
        f"{local.year:04d}{local.month:02d}{local.day:02d}"
        f"T{local.hour:02d}{local.minute:02d}{local.second:02d}"
    )


@functools.cache
def vtimezone_lines(tzid: str) -> tuple[str, ...]:
    """The VTIMEZONE for `tzid` in the rule form, built once per process (only Europe/Amsterdam).

    EU rule since 1996: summer time from the last Sunday of March 02:00 CET to the last Sunday of
    October 03:00 CEST. tests/test_invite.py checks it against the tz database for every year
    the conversations can fall in.
    """
    if tzid != SUPPORTED_TZID:
        raise ValueError(f"tijdzone {tzid!r} wordt niet ondersteund; alleen {SUPPORTED_TZID}")
    return (
        "BEGIN:VTIMEZONE",
        f"TZID:{tzid}",
        "BEGIN:STANDARD",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    )


def _address(name: str, person: Person, params: Iterable[str] = ()) -> str:
    """An ORGANIZER or ATTENDEE line: `NAME;CN=...;<params>:mailto:<address>`."""
    parts = [name]
    if person.name:
        parts.append(f"CN={param_value(person.name)}")
    parts.extend(params)
    return ";".join(parts) + f":mailto:{person.email}"


def _check(version: InviteVersion) -> None:
    """The payload rules that the file format depends on; ValueError names the broken one."""
    if version.method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"onbekende METHOD {version.method!r}")
    if version.sequence < 0:
        raise ValueError(f"SEQUENCE mag niet negatief zijn: {version.sequence}")
    if not version.uid or one_line(version.uid) != version.uid:
        raise ValueError(f"UID is leeg of bevat stuurtekens/witruimte aan de rand: {version.uid!r}")
    if not version.attendees:
        raise ValueError("een uitnodiging heeft minstens één ATTENDEE nodig")
    if local_time(version.end, version.tzid) <= local_time(version.start, version.tzid):
        raise ValueError("het einde van het gesprek ligt niet na het begin")


def render_ics(version: InviteVersion, env: jinja2.Environment) -> bytes:
    """The .ics bytes of one version (see the module docstring for the rules).

    SUMMARY and DESCRIPTION come from the templates `summary.txt` and `description.txt` of `env`;
    everything else is fixed by the payload. ValueError for a payload that cannot be written
    correctly (another zone, naive times, odd addresses, no attendees).
    """
    timezone = vtimezone_lines(version.tzid)
    _check(version)
    ctx = template_context(version)
    summary = render_line(env, "summary.txt", ctx)
    description = render_block(env, "description.txt", ctx).rstrip("\n")
    cancel = version.method == "CANCEL"

    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{version.method}",
        *timezone,
        "BEGIN:VEVENT",
        f"UID:{escape_text(version.uid)}",
        f"SEQUENCE:{version.sequence}",
        f"DTSTAMP:{utc_stamp(version.dtstamp)}",
        f"DTSTART;TZID={version.tzid}:{local_stamp(ctx['start'])}",
        f"DTEND;TZID={version.tzid}:{local_stamp(ctx['end'])}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        _address("ORGANIZER", ctx["organizer"]),
        *(
            _address(
                "ATTENDEE",
                person,
                ("ROLE=REQ-PARTICIPANT", "PARTSTAT=NEEDS-ACTION", "RSVP=TRUE"),
            )
            for person in ctx["attendees"]
        ),
        f"STATUS:{'CANCELLED' if cancel else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "CLASS:PRIVATE",
    ]
    if not cancel:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-P1D",
            f"DESCRIPTION:{escape_text(summary)}",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")
