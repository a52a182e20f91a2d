"""Test helpers: InviteVersions with sensible defaults, golden files and iCalendar checks."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nazorg.core.payload import InviteVersion, Person

AMS = ZoneInfo("Europe/Amsterdam")

ORGANIZER = Person("Nazorg TCO/VGW", "nazorg@politie.example")
LEADER = Person("Fatima el Amrani", "f.elamrani@politie.example")
EMPLOYEE = Person("Jérôme Ğüneş", "j.gunes@politie.example")


def make_version(
    *,
    day: date = date(2026, 3, 27),
    at: time = time(10, 0),
    minutes: int = 45,
    **changes: Any,
) -> InviteVersion:
    """A first REQUEST for a 1-month check-in on `day` at `at` Amsterdam time.

    Any InviteVersion field can be overridden by keyword; `leader`/`employee` changes are also
    applied to `attendees` unless `attendees` is given.
    """
    start = datetime.combine(day, at, tzinfo=AMS)
    end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(AMS)
    leader = changes.pop("leader", LEADER)
    employee = changes.pop("employee", EMPLOYEE)
    base = InviteVersion(
        uid="nazorg-checkin-42-1m@nazorg.politie.example",
        sequence=0,
        method="REQUEST",
        dtstamp=datetime(2026, 3, 13, 5, 0, 12, tzinfo=UTC),
        start=start,
        end=end,
        tzid="Europe/Amsterdam",
        organizer=ORGANIZER,
        leader=leader,
        employee=employee,
        attendees=(leader, employee),
        kind="checkin_1m",
        language="nl",
        message_id="nazorg-checkin-42-1m-v0@nazorg.politie.example",
        agenda_points=(),
    )
    return replace(base, **changes)


def make_cancel(**changes: Any) -> InviteVersion:
    """The CANCEL that follows `make_version()`: same UID, next SEQUENCE, later DTSTAMP."""
    defaults: dict[str, Any] = {
        "method": "CANCEL",
        "sequence": 1,
        "dtstamp": datetime(2026, 3, 20, 5, 0, 3, tzinfo=UTC),
        "message_id": "nazorg-checkin-42-1m-v1@nazorg.politie.example",
    }
    defaults.update(changes)
    return make_version(**defaults)


# --- golden files -------------------------------------------------------------------------------

GOLDEN_DIR = Path(__file__).parent / "golden"

#: Read once, at import: the autouse `clean_env` fixture in conftest.py removes every NAZORG_*
#: variable before a test runs. Regenerate with: NAZORG_UPDATE_GOLDEN=1 pytest tests/test_invite.py
#: tests/test_draft.py (then review the diff: every changed byte reaches people's calendars).
UPDATE_GOLDEN = os.environ.get("NAZORG_UPDATE_GOLDEN") == "1"


def assert_golden(name: str, data: bytes) -> None:
    """`data` must equal tests/golden/<name> byte for byte (no normalisation: output is pure)."""
    path = GOLDEN_DIR / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"{path} ontbreekt; maak hem met NAZORG_UPDATE_GOLDEN=1"
    expected = path.read_bytes()
    assert data == expected, f"{name} wijkt af van de golden file; zie NAZORG_UPDATE_GOLDEN=1"


# --- iCalendar helpers --------------------------------------------------------------------------


def physical_lines(ics: bytes) -> list[bytes]:
    """The raw lines of an .ics, split on CRLF only (the last CRLF ends the last line)."""
    assert ics.endswith(b"\r\n")
    return ics[:-2].split(b"\r\n")


def content_lines(ics: bytes) -> list[str]:
    """The unfolded content lines (RFC 5545 3.1: CRLF followed by one space or tab is removed)."""
    text = ics.decode("utf-8")
    return re.sub(r"\r\n[ \t]", "", text)[:-2].split("\r\n")


def prop_name(line: str) -> str:
    """The property name of a content line (before the first `;` or `:`)."""
    return re.split(r"[;:]", line, maxsplit=1)[0]


def unescape_text(value: str) -> str:
    r"""Strict RFC 5545 TEXT decoding: fails on an unescaped `,` or `;` or a stray backslash."""
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            nxt = value[i + 1]
            assert nxt in "\\;,nN", f"unknown escape \\{nxt} in {value!r}"
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        assert ch not in ",;", f"unescaped {ch!r} in TEXT value {value!r}"
        out.append(ch)
        i += 1
    return "".join(out)
