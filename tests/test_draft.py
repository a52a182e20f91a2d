"""The .eml draft (nazorg.emission.render.draft): golden bytes, the strict stdlib parser, and
hostile input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nazorg.core.payload import InviteVersion, Person
from nazorg.emission.render.draft import render_eml
from nazorg.emission.render.invite import render_ics
from nazorg.emission.render.templating import clean_name, make_environment
from tests.factories import (
    EMPLOYEE,
    LEADER,
    ORGANIZER,
    assert_golden,
    make_cancel,
    make_version,
)

ROOT = Path(__file__).resolve().parents[1]
STRICT = policy.default.clone(raise_on_defect=True)
#: Any text, and text made of the characters that matter to MIME headers and RFC 2047.
names_strategy = st.one_of(
    st.text(max_size=120),
    st.text(alphabet=st.sampled_from(list('=?qQbB_:;,"\\<>()@. aé€😀\r\n\t\u200f')), max_size=60),
)


@pytest.fixture(scope="module")
def nl() -> jinja2.Environment:
    return make_environment("nl")


@pytest.fixture(scope="module")
def en() -> jinja2.Environment:
    return make_environment("en")


def render(version: InviteVersion, env: jinja2.Environment) -> tuple[bytes, bytes]:
    ics = render_ics(version, env)
    return ics, render_eml(version, ics, env)


def parse(eml: bytes) -> EmailMessage:
    msg = message_from_bytes(eml, policy=STRICT)
    assert isinstance(msg, EmailMessage)
    assert not msg.defects
    for part in msg.walk():
        assert not part.defects, part.defects
    return msg


def parts(msg: EmailMessage) -> dict[str, EmailMessage]:
    """The leaf parts by role; asserts the required structure on the way."""
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html, calendar = alternative.iter_parts()
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    assert isinstance(calendar, EmailMessage) and isinstance(attachment, EmailMessage)
    return {"text": text, "html": html, "calendar": calendar, "attachment": attachment}


def header_lines(eml: bytes) -> dict[str, str]:
    """The top-level headers unfolded per RFC 5322 3.2.2 (CRLF before WSP removed).

    The SMTP policy may fold a header right after its colon when the whole value fits on the next
    line (`Subject:<CRLF> Uitnodiging...`). That is RFC-correct and unfolds to `Subject:
    Uitnodiging...`, but CPython's own parser then keeps the space (`msg["Subject"]` starts with
    " "), so values are compared after RFC unfolding here, and stripped when read via `email`.
    """
    head = eml.split(b"\r\n\r\n", 1)[0].decode("ascii")
    unfolded = re.sub(r"\r\n(?=[ \t])", "", head)
    return dict(line.split(": ", 1) for line in unfolded.split("\r\n"))


def to_display_names(eml: bytes, emails: list[str]) -> list[str]:
    """The display names of the To header, decoded per RFC 2047 section 6.2.

    CPython's address parser (`msg["To"].addresses`) puts a space between adjacent encoded words,
    which RFC 2047 6.2 says to ignore; the SMTP policy does split a long name over several
    encoded words, even mid-word, so `email` reads `Jérôm e` where Outlook and Thunderbird read
    `Jérôme`. This decoder follows the RFC: `email.header.decode_header` joins adjacent encoded
    words. The addresses are known, so each display phrase is the text before its `<address>`.
    """
    rest = header_lines(eml)["To"]
    names = []
    for address in emails:
        if rest.strip().startswith(address):  # no display name: a bare address
            rest = rest.strip().removeprefix(address).removeprefix(",")
            names.append("")
            continue
        phrase, rest = rest.split(f"<{address}>", 1)
        rest = rest.removeprefix(",")
        phrase = phrase.strip()
        if phrase.startswith('"') and phrase.endswith('"'):
            names.append(re.sub(r"\\(.)", r"\1", phrase[1:-1]))
        else:
            names.append(str(make_header(decode_header(phrase))))
    return names


def assert_wellformed(eml: bytes) -> None:
    """7-bit, CRLF only, no line longer than RFC 5322's 78 (+CRLF) recommendation."""
    assert eml.isascii()
    assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", eml.replace(b"\r\n", b"")), "control"
    assert b"\n" not in eml.replace(b"\r\n", b"")
    assert b"\r" not in eml.replace(b"\r\n", b"")
    for line in eml.split(b"\r\n"):
        assert len(line) <= 78, line


