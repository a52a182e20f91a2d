"""Reply mails in the shapes that Outlook, Google Calendar and Thunderbird send (for test_itip).

Built independently of nazorg: the calendars with `vobject` (Google, Thunderbird) or written out
by hand after Exchange's documented form (Outlook); the mails with the standard library's
EmailMessage (Google) or as raw bytes (Outlook, Thunderbird), following each client's layout:
- Outlook: the whole message is `text/calendar; method=REPLY`, base64, with a
  `Content-class: urn:content-classes:calendarmessage` header; PRODID Microsoft Exchange Server
  2010; a VTIMEZONE named "W. Europe Standard Time"; no ORGANIZER; `MAILTO:` in capitals.
- Google: multipart/mixed > multipart/alternative (text/plain, text/html, quoted-printable
  `text/calendar; method=REPLY`) + an `invite.ics` attachment (`application/ics`, base64); UTC
  times; PRODID -//Google Inc//Google Calendar 70.9054//EN; "Propose a new time" is a COUNTER.
- Thunderbird: multipart/mixed with text/plain and `text/calendar; method=REPLY; charset=UTF-8`
  in 8bit, no attachment; TZID Europe/Amsterdam with its VTIMEZONE.
"""

from __future__ import annotations

import base64
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import vobject

UID = "nazorg-checkin-42-1m@nazorg.politie.example"
ORGANIZER = "nazorg@politie.example"
LEADER = "f.elamrani@politie.example"
EMPLOYEE = "j.gunes@politie.example"
GOOGLE_PRODID = "-//Google Inc//Google Calendar 70.9054//EN"
THUNDERBIRD_PRODID = "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN"
SENT = datetime(2026, 3, 14, 10, 15, 2, tzinfo=ZoneInfo("Europe/Amsterdam"))


class _Named(ZoneInfo):
    """A zoneinfo zone that tells vobject its TZID (vobject looks for a `tzid` attribute)."""

    @property
    def tzid(self) -> str:
        return self.key


AMSTERDAM = _Named("Europe/Amsterdam")


def outlook_ics(
    *,
    partstat: str = "ACCEPTED",
    attendee: str = "F.ElAmrani@politie.example",
    sequence: int = 0,
    dtstamp: str = "20260314T091502Z",
    method: str = "REPLY",
    extra: str = "",
    uid: str = UID,
) -> str:
    """An Exchange 2010 reply calendar (CRLF), as outlook.com sends it: no ORGANIZER."""
    lines = f"""BEGIN:VCALENDAR
METHOD:{method}
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
ATTENDEE;PARTSTAT={partstat};CN=Fatima el Amrani:MAILTO:{attendee}
COMMENT;LANGUAGE=nl-NL:Prima\\, tot dan.
SUMMARY;LANGUAGE=nl-NL:Geaccepteerd: Nazorggesprek (1 maand) – Jérôme Ğüneş
DTSTART;TZID=W. Europe Standard Time:20260327T100000
DTEND;TZID=W. Europe Standard Time:20260327T104500
UID:{uid}
CLASS:PRIVATE
PRIORITY:5
DTSTAMP:{dtstamp}
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:{sequence}
LOCATION;LANGUAGE=nl-NL:
X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}
X-MICROSOFT-CDO-OWNERAPPTSEQ:{sequence}
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY
X-MICROSOFT-CDO-ALLDAYEVENT:FALSE
X-MICROSOFT-CDO-IMPORTANCE:1
X-MICROSOFT-CDO-INSTTYPE:0
X-MICROSOFT-DISALLOW-COUNTER:FALSE
{extra}END:VEVENT
END:VCALENDAR
"""
    return lines.replace("\n", "\r\n")


def outlook_mail(
    ics: str, *, sender: str = "Fatima el Amrani <F.ElAmrani@politie.example>"
) -> bytes:
    """The whole message as one base64 `text/calendar; method=REPLY` body (Exchange's form)."""
    body = base64.encodebytes(ics.encode("utf-8")).decode("ascii")
    head = (
        f"From: {sender}\r\n"
        "To: Nazorg TCO/VGW <nazorg@politie.example>\r\n"
        "Subject: Geaccepteerd: Nazorggesprek (1 maand)\r\n"
        "Thread-Topic: Nazorggesprek (1 maand)\r\n"
        f"Date: {format_datetime(SENT)}\r\n"
        "Message-ID: <AM0PR07MB1234@AM0PR07MB1234.eurprd07.prod.outlook.com>\r\n"
        "Accept-Language: nl-NL, en-US\r\n"
        "Content-Language: nl-NL\r\n"
        "X-MS-Has-Attach:\r\n"
        "X-MS-TNEF-Correlator:\r\n"
        'Content-Type: text/calendar; charset="utf-8"; method=REPLY\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "Content-class: urn:content-classes:calendarmessage\r\n"
        "MIME-Version: 1.0\r\n"
        "\r\n"
    )
    return (head + body.replace("\n", "\r\n")).encode("ascii")


def _calendar(prodid: str, method: str) -> vobject.base.Component:
    cal = vobject.iCalendar()
    cal.add("prodid").value = prodid
    cal.add("method").value = method
    return cal


def _attendee(event: vobject.base.Component, address: str, partstat: str, cn: str) -> None:
    prop = event.add("attendee")
    prop.value = f"mailto:{address}"
    prop.params.update(
        {"CUTYPE": ["INDIVIDUAL"], "ROLE": ["REQ-PARTICIPANT"], "PARTSTAT": [partstat]}
    )
    prop.params["CN"] = [cn]


