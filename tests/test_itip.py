"""Replies coming back (nazorg.core.itip and nazorg.core.itip_judge).

The mails are built in tests/itip_mails.py in the shapes Outlook, Google Calendar and Thunderbird
send, with vobject and the standard library rather than with nazorg's own writer. Then the
refusals: stale, wrong attendee, a forged From, malformed and huge input, a COUNTER in the past
or on a Sunday; and hypothesis: parse_message never raises on random bytes or on random
mutations of valid replies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nazorg.core.itip import ItipItem, MessageReplies, parse_message
from nazorg.core.itip_judge import KnownVersion, judge
from nazorg.core.slots import Slot
from nazorg.core.workdays import WorkCalendar
from tests.itip_mails import (
    EMPLOYEE,
    LEADER,
    UID,
    google_ics,
    google_mail,
    outlook_ics,
    outlook_mail,
    thunderbird_ics,
    thunderbird_mail,
)

AMS = ZoneInfo("Europe/Amsterdam")
CAL = WorkCalendar()
NOW = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
KNOWN = KnownVersion(UID, 0, LEADER, EMPLOYEE, length=timedelta(minutes=45))
UTC_V = vobject.icalendar.utc


def ams(day: int, hour: int, minute: int) -> datetime:
    """A wall-clock time in March 2026 in Amsterdam."""
    return datetime(2026, 3, day, hour, minute, tzinfo=AMS)


def only(result: MessageReplies) -> ItipItem:
    assert result.problems == (), result.problems
    assert len(result.items) == 1, result.items
    return result.items[0]


def problem(result: MessageReplies, text: str) -> None:
    assert result.items == ()
    assert any(text in line for line in result.problems), result.problems


# --- the three clients -------------------------------------------------------------------------


def test_outlook_accept_whole_message_calendar_base64_without_organizer() -> None:
    result = parse_message(outlook_mail(outlook_ics()))
    item = only(result)
    assert (item.method, item.uid, item.sequence) == ("REPLY", UID, 0)
    assert (item.attendee, item.partstat) == (LEADER, "ACCEPTED")  # MAILTO: and case dropped
    assert item.dtstamp == datetime(2026, 3, 14, 9, 15, 2, tzinfo=UTC)
    assert item.comment == "Prima, tot dan."
    assert item.prodid == "Microsoft Exchange Server 2010"
    assert result.sender == item.sender == LEADER
    assert result.message_id == "<AM0PR07MB1234@AM0PR07MB1234.eurprd07.prod.outlook.com>"
    assert result.date == datetime(2026, 3, 14, 9, 15, 2, tzinfo=UTC)
    verdict = judge(item, KNOWN, now=NOW, calendar=CAL)
    assert (verdict.kind, verdict.role, verdict.partstat) == ("record", "leader", "ACCEPTED")
    assert verdict.reason == f"leidinggevende {LEADER} heeft geaccepteerd (versie 0)"


def test_outlook_bare_lf_and_folded_lines_read_the_same() -> None:
    ics = outlook_ics(partstat="TENTATIVE").replace("\r\n", "\n")
    ics = ics.replace("PARTSTAT=TENTATIVE;CN=", "PARTSTAT=TENTATIVE;\n CN=")
    item = only(parse_message(outlook_mail(ics)))
    assert (item.attendee, item.partstat) == (LEADER, "TENTATIVE")


def test_google_reply_in_two_parts_counts_once() -> None:
    mail = google_mail(google_ics(attendee=EMPLOYEE), sender=EMPLOYEE)
    assert mail.count(b"invite.ics") == 1 and mail.count(b"text/calendar") == 1
    item = only(parse_message(mail))
    assert (item.attendee, item.partstat, item.sender) == (EMPLOYEE, "ACCEPTED", EMPLOYEE)
    assert item.prodid == "-//Google Inc//Google Calendar 70.9054//EN"
    verdict = judge(item, KNOWN, now=NOW, calendar=CAL)
    assert (verdict.kind, verdict.role) == ("record", "employee")


def test_google_propose_a_new_time_is_a_counter() -> None:
    ics = google_ics(
        method="COUNTER",
        start=datetime(2026, 3, 30, 12, 0, tzinfo=UTC_V),  # 14:00 summer time
        end=datetime(2026, 3, 30, 12, 45, tzinfo=UTC_V),
        comment="Kan het om 14:00?",
        attendee=EMPLOYEE,
    )
    item = only(parse_message(google_mail(ics, method="COUNTER", sender=EMPLOYEE)))
    assert item.method == "COUNTER" and item.comment == "Kan het om 14:00?"
    assert item.start == datetime(2026, 3, 30, 14, 0, tzinfo=AMS)
    assert item.end == datetime(2026, 3, 30, 14, 45, tzinfo=AMS)
    verdict = judge(item, KNOWN, now=NOW, calendar=CAL)
    assert verdict.kind == "counter"
    assert verdict.reason == (
        f"medewerker {EMPLOYEE} stelt een nieuwe tijd voor: maandag 2026-03-30 14:00-14:45"
    )


def test_thunderbird_decline_in_8bit_utf8() -> None:
    result = parse_message(thunderbird_mail(thunderbird_ics()))
    item = only(result)
    assert (item.attendee, item.partstat, item.sequence) == (EMPLOYEE, "DECLINED", 1)
    assert item.comment == "Sorry, dan ben ik in Zürich; kan het een week later?"
    assert item.prodid == "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN"
    verdict = judge(item, KnownVersion(UID, 1, LEADER, EMPLOYEE), now=NOW, calendar=CAL)
    assert verdict.reason == f"medewerker {EMPLOYEE} heeft afgeslagen (versie 1)"


def test_an_ics_attachment_alone_and_other_charsets_are_read() -> None:
    msg = EmailMessage()
    msg["From"] = LEADER
    msg.set_content("Zie bijlage.")
    ics = outlook_ics().replace("Prima\\, tot dan.", "Graag, in het café")
    ics = ics.replace("Jérôme Ğüneş", "Jérôme Gunes")  # Ğ and ş are not in windows-1252
    msg.add_attachment(
        ics.encode("cp1252"),
        maintype="application",
        subtype="octet-stream",
        filename="reply.ics",
    )
    attachment = next(msg.iter_attachments())
    attachment.set_param("charset", "windows-1252")
    assert only(parse_message(msg.as_bytes())).comment == "Graag, in het café"


# --- judging ------------------------------------------------------------------------------------


def test_stale_unknown_sequence_and_repeated_answers() -> None:
    old = only(parse_message(outlook_mail(outlook_ics(sequence=0))))
    known = KnownVersion(UID, 2, LEADER, EMPLOYEE)
    verdict = judge(old, known, now=NOW, calendar=CAL)
    assert verdict.kind == "stale" and "versie 0, de huidige versie is 2" in verdict.reason
    ahead = only(parse_message(outlook_mail(outlook_ics(sequence=3))))
    assert judge(ahead, known, now=NOW, calendar=CAL).kind == "unknown_sequence"
    again = only(parse_message(outlook_mail(outlook_ics(sequence=2))))
    recorded = KnownVersion(UID, 2, LEADER, EMPLOYEE, recorded={LEADER.upper(): again.dtstamp})
    assert judge(again, recorded, now=NOW, calendar=CAL).kind == "stale"
    newer = KnownVersion(
        UID, 2, LEADER, EMPLOYEE, recorded={LEADER: again.dtstamp - timedelta(hours=1)}
    )
    assert judge(again, newer, now=NOW, calendar=CAL).kind == "record"


def test_an_attendee_who_was_not_invited() -> None:
    ics = outlook_ics(attendee="iemand.anders@politie.example")
    item = only(parse_message(outlook_mail(ics, sender="iemand.anders@politie.example")))
    verdict = judge(item, KNOWN, now=NOW, calendar=CAL)
    assert (verdict.kind, verdict.role) == ("unknown_attendee", None)
    assert verdict.reason == "iemand.anders@politie.example is niet uitgenodigd voor dit gesprek"
    extra = KnownVersion(UID, 0, LEADER, EMPLOYEE, frozenset({"Iemand.Anders@politie.example"}))
    assert judge(item, extra, now=NOW, calendar=CAL).role == "other"


def test_a_forged_or_delegated_from_is_unverified() -> None:
    item = only(parse_message(outlook_mail(outlook_ics(), sender="aanvaller@example.org")))
    assert item.sender == "aanvaller@example.org" and item.attendee == LEADER
    verdict = judge(item, KNOWN, now=NOW, calendar=CAL)
    assert verdict.kind == "unverified_sender"
    assert verdict.reason.startswith("afzender aanvaller@example.org is niet de genodigde")


def counter(start: datetime, end: datetime | None) -> ItipItem:
    ics = google_ics(method="COUNTER", start=start, end=end, attendee=EMPLOYEE)
    return only(parse_message(google_mail(ics, method="COUNTER", sender=EMPLOYEE)))


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (datetime(2026, 3, 13, 9, 0), 45, "vrijdag 2026-03-13 10:00-10:45 ligt in het verleden"),
        (datetime(2026, 3, 14, 9, 0), 45, "10:00-10:45 ligt in het verleden"),  # "now"
        (datetime(2026, 3, 29, 8, 0), 45, "zondag 2026-03-29 is geen werkdag: weekend"),
        (datetime(2026, 4, 27, 8, 0), 45, "maandag 2026-04-27 is geen werkdag: feestdag"),
        (datetime(2026, 3, 30, 13, 30), 45, "15:30-16:15 valt buiten de werktijd 09:00-16:00"),
        (datetime(2026, 3, 30, 13, 30), -30, "het einde ligt niet na het begin"),
    ],
)
def test_invalid_counters(start: datetime, minutes: int, expected: str) -> None:
    begin = start.replace(tzinfo=UTC_V)
    item = counter(begin, begin + timedelta(minutes=minutes))
    verdict = judge(item, KNOWN, now=NOW, calendar=CAL)
    assert verdict.kind == "invalid_counter"
    assert verdict.reason.startswith(f"ongeldig tijdvoorstel van medewerker {EMPLOYEE}: ")
    assert expected in verdict.reason


def test_a_counter_that_collides_names_the_other_conversation() -> None:
    item = counter(datetime(2026, 3, 30, 8, 0, tzinfo=UTC_V), None)  # 10:00, no DTEND
    assert item.end is None
    own = Slot(ams(27, 10, 0), ams(27, 10, 45), UID)  # its own slot: not a collision
    ro = Slot(ams(30, 10, 30), ams(30, 11, 0), "R&O E7")
    verdict = judge(item, KNOWN, now=NOW, calendar=CAL, taken=[own, ro])
    assert verdict.kind == "invalid_counter" and verdict.collides_with == ro
    assert verdict.end == ams(30, 10, 45)  # the conversation's length
    assert verdict.reason.endswith("maandag 2026-03-30 10:00-10:45 botst met R&O E7")
    assert judge(item, KNOWN, now=NOW, calendar=CAL, taken=[own]).kind == "counter"
    no_length = KnownVersion(UID, 0, LEADER, EMPLOYEE)
    assert judge(item, no_length, now=NOW, calendar=CAL).reason.endswith("geen eindtijd")


def test_judge_refuses_the_callers_mistakes() -> None:
    item = only(parse_message(outlook_mail(outlook_ics())))
    with pytest.raises(ValueError, match="ander"):
        judge(item, KnownVersion("other-uid", 0, LEADER), now=NOW, calendar=CAL)
    with pytest.raises(ValueError, match="tijdzone"):
        judge(item, KNOWN, now=datetime(2026, 3, 14, 9, 0), calendar=CAL)


# --- times --------------------------------------------------------------------------------------


def thunderbird_counter(lines: str, zone: str = "") -> MessageReplies:
    """A COUNTER with `lines` in its VEVENT and `zone` (a VTIMEZONE) before it."""
    ics = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\n"
        f"VERSION:2.0\r\nMETHOD:COUNTER\r\n{zone}BEGIN:VEVENT\r\n"
        f"UID:{UID}\r\nDTSTAMP:20260314T094500Z\r\nATTENDEE:mailto:{EMPLOYEE}\r\n"
        f"{lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return parse_message(thunderbird_mail(ics))


@pytest.mark.parametrize(
    ("lines", "start", "end"),
    [
        ("DTSTART:20260330T110000\r\nDTEND:20260330T114500\r\n", (11, 0), (11, 45)),  # floating
        ("DTSTART:20260330T090000Z\r\nDURATION:PT30M\r\n", (11, 0), (11, 30)),
        ("DTSTART;TZID=Europe/London:20260330T100000\r\n", (11, 0), None),
        ('DTSTART;TZID="Europe/Amsterdam":20260330T110000\r\n', (11, 0), None),
    ],
)
def test_counter_times(lines: str, start: tuple[int, int], end: tuple[int, int] | None) -> None:
    item = only(thunderbird_counter(lines))
    assert item.start == datetime(2026, 3, 30, *start, tzinfo=AMS)
    assert item.end == (None if end is None else datetime(2026, 3, 30, *end, tzinfo=AMS))


def test_outlook_counter_with_its_own_windows_zone() -> None:
    ics = outlook_ics(method="COUNTER").replace("20260327T1", "20260330T1")
    item = only(parse_message(outlook_mail(ics)))
    assert item.start == datetime(2026, 3, 30, 10, 0, tzinfo=AMS)
    assert item.start.utcoffset() == timedelta(hours=2)  # summer time from the VTIMEZONE


def test_a_counter_with_several_attendees_takes_the_sender() -> None:
    two = f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{LEADER}\r\nDTSTART:20260330T090000Z\r\n"
    assert only(thunderbird_counter(two)).attendee == EMPLOYEE
    forged = thunderbird_mail(thunderbird_ics(), sender="x@example.org")
    assert only(parse_message(forged)).sender == "x@example.org"


def test_lenient_forms_and_our_own_request() -> None:
    floating = only(parse_message(outlook_mail(outlook_ics(dtstamp="20260314T091502"))))
    assert floating.dtstamp == datetime(2026, 3, 14, 9, 15, 2, tzinfo=UTC)  # read as UTC
    ics = outlook_ics().replace("DTSTAMP:", "DTSTAMP;TZID=Europe/Amsterdam:")
    assert only(parse_message(outlook_mail(ics))).dtstamp.hour == 8
    ics = (
        outlook_ics()
        .replace(":MAILTO:F.ElAmrani", ";EMAIL=F.ElAmrani")
        .replace("politie.example\r\nCOMMENT", "politie.example:urn:uuid:42\r\nCOMMENT")
    )
    assert only(parse_message(outlook_mail(ics))).attendee == LEADER
    undated = outlook_mail(outlook_ics()).replace(b"+0100\r\n", b"-0000\r\n", 1)
    assert parse_message(undated).date == datetime(2026, 3, 14, 10, 15, 2, tzinfo=UTC)
    ours = (Path(__file__).parent / "golden" / "checkin_request.eml").read_bytes()
    problem(parse_message(ours), "METHOD REQUEST genegeerd")


# --- malformed input: a problem line, no item, never an exception -------------------------------


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (("UID:nazorg-checkin-42-1m@nazorg.politie.example\r\n", ""), "REPLY zonder UID"),
        (("CLASS:PRIVATE", "ATTENDEE:mailto:x@politie.example"), "REPLY met 2 ATTENDEEs"),
        (("PARTSTAT=ACCEPTED", "PARTSTAT=DELEGATED"), "PARTSTAT DELEGATED wordt niet"),
        (("PARTSTAT=ACCEPTED;", ""), "PARTSTAT NEEDS-ACTION wordt niet"),
        (("DTSTAMP:20260314T091502Z", "DTSTAMP:20261314T091502Z"), "DTSTAMP is geen geldige"),
        (("DTSTAMP:20260314T091502Z", "DTSTAMP:20260314"), "DTSTAMP is geen datum met tijd"),
        (("DTSTAMP:20260314T091502Z\r\n", ""), "DTSTAMP ontbreekt"),
        (("SEQUENCE:0", "SEQUENCE:-1"), "SEQUENCE '-1' is geen geheel getal"),
        (("SEQUENCE:0", "SEQUENCE:0\r\nSEQUENCE:1"), "SEQUENCE komt meer dan eens voor"),
        (("MAILTO:F.ElAmrani@politie.example", "urn:uuid:1234"), "is geen e-mailadres"),
        (("METHOD:REPLY", "METHOD:REQUEST"), "METHOD REQUEST genegeerd"),
        (("BEGIN:VEVENT", "BEGIN:VEVENT\r\nX;;=:"), "kalender onleesbaar"),
        (("END:VCALENDAR", ""), "geen volledige VCALENDAR"),
    ],
)
def test_malformed_replies_give_one_problem_and_no_item(change: tuple[str, str], text: str) -> None:
    old, new = change
    ics = outlook_ics()
    assert old in ics
    problem(parse_message(outlook_mail(ics.replace(old, new, 1))), text)


def test_one_bad_event_does_not_hide_a_good_one() -> None:
    good = outlook_ics()
    bad = good[good.index("BEGIN:VEVENT") : good.index("END:VEVENT")].replace("UID:", "X-UID:")
    both = good.replace("BEGIN:VEVENT", bad + "END:VEVENT\r\nBEGIN:VEVENT")
    result = parse_message(outlook_mail(both))
    assert len(result.items) == 1 and result.problems == ("REPLY zonder UID",)


def test_unknown_time_zone_and_broken_mail() -> None:
    problem(
        thunderbird_counter("DTSTART;TZID=Mars/Olympus:20260330T100000\r\n"),
        "onbekende tijdzone 'Mars/Olympus' bij DTSTART",
    )
    problem(thunderbird_counter(""), "COUNTER zonder DTSTART")
    problem(parse_message(b"\x00\xff niets"), "geen e-mailbericht")
    problem(parse_message(b""), "geen e-mailbericht")
    problem(parse_message(b"From: a@b.nl\r\n\r\nDank je!"), "geen kalendergegevens")
    result = parse_message(outlook_mail(outlook_ics(), sender="Niemand <>"))
    assert result.sender is None and "afzender (From) ontbreekt of is onleesbaar" in result.problems


# --- never raises -------------------------------------------------------------------------------

VALID = [
    outlook_mail(outlook_ics()),
    google_mail(google_ics(method="COUNTER", comment="14:00?"), method="COUNTER"),
    thunderbird_mail(thunderbird_ics()),
]
CALENDARS = [outlook_ics(), google_ics(method="COUNTER"), thunderbird_ics()]


def well_formed(result: MessageReplies) -> None:
    assert isinstance(result, MessageReplies)
    for line in result.problems:
        assert line and "\n" not in line and "\r" not in line and len(line) <= 300
    for item in result.items:
        assert item.dtstamp.utcoffset() == timedelta(0)
        assert item.start is None or item.start.utcoffset() is not None


SPECIAL = [b":", b";", b"=", b'"', b"\r", b"\n", b" ", b"\x00", b"\xff", b"Z", b","]


def mutate(data: st.DataObject, original: bytes) -> bytes:
    """Delete, insert, replace, duplicate or cut pieces of `original`, a few times."""
    text = bytearray(original)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace", "repeat", "cut"]))
        size = data.draw(st.integers(1, 40))
        if kind == "delete":
            del text[at : at + size]
        elif kind == "insert":
            text[at:at] = data.draw(st.binary(min_size=1, max_size=size))
        elif kind == "replace":
            text[at : at + 1] = data.draw(st.sampled_from(SPECIAL))
        elif kind == "repeat":
            text[at:at] = text[at : at + size] * data.draw(st.integers(2, 50))
        else:
            text = text[:at]
    return bytes(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    well_formed(parse_message(raw))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(VALID))
def test_mutated_mails_never_raise(data: st.DataObject, mail: bytes) -> None:
    well_formed(parse_message(mutate(data, mail)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(CALENDARS))
def test_mutated_calendars_never_raise(data: st.DataObject, ics: str) -> None:
    broken = mutate(data, ics.encode()).decode("utf-8", errors="replace")
    well_formed(parse_message(thunderbird_mail(broken)))
    well_formed(parse_message(outlook_mail(broken)))
