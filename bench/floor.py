"""The floor for emission throughput: the same invites and drafts made with the libraries alone.

For each InviteVersion: the summary, description, subject and both bodies from nazorg's own
templates with plain `jinja2`; the calendar with `icalendar` (VTIMEZONE in the rule form,
built once and reused); the draft with the standard `email` package (`EmailMessage`:
multipart/alternative with text, HTML and `text/calendar; method=...`, plus the .ics as an
attachment). No database, no files, none of nazorg's checks (name cleaning, folding rules,
header verification): what any straightforward implementation must at least spend. nazorg's
full daily run is measured against this.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import icalendar
import jinja2

from nazorg.core.payload import InviteVersion
from nazorg.emission.render.templating import checkin_months, templates_dir

PRODID = "-//nazorg-bench//floor//NL"
SMTP = policy.SMTP


def rule_vtimezone() -> Any:
    """Europe/Amsterdam as a STANDARD and a DAYLIGHT rule (INTEROP.md): built once."""
    zone = icalendar.Timezone()
    zone.add("tzid", "Europe/Amsterdam")
    # VTIMEZONE DTSTARTs are local times without a zone (RFC 5545 3.6.5).
    for cls, start, month, frm, to, name in (
        (icalendar.TimezoneStandard, datetime(1970, 10, 25, 3), 10, 2, 1, "CET"),  # noqa: DTZ001
        (icalendar.TimezoneDaylight, datetime(1970, 3, 29, 2), 3, 1, 2, "CEST"),  # noqa: DTZ001
    ):
        part = cls()
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        part.add("tzoffsetfrom", timedelta(hours=frm))
        part.add("tzoffsetto", timedelta(hours=to))
        part.add("tzname", name)
        zone.add_component(part)
    return zone


class Floor:
    def __init__(self, language: str = "nl") -> None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates_dir() / language)),
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates = {
            name: env.get_template(name)
            for name in ("summary.txt", "description.txt", "subject.txt", "email.txt", "email.html")
        }
        self.vtimezone = rule_vtimezone()

    def context(self, v: InviteVersion) -> dict[str, Any]:
        addressees = tuple(p for p in v.attendees if p.email != v.leader.email) or v.attendees
        return {
            "method": v.method,
            "is_cancel": v.method == "CANCEL",
            "is_update": v.method == "REQUEST" and v.sequence > 0,
            "sequence": v.sequence,
            "kind": v.kind,
            "checkin_months": checkin_months(v.kind),
            "organizer": v.organizer,
            "leader": v.leader,
            "employee": v.employee,
            "attendees": v.attendees,
            "addressees": addressees,
            "start": v.start,
            "end": v.end,
            "agenda_points": v.agenda_points,
        }

    def ics(self, v: InviteVersion, ctx: dict[str, Any], summary: str) -> bytes:
        cal = icalendar.Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", v.method)
        cal.add_component(self.vtimezone)
        event = icalendar.Event()
        event.add("uid", v.uid)
        event.add("sequence", v.sequence)
        event.add("dtstamp", v.dtstamp)
        event.add("dtstart", v.start)
        event.add("dtend", v.end)
        event.add("summary", summary)
        event.add("description", self.templates["description.txt"].render(ctx).strip())
        organizer = icalendar.vCalAddress(f"mailto:{v.organizer.email}")
        organizer.params["cn"] = v.organizer.name
        event.add("organizer", organizer)
        for person in v.attendees:
            attendee = icalendar.vCalAddress(f"mailto:{person.email}")
            attendee.params["cn"] = person.name
            attendee.params["role"] = "REQ-PARTICIPANT"
            attendee.params["partstat"] = "NEEDS-ACTION"
            attendee.params["rsvp"] = "TRUE"
            event.add("attendee", attendee)
        cancel = v.method == "CANCEL"
        event.add("status", "CANCELLED" if cancel else "CONFIRMED")
        event.add("transp", "OPAQUE")
        event.add("class", "PRIVATE")
        if not cancel:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", timedelta(days=-1))
            alarm.add("description", summary)
            event.add_component(alarm)
        cal.add_component(event)
        data: bytes = cal.to_ical()
        return data

    def eml(self, v: InviteVersion, ctx: dict[str, Any], ics: bytes) -> bytes:
        subject = self.templates["subject.txt"].render(ctx).strip()
        ctx = {**ctx, "subject": subject}
        msg = EmailMessage(policy=SMTP)
        msg["From"] = Address(v.organizer.name, addr_spec=v.organizer.email)
        msg["To"] = [Address(p.name, addr_spec=p.email) for p in v.attendees]
        msg["Subject"] = subject
        msg["Date"] = format_datetime(v.dtstamp)
        msg["Message-ID"] = f"<{v.message_id}>"
        msg["X-Unsent"] = "1"
        msg.set_content(self.templates["email.txt"].render(ctx), cte="quoted-printable")
        msg.add_alternative(
            self.templates["email.html"].render(ctx), subtype="html", cte="quoted-printable"
        )
        msg.add_alternative(ics, maintype="text", subtype="calendar", params={"method": v.method})
        msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
        return msg.as_bytes()

    def render(self, v: InviteVersion) -> tuple[bytes, bytes]:
        ctx = self.context(v)
        summary = self.templates["summary.txt"].render(ctx).strip()
        ics = self.ics(v, ctx, summary)
        return ics, self.eml(v, ctx, ics)


def measure(versions: Sequence[InviteVersion]) -> dict[str, Any]:
    """Render every version with the floor; items per second (one item = .ics + .eml)."""
    started = time.perf_counter()
    floor = Floor()
    size = 0
    for version in versions:
        ics, eml = floor.render(version)
        size += len(ics) + len(eml)
    seconds = time.perf_counter() - started
    return {
        "items": len(versions),
        "seconds": round(seconds, 3),
        "items_per_s": round(len(versions) / seconds, 1),
        "mean_bytes": round(size / max(1, len(versions))),
    }


def check(version: InviteVersion) -> None:
    """The floor makes real files: a strict parser reads them (else the floor is cheating)."""
    import email

    import vobject

    ics, eml = Floor().render(version)
    event = vobject.readOne(ics.decode(), validate=True).vevent
    assert event.uid.value == version.uid
    message = email.message_from_bytes(eml, policy=policy.default.clone(raise_on_defect=True))
    parts = [p.get_content_type() for p in message.walk()]
    assert "text/calendar" in parts and "application/ics" in parts, parts
