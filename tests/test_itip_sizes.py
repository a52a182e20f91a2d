"""Hostile sizes for reading replies (nazorg.core.itip): refused politely and quickly.

A 10 MB calendar part, 10,000 VEVENTs, VTIMEZONE rules that would take minutes to expand, too many
MIME parts or calendar parts, deep nesting and a mail over the size limit. Split from
tests/test_itip.py to keep modules short; the helpers come from there.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

import pytest

from nazorg.core.itip import MAX_CALENDAR_BYTES, parse_message
from tests.itip_mails import LEADER, outlook_ics, outlook_mail, thunderbird_mail
from tests.test_itip import AMS, only, problem, thunderbird_counter


def test_a_ten_megabyte_calendar_part_is_refused_politely() -> None:
    huge = outlook_ics(extra="X-PADDING:" + "x" * (10 * 1024 * 1024) + "\r\n")
    problem(parse_message(outlook_mail(huge)), "kalenderdeel te groot")


def test_ten_thousand_events_are_refused_before_parsing() -> None:
    ics = "BEGIN:VCALENDAR\nMETHOD:REPLY\n" + "BEGIN:VEVENT\nEND:VEVENT\n" * 10_000
    ics += "END:VCALENDAR\n"
    assert len(ics) < MAX_CALENDAR_BYTES
    expected = "kalender te groot (10001 componenten, 10000 VEVENTs"
    problem(parse_message(thunderbird_mail(ics)), expected)


def costly_zone(rule: str, rdate: str = "") -> str:
    """A VTIMEZONE "Duur" with `rule` (from the year 1) in both parts, and `rdate`."""
    return (
        "BEGIN:VTIMEZONE\r\nTZID:Duur\r\n"
        "BEGIN:STANDARD\r\nDTSTART:00010101T000000\r\nTZOFFSETFROM:+0200\r\n"
        f"TZOFFSETTO:+0100\r\nRRULE:{rule}\r\n{rdate}END:STANDARD\r\n"
        "BEGIN:DAYLIGHT\r\nDTSTART:00010101T000000\r\nTZOFFSETFROM:+0100\r\n"
        f"TZOFFSETTO:+0200\r\nRRULE:{rule}\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    )


DURATION_START = "DTSTART;TZID=Duur:20260330T100000\r\n"


@pytest.mark.parametrize(
    ("rule", "rdate", "text"),
    [
        ("FREQ=DAILY", "", "tijdzone met een ongebruikelijke regel 'RRULE:FREQ=DAILY'"),
        ("FREQ=YEARLY;BYHOUR=1,2,3", "", "ongebruikelijke regel"),
        ("FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYDAY=SU", "", "ongebruikelijke regel"),
        ("FREQ=YEAR\r\n LY;BYHOUR=1", "", "ongebruikelijke regel"),  # folded: read unfolded
        (
            "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "RDATE:" + ",".join(["20000101T000000"] * 5000) + "\r\n",
            "5000 RDATE-waarden",
        ),
    ],
)
def test_costly_time_zones_are_refused_before_parsing(rule: str, rdate: str, text: str) -> None:
    result = thunderbird_counter(DURATION_START, costly_zone(rule, rdate))
    problem(result, text)


def test_the_yearly_zone_rules_clients_write_are_read() -> None:
    zone = costly_zone("FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3")
    zone = zone.replace("BYMONTH=3\r\nEND:STANDARD", "BYMONTH=10\r\nEND:STANDARD")
    item = only(thunderbird_counter(DURATION_START, zone))
    assert item.start == datetime(2026, 3, 30, 10, 0, tzinfo=AMS)  # the zone's summer time


def test_too_many_parts_too_deep_and_too_large_mails() -> None:
    many = EmailMessage()
    many["From"] = LEADER
    many.set_content("x")
    for _ in range(300):
        many.add_attachment(b"x", maintype="application", subtype="octet-stream")
    assert "te veel MIME-delen" in " ".join(parse_message(many.as_bytes()).problems)
    calendars = EmailMessage()
    calendars["From"] = LEADER
    calendars.set_content("x")
    for sequence in range(12):
        ics = outlook_ics(sequence=sequence).encode()
        calendars.add_attachment(ics, maintype="text", subtype="calendar", filename="r.ics")
    result = parse_message(calendars.as_bytes())
    assert len(result.items) == 10 and "te veel kalenderdelen" in " ".join(result.problems)
    deep = b"From: a@b.nl\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for level in range(1, 60):
        deep += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (
            level - 1,
            level,
        )
    assert "te diep genest" in " ".join(parse_message(deep).problems)
    problem(parse_message(b"From: a@b.nl\r\n\r\n" + b"x" * (33 * 1024 * 1024)), "bericht te groot")
