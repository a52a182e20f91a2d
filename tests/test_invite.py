"""The .ics rendering (nazorg.emission.render.invite) and the template environment
(nazorg.emission.render.templating).

Checked three ways: byte-equal golden files, independent parsers (vobject with validate=True,
which applies the file's own VTIMEZONE; icalendar), and explicit byte checks for what parsers
let through (bare LF, long lines, unescaped commas, a non-UTC DTSTAMP).
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from dataclasses import fields, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import jinja2
import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nazorg.core.errors import ConfigError
from nazorg.core.payload import InviteVersion, Person
from nazorg.emission.render.invite import (
    escape_text,
    fold,
    param_value,
    render_ics,
    vtimezone_lines,
)
from nazorg.emission.render.templating import clean_name, make_environment, templates_dir
from tests.factories import (
    EMPLOYEE,
    LEADER,
    assert_golden,
    content_lines,
    make_cancel,
    make_version,
    physical_lines,
    prop_name,
    unescape_text,
)

AMS = ZoneInfo("Europe/Amsterdam")
ROOT = Path(__file__).resolve().parents[1]
ALL_KINDS = (
    "checkin_1m",
    "checkin_3m",
    "checkin_6m",
    "checkin_12m",
    "feedback_360",
    "development_plan",
    "ro",
)


@pytest.fixture(scope="module")
def nl() -> jinja2.Environment:
    return make_environment("nl")


@pytest.fixture(scope="module")
def en() -> jinja2.Environment:
    return make_environment("en")


def parse(ics: bytes) -> vobject.base.Component:
    return vobject.readOne(ics.decode("utf-8"), validate=True)


def block(lines: list[str], name: str) -> list[str]:
    """The lines of the first `name` component, BEGIN and END included."""
    start = lines.index(f"BEGIN:{name}")
    return lines[start : lines.index(f"END:{name}", start) + 1]


def event_lines(ics: bytes) -> list[str]:
    """The VEVENT's own properties (without BEGIN/END and without the VALARM inside it)."""
    event = block(content_lines(ics), "VEVENT")[1:-1]
    if "BEGIN:VALARM" in event:
        alarm = block(event, "VALARM")
        i = event.index("BEGIN:VALARM")
        event = event[:i] + event[i + len(alarm) :]
    return event


def value_of(ics: bytes, name: str) -> str:
    """The raw (still escaped) value of the single VEVENT property `name`."""
    found = [line for line in event_lines(ics) if prop_name(line) == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0].split(":", 1)[1]


def assert_wellformed(ics: bytes) -> None:
    """The byte-level rules that parsers do not enforce (INTEROP.md, 'Bytes')."""
    text = ics.decode("utf-8")  # UTF-8 as a whole
    assert b"\n" not in ics.replace(b"\r\n", b""), "bare LF"
    assert b"\r" not in ics.replace(b"\r\n", b""), "bare CR"
    for raw in physical_lines(ics):
        assert len(raw) <= 75, f"line of {len(raw)} octets: {raw!r}"
        raw.decode("utf-8")  # a fold never cuts a multi-byte character
    assert text.splitlines() == text[:-2].split("\r\n"), "a character some parser breaks on"
    controls = [ch for ch in text.replace("\r\n", "") if unicodedata.category(ch) == "Cc"]
    assert set(controls) <= {"\t"}, f"control characters {controls!r}"
    lines = content_lines(ics)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VTIMEZONE") == 1
    tz_part = lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE") + 1]
    assert [prop_name(x) for x in tz_part].count("RRULE") == 2
    assert not any(prop_name(x) == "RDATE" for x in lines)
    assert "TZID:Europe/Amsterdam" in tz_part
    names = [prop_name(x) for x in event_lines(ics)]
    for once in ("UID", "DTSTAMP", "DTSTART", "DTEND", "ORGANIZER", "SUMMARY", "SEQUENCE"):
        assert names.count(once) == 1, once
    assert "DURATION" not in names
    assert names.count("ATTENDEE") >= 1
    assert value_of(ics, "DTSTAMP").endswith("Z")
    assert not any(prop_name(x) in ("CREATED", "LAST-MODIFIED") for x in lines)
    for name in ("SUMMARY", "DESCRIPTION", "UID"):
        unescape_text(value_of(ics, name))  # every , ; \ escaped