#: The conversation page (issue 13): the nl request golden files carry it, the others show none.
PAGE_LINK = "https://nazorg.politie.example/gesprekken/17"


# --- golden files and structure -----------------------------------------------------------------


def test_request_golden(nl: jinja2.Environment) -> None:
    _, eml = render(
        make_version(agenda_points=("Werkrooster, verlof; terugkeer",), link=PAGE_LINK), nl
    )
    assert_wellformed(eml)
    assert_golden("checkin_request.eml", eml)


def test_cancel_golden(nl: jinja2.Environment) -> None:
    _, eml = render(make_cancel(), nl)
    assert_wellformed(eml)
    assert_golden("checkin_cancel.eml", eml)


def test_english_request_golden(en: jinja2.Environment) -> None:
    _, eml = render(make_version(language="en", kind="checkin_3m"), en)
    assert_wellformed(eml)
    assert_golden("checkin_request_en.eml", eml)


def test_headers(nl: jinja2.Environment) -> None:
    version = make_version()
    _, eml = render(version, nl)
    msg = parse(eml)
    [sender] = msg["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (ORGANIZER.name, ORGANIZER.email)
    assert [(a.display_name, a.addr_spec) for a in msg["To"].addresses] == [
        (LEADER.name, LEADER.email),
        (EMPLOYEE.name, EMPLOYEE.email),  # Jérôme Ğüneş, RFC 2047 encoded on the wire
    ]
    assert b"J\xc3\xa9r\xc3\xb4me" not in eml
    subject = "Uitnodiging: Nazorggesprek (1 maand) op vrijdag 27 maart 2026 om 10:00"
    assert header_lines(eml)["Subject"] == subject
    assert msg["Subject"].strip() == subject  # see header_lines: CPython keeps a folded space
    assert msg["Date"].datetime == version.dtstamp
    assert msg["Date"] == "Fri, 13 Mar 2026 05:00:12 +0000"
    assert msg["Message-ID"] == f"<{version.message_id}>"
    assert msg["MIME-Version"] == "1.0"
    assert msg["X-Unsent"] == "1"
    head = eml.split(b"\r\n\r\n", 1)[0].decode("ascii")
    names = [line.split(":", 1)[0] for line in head.split("\r\n") if not line[0].isspace()]
    assert names == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "X-Unsent",
        "Content-Type",
    ]


@pytest.mark.parametrize(("make", "method"), [(make_version, "REQUEST"), (make_cancel, "CANCEL")])
def test_structure_and_calendar_parts(
    nl: jinja2.Environment, make: type[InviteVersion], method: str
) -> None:
    version = make()
    ics, eml = render(version, nl)
    p = parts(parse(eml))
    assert p["text"].get_content_type() == "text/plain"
    assert p["html"].get_content_type() == "text/html"
    calendar = p["calendar"]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == method
    assert f"METHOD:{method}\r\n".encode() in ics
    assert calendar.get_content_charset() == "utf-8"
    assert calendar.get_content_disposition() is None  # inline: Outlook's Accept/Decline
    assert calendar.get_payload(decode=True) == ics
    assert f"text/calendar; method={method}; charset=UTF-8".encode() in eml  # as written
    attachment = p["attachment"]
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_param("name") == "invite.ics"
    assert attachment.get_content_type() in ("application/ics", "text/calendar")
    assert attachment.get_payload(decode=True) == ics