def google_ics(
    *,
    method: str = "REPLY",
    partstat: str = "ACCEPTED",
    start: datetime = datetime(2026, 3, 27, 9, 0, tzinfo=vobject.icalendar.utc),
    end: datetime | None = datetime(2026, 3, 27, 9, 45, tzinfo=vobject.icalendar.utc),
    comment: str | None = None,
    sequence: int = 0,
    attendee: str = "j.gunes@gmail.com",
) -> str:
    """A Google Calendar REPLY (or a COUNTER from "Propose a new time"): UTC times, ORGANIZER."""
    cal = _calendar(GOOGLE_PRODID, method)
    cal.add("calscale").value = "GREGORIAN"
    event = cal.add("vevent")
    event.add("dtstart").value = start
    if end is not None:
        event.add("dtend").value = end
    event.add("dtstamp").value = datetime(2026, 3, 14, 9, 30, tzinfo=vobject.icalendar.utc)
    organizer = event.add("organizer")
    organizer.value = f"mailto:{ORGANIZER}"
    organizer.params["CN"] = ["Nazorg TCO/VGW"]
    event.add("uid").value = UID
    _attendee(event, attendee, partstat, attendee)
    event.contents["attendee"][0].params["X-NUM-GUESTS"] = ["0"]
    if comment is not None:
        event.add("comment").value = comment
    event.add("sequence").value = str(sequence)
    event.add("status").value = "CONFIRMED"
    event.add("summary").value = "Nazorggesprek (1 maand) – Jérôme Ğüneş"
    event.add("transp").value = "OPAQUE"
    text: str = cal.serialize()
    return text


def google_mail(ics: str, *, method: str = "REPLY", sender: str = "j.gunes@gmail.com") -> bytes:
    """Google's layout: alternative (plain, html, calendar) plus an invite.ics attachment."""
    msg = EmailMessage()
    msg["From"] = f"Jérôme Güneş <{sender}>"
    msg["To"] = ORGANIZER
    msg["Subject"] = "Geaccepteerd: Nazorggesprek (1 maand)"
    msg["Date"] = format_datetime(SENT)
    msg["Message-ID"] = "<000000000000f1e2d3c4@google.com>"
    msg.set_content("Jérôme Güneş heeft deze uitnodiging geaccepteerd.\n")
    msg.add_alternative("<p>Jérôme Güneş heeft deze uitnodiging geaccepteerd.</p>", subtype="html")
    msg.add_alternative(ics, subtype="calendar", params={"method": method}, cte="quoted-printable")
    msg.add_attachment(
        ics.encode("utf-8"), maintype="application", subtype="ics", filename="invite.ics"
    )
    return msg.as_bytes()


def thunderbird_ics(
    *,
    partstat: str = "DECLINED",
    comment: str | None = "Sorry, dan ben ik in Zürich; kan het een week later?",
    attendee: str = EMPLOYEE,
    sequence: int = 1,
) -> str:
    """A Thunderbird (Lightning) REPLY: TZID Europe/Amsterdam with its VTIMEZONE, ORGANIZER."""
    cal = _calendar(THUNDERBIRD_PRODID, "REPLY")
    event = cal.add("vevent")
    event.add("created").value = datetime(2026, 3, 14, 8, 0, tzinfo=vobject.icalendar.utc)
    event.add("dtstamp").value = datetime(2026, 3, 14, 9, 45, tzinfo=vobject.icalendar.utc)
    event.add("uid").value = UID
    event.add("summary").value = "Nazorggesprek (1 maand) – Jérôme Ğüneş"
    organizer = event.add("organizer")
    organizer.value = f"mailto:{ORGANIZER}"
    organizer.params["CN"] = ["Nazorg TCO/VGW"]
    _attendee(event, attendee, partstat, "Jérôme Ğüneş")
    event.add("dtstart").value = datetime(2026, 3, 27, 10, 0, tzinfo=AMSTERDAM)
    event.add("dtend").value = datetime(2026, 3, 27, 10, 45, tzinfo=AMSTERDAM)
    event.add("sequence").value = str(sequence)
    if comment is not None:
        event.add("comment").value = comment
    text: str = cal.serialize()
    return text


def thunderbird_mail(ics: str, *, sender: str = EMPLOYEE) -> bytes:
    """Thunderbird's layout: multipart/mixed, text/plain and an 8bit text/calendar part."""
    boundary = "------------6Bz3ZJ0qkmYxWl2bHJd3QFrA"
    return (
        f"From: =?UTF-8?B?SsOpcsO0bWUgxJ7DvG5lxZ8=?= <{sender}>\r\n"
        "To: Nazorg TCO/VGW <nazorg@politie.example>\r\n"
        "Subject: Afgewezen: Nazorggesprek (1 maand)\r\n"
        "Message-ID: <4f1c2a7e-2b1d-4c3a-9d1e-2f9a6b7c8d9e@politie.example>\r\n"
        f"Date: {format_datetime(SENT)}\r\n"
        "MIME-Version: 1.0\r\n"
        "User-Agent: Mozilla Thunderbird\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n'
        "\r\n"
        "This is a multi-part message in MIME format.\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Jérôme Ğüneş heeft de uitnodiging afgewezen.\r\n"
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/calendar; method=REPLY; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"{ics}\r\n"
        f"--{boundary}--\r\n"
    ).encode()