#: The conversation page (issue 13): the nl request golden files carry it, the others show none.
PAGE_LINK = "https://nazorg.politie.example/gesprekken/17"


# --- golden files and the required content ------------------------------------------------------


def test_request_golden(nl: jinja2.Environment) -> None:
    ics = render_ics(
        make_version(agenda_points=("Werkrooster, verlof; terugkeer",), link=PAGE_LINK), nl
    )
    assert_wellformed(ics)
    assert_golden("checkin_request.ics", ics)


def test_cancel_golden(nl: jinja2.Environment) -> None:
    ics = render_ics(make_cancel(), nl)
    assert_wellformed(ics)
    assert_golden("checkin_cancel.ics", ics)


def test_english_request_golden(en: jinja2.Environment) -> None:
    ics = render_ics(make_version(language="en", kind="checkin_3m"), en)
    assert_wellformed(ics)
    assert_golden("checkin_request_en.ics", ics)


def test_request_content(nl: jinja2.Environment) -> None:
    ics = render_ics(make_version(), nl)
    lines = content_lines(ics)
    assert lines[1:5] == [
        "PRODID:-//nazorg//nazorg 0.1//NL",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
    ]
    assert lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE") + 1] == list(
        vtimezone_lines("Europe/Amsterdam")
    )
    ev = event_lines(ics)
    assert "DTSTAMP:20260313T050012Z" in ev
    assert "DTSTART;TZID=Europe/Amsterdam:20260327T100000" in ev
    assert "DTEND;TZID=Europe/Amsterdam:20260327T104500" in ev
    assert "SUMMARY:Nazorggesprek (1 maand) – Jérôme Ğüneş" in ev
    assert "ORGANIZER;CN=Nazorg TCO/VGW:mailto:nazorg@politie.example" in ev
    assert (
        "ATTENDEE;CN=Fatima el Amrani;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
        ":mailto:f.elamrani@politie.example"
    ) in ev
    assert (
        "ATTENDEE;CN=Jérôme Ğüneş;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
        ":mailto:j.gunes@politie.example"
    ) in ev
    assert {"STATUS:CONFIRMED", "TRANSP:OPAQUE", "CLASS:PRIVATE"} <= set(ev)
    alarm = block(block(lines, "VEVENT"), "VALARM")
    assert alarm[1:3] == ["ACTION:DISPLAY", "TRIGGER:-P1D"]
    assert alarm[3].startswith("DESCRIPTION:Nazorggesprek")
    description = unescape_text(value_of(ics, "DESCRIPTION"))
    # Issue 13: the invite both receive is neutral; the leader's guidance (open questions,
    # signs calling for referral) is in the draft's note and on the conversation page instead.
    for phrase in ("open vragen", "Luister", "bedrijfsarts", "psycholoog", "alcohol"):
        assert phrase not in description
    assert "er voor de medewerker" in description and "bepaalt zelf" in description


def test_cancel_content(nl: jinja2.Environment) -> None:
    ics = render_ics(make_cancel(), nl)
    lines = content_lines(ics)
    assert "METHOD:CANCEL" in lines
    ev = event_lines(ics)
    assert "STATUS:CANCELLED" in ev and "STATUS:CONFIRMED" not in ev
    assert "BEGIN:VALARM" not in lines, "a cancelled conversation must not keep reminding"
    assert "SEQUENCE:1" in ev
    request = render_ics(make_version(), nl)
    assert value_of(ics, "UID") == value_of(request, "UID")
    assert "gaat niet door" in unescape_text(value_of(ics, "DESCRIPTION"))