def test_bodies(nl: jinja2.Environment) -> None:
    version = make_version(agenda_points=("Rooster & verlof",))
    _, eml = render(version, nl)
    p = parts(parse(eml))
    text = p["text"].get_content()
    html = p["html"].get_content()
    assert text.startswith("[Concept voor Fatima el Amrani:")
    assert "Beste Jérôme Ğüneş," in text  # the draft greets the employee, not the leader
    assert "vrijdag 27 maart 2026 van 10:00 tot 10:45" in text
    assert "- Rooster & verlof" in text
    assert text.rstrip().endswith("Fatima el Amrani")
    assert "<li>Rooster &amp; verlof</li>" in html
    assert '<html lang="nl">' in html


def test_cancel_body(nl: jinja2.Environment) -> None:
    _, eml = render(make_cancel(), nl)
    msg = parse(eml)
    assert header_lines(eml)["Subject"].startswith("Geannuleerd: ")
    text = parts(msg)["text"].get_content()
    assert "gaat niet door" in text
    assert "Ik heb ons gesprek gepland" not in text


def test_update_subject(nl: jinja2.Environment, en: jinja2.Environment) -> None:
    update = make_version(sequence=2, message_id="v2@nazorg.politie.example")
    assert header_lines(render(update, nl)[1])["Subject"].startswith("Gewijzigd: ")
    assert header_lines(render(update, en)[1])["Subject"].startswith("Updated: ")


def test_cancel_to_the_leader_alone_greets_the_leader(nl: jinja2.Environment) -> None:
    _, eml = render(make_cancel(attendees=(LEADER,)), nl)
    msg = parse(eml)
    assert [a.addr_spec for a in msg["To"].addresses] == [LEADER.email]
    assert "Beste Fatima el Amrani," in parts(msg)["text"].get_content()


def test_english(en: jinja2.Environment) -> None:
    _, eml = render(make_version(language="en"), en)
    msg = parse(eml)
    assert header_lines(eml)["Subject"] == (
        "Invitation: Aftercare conversation (1 month) on Friday 27 March 2026 at 10:00"
    )
    assert "Dear Jérôme Ğüneş," in parts(msg)["text"].get_content()


# --- hostile input ------------------------------------------------------------------------------

HOSTILE = (
    "Evil\r\nBcc: victim@example.org",
    "Evil\nSubject: hijacked",
    'Quote "Name" <evil@example.org>, other@example.org',
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "\u200fمحمد العلي",
    "=?utf-8?q?encoded=3F?=",
    "B" * 1500,
    "Line\u2028Sep\x85Nel",
    "Nul\x00Esc\x1b[31mDel\x7fCsi\x9bEnd",
)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_never_inject(nl: jinja2.Environment, name: str) -> None:
    employee = Person(name, "j.gunes@politie.example")
    leader = Person(name, LEADER.email)
    _, eml = render(make_version(employee=employee, leader=leader, agenda_points=(name,)), nl)
    assert_wellformed(eml)
    msg = parse(eml)
    assert msg["Bcc"] is None
    assert msg["Subject"].strip().startswith("Uitnodiging: ")
    assert [a.addr_spec for a in msg["To"].addresses] == [LEADER.email, "j.gunes@politie.example"]
    assert to_display_names(eml, [LEADER.email, employee.email]) == [clean_name(name)] * 2
    p = parts(msg)
    html = p["html"].get_content()
    text = p["text"].get_content()
    assert "<script>" not in html
    if "<script>" in name:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)</script>" in text  # plain text is not HTML: shown as typed
    if "7*7" in name:
        assert "{{ 7*7 }}" in text and "{{ 7*7 }}" in html and "49" not in text


@pytest.mark.parametrize(
    "email",
    ["j@x.nl\r\nBcc: victim@example.org", "j@x.nl\n", "a b@x.nl", "<j@x.nl>", "j@x.nl, k@x.nl"],
)
def test_bad_email_is_refused(nl: jinja2.Environment, email: str) -> None:
    version = make_version()
    ics = render_ics(version, nl)
    bad = make_version(employee=Person("Jan", email))
    with pytest.raises(ValueError, match="e-mailadres"):
        render_eml(bad, ics, nl)