def test_agenda_points_are_listed_and_escaped(nl: jinja2.Environment) -> None:
    ics = render_ics(make_version(agenda_points=("Rooster; verlof, terugkeer", "  ")), nl)
    assert r"- Rooster\; verlof\, terugkeer" in value_of(ics, "DESCRIPTION")
    assert "Agendapunten" in unescape_text(value_of(ics, "DESCRIPTION"))
    plain = render_ics(make_version(), nl)
    assert "Agendapunten" not in unescape_text(value_of(plain, "DESCRIPTION"))


# --- independent parsers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 27), 9),
        (date(2026, 3, 30), 8),
        (date(2026, 10, 23), 8),
        (date(2026, 10, 26), 9),
    ],
)
def test_vobject_reads_local_ten_oclock_across_dst(
    nl: jinja2.Environment, day: date, utc_hour: int
) -> None:
    """10:00 Amsterdam stays 10:00 on both sides of a change; vobject uses the file's VTIMEZONE."""
    version = make_version(day=day)
    cal = parse(render_ics(version, nl))
    ev = cal.vevent
    assert cal.method.value == "REQUEST"
    assert ev.uid.value == version.uid
    assert int(ev.sequence.value) == 0
    start = ev.dtstart.value
    assert (start.hour, start.minute) == (10, 0)
    assert start.astimezone(UTC) == datetime.combine(day, time(utc_hour), tzinfo=UTC)
    assert ev.dtend.value.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=45)
    assert ev.dtstamp.value == datetime(2026, 3, 13, 5, 0, 12, tzinfo=UTC)
    assert [a.params["CN"][0] for a in ev.attendee_list] == [LEADER.name, EMPLOYEE.name]
    assert ev.summary.value == f"Nazorggesprek (1 maand) – {EMPLOYEE.name}"


def test_vobject_reads_cancel(nl: jinja2.Environment) -> None:
    cal = parse(render_ics(make_cancel(), nl))
    assert cal.method.value == "CANCEL"
    assert cal.vevent.status.value == "CANCELLED"
    assert int(cal.vevent.sequence.value) == 1


def test_vtimezone_rule_matches_tz_database(nl: jinja2.Environment) -> None:
    """The hand-written rule gives the same offset as the tz database, hour by hour near changes.

    The zone object is the one dateutil builds from the file's VTIMEZONE (via vobject), so this
    checks the rule text itself, for every year a conversation can be planned in.
    """
    tz_from_file = parse(render_ics(make_version(), nl)).vevent.dtstart.value.tzinfo
    for year in range(1996, 2038):
        for month in (3, 10):
            last_sunday = max(
                date(year, month, d) for d in range(25, 32) if date(year, month, d).weekday() == 6
            )
            change = datetime.combine(last_sunday, time(1), tzinfo=UTC)
            for hours in range(-3, 4):
                utc = change + timedelta(hours=hours, minutes=30)
                expected = utc.astimezone(AMS)
                got = utc.astimezone(tz_from_file)
                assert got.utcoffset() == expected.utcoffset(), utc
                assert got.replace(tzinfo=None) == expected.replace(tzinfo=None), utc
        for month in (1, 7):
            local = datetime(year, month, 15, 10, tzinfo=tz_from_file)
            assert local.utcoffset() == datetime(year, month, 15, 10, tzinfo=AMS).utcoffset()


def test_icalendar_reads_it_too(nl: jinja2.Environment) -> None:
    version = make_version(day=date(2026, 3, 30))
    cal = icalendar.Calendar.from_ical(render_ics(version, nl))
    assert cal["METHOD"] == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert event["UID"] == version.uid
    assert event.decoded("DTSTART") == version.start
    assert event.decoded("DTSTART").astimezone(UTC).hour == 8
    assert [str(a.params["CN"]) for a in event["ATTENDEE"]] == [LEADER.name, EMPLOYEE.name]
    [timezone] = cal.walk("VTIMEZONE")
    assert [c.name for c in timezone.subcomponents] == ["STANDARD", "DAYLIGHT"]


# --- bytes: folding and escaping ----------------------------------------------------------------


def test_escape_text() -> None:
    assert escape_text("a,b;c\\d") == r"a\,b\;c\\d"
    assert escape_text("a\r\nb\rc\nd\u2028e\u2029f\x85g") == r"a\nb\nc\nd\ne\nf\ng"
    assert escape_text("tab\tstays, \x00\x1b\x7f gone") == "tab\tstays\\,  gone"
    assert escape_text(r"\N literal") == r"\\N literal"


@pytest.mark.parametrize(
    "value",
    ["é" * 100, "😀" * 40, "a" + "€" * 60, "x" * 300, "a\\,b" * 40, "ab" + "ü\u0308" * 70],
)
def test_fold(value: str) -> None:
    line = "DESCRIPTION:" + escape_text(value)
    folded = fold(line)
    raw = folded.encode("utf-8").split(b"\r\n")
    assert all(len(part) <= 75 for part in raw)
    assert all(part.startswith(b" ") for part in raw[1:])
    for part in raw:
        part.decode("utf-8")
    assert folded.replace("\r\n ", "") == line
    for part in folded.split("\r\n")[:-1]:
        trailing = len(part) - len(part.rstrip("\\"))
        assert trailing % 2 == 0, "an escape pair was split over two lines"


def test_short_line_is_not_folded() -> None:
    assert fold("X" * 75) == "X" * 75
    assert fold("X" * 76) == "X" * 75 + "\r\n X"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jan Jansen", "Jan Jansen"),
        ("Jansen, Jan", '"Jansen, Jan"'),
        ("a;b:c", '"a;b:c"'),
        ('Jan "de Baas" Jansen', "Jan 'de Baas' Jansen"),
        ("x\r\nATTENDEE:mailto:evil@x", '"x ATTENDEE:mailto:evil@x"'),
        ("^n and ^' and ^^ and ^x", "^^n and ^^' and ^^^ and ^x"),
    ],
)
def test_param_value(name: str, expected: str) -> None:
    assert param_value(name) == expected


# --- hostile input ------------------------------------------------------------------------------

HOSTILE = (
    "x\r\nATTENDEE:mailto:evil@x",
    'Quote " Name\r\n\tORGANIZER:mailto:evil@x',
    "<script>alert(1)</script>",
    "{{ 7*7 }} {% raw %}",
    "\u200fمحمد العلي",
    "Line\u2028Sep\u2029Para\x85Nel\x0bVt\x0cFf",
    "A" * 2000,
    "Back\\slash, comma; semi: colon",
    "Nul\x00Esc\x1b[31mDel\x7fCsi\x9bEnd",
)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_never_inject(nl: jinja2.Environment, name: str) -> None:
    employee = Person(name, "j.gunes@politie.example")
    ics = render_ics(make_version(employee=employee, agenda_points=(name,)), nl)
    assert_wellformed(ics)
    names = [prop_name(x) for x in content_lines(ics)]
    assert names.count("ATTENDEE") == 2
    assert names.count("ORGANIZER") == 1
    for line in content_lines(ics):
        if prop_name(line) in ("ATTENDEE", "ORGANIZER"):
            assert line.rsplit(":", 1)[1] != "evil@x"
            assert not line.endswith("mailto:evil@x")
    cal = parse(ics)
    assert [a.value for a in cal.vevent.attendee_list] == [
        f"mailto:{LEADER.email}",
        "mailto:j.gunes@politie.example",
    ]
    assert cal.vevent.attendee_list[1].params["CN"] == [clean_name(name)]
    assert cal.vevent.summary.value == f"Nazorggesprek (1 maand) – {clean_name(name)}"
    if "7*7" in name:
        assert "{{ 7*7 }}" in cal.vevent.summary.value and "49" not in cal.vevent.summary.value


@pytest.mark.parametrize(
    "email", ["a@b.nl\r\nATTENDEE:mailto:evil@x", "a b@c.nl", "a@b.nl>", "", "a@b", '"a"@b.nl']
)
def test_bad_email_is_refused(nl: jinja2.Environment, email: str) -> None:
    with pytest.raises(ValueError, match="e-mailadres"):
        render_ics(make_version(employee=Person("Jan", email)), nl)