@pytest.mark.parametrize("message_id", ["a\r\nBcc: x@y", "<a@b>", "no-at-sign", "a b@c", ""])
def test_bad_message_id_is_refused(nl: jinja2.Environment, message_id: str) -> None:
    version = make_version(message_id=message_id)
    with pytest.raises(ValueError, match="Message-ID"):
        render_eml(version, render_ics(version, nl), nl)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names_strategy)
def test_any_name_round_trips_cleaned(name: str) -> None:
    env = make_environment("nl")
    employee = Person(name, "j.gunes@politie.example")
    _, eml = render(make_version(employee=employee, agenda_points=(name,)), env)
    assert_wellformed(eml)
    msg = parse(eml)
    assert msg["Bcc"] is None and msg["Cc"] is None
    addresses = msg["To"].addresses
    assert [a.addr_spec for a in addresses] == [LEADER.email, "j.gunes@politie.example"]
    assert to_display_names(eml, [LEADER.email, employee.email])[1] == clean_name(name)
    # the stdlib parser differs at most in the spaces it puts between encoded words
    assert addresses[1].display_name.replace(" ", "") == clean_name(name).replace(" ", "")
    assert len(parts(msg)) == 4


# --- determinism --------------------------------------------------------------------------------


def test_same_version_same_bytes(nl: jinja2.Environment) -> None:
    version = make_version()
    ics, first = render(version, nl)
    assert render_eml(version, ics, make_environment("nl")) == first
    assert render(InviteVersion.from_json(version.to_json()), nl)[1] == first
    other = make_version(sequence=1, message_id="v1@nazorg.politie.example")
    assert render(other, nl)[1] != first


def test_boundaries_are_derived_not_random(nl: jinja2.Environment) -> None:
    _, eml = render(make_version(), nl)
    msg = parse(eml)
    mixed = msg.get_boundary()
    [alternative, _] = msg.iter_parts()
    alt = alternative.get_boundary()
    assert mixed and alt and mixed != alt
    assert mixed.startswith("=_nazorg_mixed_") and alt.startswith("=_nazorg_alt_")
    # a boundary occurs only as a delimiter (and in its Content-Type parameter)
    assert eml.count(mixed.encode()) == 4  # parameter, 2 delimiters, close
    assert eml.count(alt.encode()) == 5  # parameter, 3 delimiters, close


SUBPROCESS = """
import sys
from nazorg.emission.render.draft import render_eml
from nazorg.emission.render.invite import render_ics
from nazorg.emission.render.templating import make_environment
from tests.factories import make_cancel, make_version
env = make_environment("nl")
out = b""
for version in (make_version(), make_cancel()):
    out += render_eml(version, render_ics(version, env), env) + b"--"
sys.stdout.buffer.write(out)
"""


def test_same_bytes_in_another_process(nl: jinja2.Environment) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAZORG_")}
    env["PYTHONHASHSEED"] = "4242"
    env["TZ"] = "Asia/Tokyo"
    env["LC_ALL"] = "C"
    result = subprocess.run(
        [sys.executable, "-c", SUBPROCESS], cwd=ROOT, env=env, capture_output=True, check=True
    )
    expected = b""
    for version in (make_version(), make_cancel()):
        expected += render(version, nl)[1] + b"--"
    assert result.stdout == expected


def test_date_is_the_dtstamp_in_utc(nl: jinja2.Environment) -> None:
    from zoneinfo import ZoneInfo

    stamp = datetime(2026, 3, 13, 6, 0, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))
    _, eml = render(make_version(dtstamp=stamp), nl)
    assert parse(eml)["Date"].datetime == stamp.astimezone(UTC)
    assert b"Date: Fri, 13 Mar 2026 05:00:12 +0000\r\n" in eml


def test_ics_of_another_method_is_refused(nl: jinja2.Environment) -> None:
    """Outlook rejects a message whose MIME method= differs from the file's METHOD."""
    cancel_ics = render_ics(make_cancel(), nl)
    with pytest.raises(ValueError, match="METHOD"):
        render_eml(make_version(), cancel_ics, nl)