#: Any text, and text made of the characters that matter to iCalendar, MIME and RFC 2047.
names_strategy = st.one_of(
    st.text(max_size=120),
    st.text(
        alphabet=st.sampled_from(list("=?qQbB_:;,\"\\<>()@. aé€😀^n'\r\n\t\u200f\u2028")),
        max_size=60,
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names_strategy, point=names_strategy)
def test_any_name_keeps_the_structure(name: str, point: str) -> None:
    env = make_environment("nl")
    employee = Person(name, "j.gunes@politie.example")
    ics = render_ics(make_version(employee=employee, agenda_points=(point,)), env)
    assert_wellformed(ics)
    assert [prop_name(x) for x in content_lines(ics)].count("ATTENDEE") == 2
    cal = parse(ics)
    attendee = cal.vevent.attendee_list[1]
    assert attendee.value == "mailto:j.gunes@politie.example"
    cleaned = clean_name(name)
    if cleaned:
        # vobject does not decode RFC 6868, so it sees the caret escapes as written
        assert attendee.params["CN"] == [param_value(name).strip('"')]
    else:
        assert "CN" not in attendee.params


# --- determinism --------------------------------------------------------------------------------


def test_same_version_same_bytes(nl: jinja2.Environment) -> None:
    version = make_version()
    first = render_ics(version, nl)
    assert render_ics(version, make_environment("nl")) == first
    assert render_ics(InviteVersion.from_json(version.to_json()), nl) == first


SUBPROCESS = """
import sys
from nazorg.emission.render.invite import render_ics
from nazorg.emission.render.templating import make_environment
from tests.factories import make_cancel, make_version
env = make_environment("nl")
out = render_ics(make_version(), env) + b"--" + render_ics(make_cancel(), env)
sys.stdout.buffer.write(out)
"""


def test_same_bytes_in_another_process(nl: jinja2.Environment) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAZORG_")}
    env["PYTHONHASHSEED"] = "12345"
    env["TZ"] = "America/New_York"
    env["LC_ALL"] = "C"
    result = subprocess.run(
        [sys.executable, "-c", SUBPROCESS], cwd=ROOT, env=env, capture_output=True, check=True
    )
    expected = render_ics(make_version(), nl) + b"--" + render_ics(make_cancel(), nl)
    assert result.stdout == expected


def test_vtimezone_is_built_once() -> None:
    assert vtimezone_lines("Europe/Amsterdam") is vtimezone_lines("Europe/Amsterdam")


# --- refused payloads ---------------------------------------------------------------------------


def test_other_timezone_is_refused(nl: jinja2.Environment) -> None:
    version = make_version()
    london = ZoneInfo("Europe/London")
    other = replace(
        version,
        tzid="Europe/London",
        start=version.start.astimezone(london),
        end=version.end.astimezone(london),
    )
    with pytest.raises(ValueError, match="Europe/London"):
        render_ics(other, nl)


def test_start_in_another_zone_is_converted(nl: jinja2.Environment) -> None:
    version = make_version()
    utc = replace(version, start=version.start.astimezone(UTC), end=version.end.astimezone(UTC))
    assert render_ics(utc, nl) == render_ics(version, nl)


@pytest.mark.parametrize(
    "changes",
    [
        {"start": datetime(2026, 3, 27, 10, 0)},
        {"dtstamp": datetime(2026, 3, 13, 5, 0)},
        {"attendees": ()},
        {"sequence": -1},
        {"method": "PUBLISH"},
        {"uid": "a\r\nb"},
        {"end": datetime(2026, 3, 27, 9, 0, tzinfo=AMS)},
        {"start": datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMS)},
    ],
)
def test_broken_payload_is_refused(nl: jinja2.Environment, changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        render_ics(replace(make_version(), **changes), nl)  # type: ignore[arg-type]


# --- templates ----------------------------------------------------------------------------------


def test_unknown_language_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="language"):
        make_environment("de")
    with pytest.raises(ConfigError, match="language"):
        make_environment("../nl")


def test_packaged_templates_exist_for_both_languages() -> None:
    root = templates_dir()
    assert root == ROOT / "templates" or root.parent.name == "nazorg"
    nl_files = sorted(p.name for p in (root / "nl").iterdir())
    en_files = sorted(p.name for p in (root / "en").iterdir())
    assert nl_files == en_files
    assert {"summary.txt", "description.txt", "subject.txt", "email.txt", "email.html"} <= set(
        nl_files
    )


def test_autoescape_only_for_html(nl: jinja2.Environment) -> None:
    assert callable(nl.autoescape)
    assert nl.autoescape("email.html") is True
    assert nl.autoescape("summary.txt") is False
    assert nl.undefined is jinja2.StrictUndefined


def test_override_folder_comes_first(tmp_path: Path) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "summary.txt").write_text(
        "Gesprek met {{ employee.name }}\n", encoding="utf-8"
    )
    env = make_environment("nl", tmp_path)
    ics = render_ics(make_version(), env)
    assert value_of(ics, "SUMMARY") == f"Gesprek met {EMPLOYEE.name}"
    assert "Waarom dit gesprek" in unescape_text(value_of(ics, "DESCRIPTION"))  # packaged
    en = make_environment("en", tmp_path)  # no en/ override: all packaged
    assert value_of(render_ics(make_version(), en), "SUMMARY").startswith("Aftercare")


def test_missing_override_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="templates_dir"):
        make_environment("nl", tmp_path / "nope")


@pytest.mark.parametrize(
    "body", ["{{ employee.nmae }}", "{% if %}", "{{ employee.name }", "{% include 'x.txt' %}"]
)
def test_broken_override_is_a_config_error(tmp_path: Path, body: str) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "summary.txt").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"summary\.txt"):
        render_ics(make_version(), make_environment("nl", tmp_path))


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_renders_in_every_language(language: str, kind: str) -> None:
    env = make_environment(language)
    for version in (make_version(kind=kind, language=language), make_cancel(kind=kind)):
        ics = render_ics(version, env)
        assert_wellformed(ics)
        summary = unescape_text(value_of(ics, "SUMMARY"))
        assert summary.endswith(f" – {EMPLOYEE.name}")
        assert kind not in summary  # a label, never the internal code


@pytest.mark.parametrize(
    ("kind", "nl_label", "en_label"),
    [
        ("checkin_1m", "Nazorggesprek (1 maand)", "Aftercare conversation (1 month)"),
        ("checkin_3m", "Nazorggesprek (3 maanden)", "Aftercare conversation (3 months)"),
        ("checkin_6m", "Nazorggesprek (6 maanden)", "Aftercare conversation (6 months)"),
        ("feedback_360", "360-graden feedback", "360-degree feedback"),
        ("development_plan", "Persoonlijk ontwikkelplan", "Personal development plan"),
        ("ro", "R&O-gesprek", "Performance and development review (R&O)"),
    ],
)
def test_kind_labels(
    nl: jinja2.Environment, en: jinja2.Environment, kind: str, nl_label: str, en_label: str
) -> None:
    assert unescape_text(value_of(render_ics(make_version(kind=kind), nl), "SUMMARY")).startswith(
        nl_label + " – "
    )
    assert unescape_text(value_of(render_ics(make_version(kind=kind), en), "SUMMARY")).startswith(
        en_label + " – "
    )


def test_unknown_kind_is_a_config_error(nl: jinja2.Environment) -> None:
    with pytest.raises(ConfigError, match=r"summary\.txt"):
        render_ics(make_version(kind="mystery"), nl)


def test_payload_carries_no_incident_data() -> None:
    """Calendars are widely shared: the render input must never grow incident fields."""
    assert {f.name for f in fields(InviteVersion)} == {
        "uid",
        "sequence",
        "method",
        "dtstamp",
        "start",
        "end",
        "tzid",
        "organizer",
        "leader",
        "employee",
        "attendees",
        "kind",
        "language",
        "message_id",
        "agenda_points",
        "link",  # the conversation page (issue 13): an address, no incident data
    }
