"""Delivery to real IMAP, SMTP and CalDAV servers (issue 8).

The servers run on 127.0.0.1 (tests/mailservers.py): Dovecot, aiosmtpd and Radicale. The round
trips check what a leader would see; the failure paths (down, login refused, connection dropped
mid-way, a crash between delivering and recording) check that a failed target is retried with
backoff, never delivers a version twice, and never blocks emission or the other targets.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import vobject
from sqlalchemy import update
from sqlmodel import Session, col, select

from nazorg.core.errors import ConfigError
from nazorg.core.workdays import WorkCalendar
from nazorg.delivery.caldav import calendar_object
from nazorg.delivery.imap import imap_utf7
from nazorg.delivery.service import deliver
from nazorg.delivery.smtp import without_unsent_header
from nazorg.delivery.state import BACKOFF, CLAIM_TIMEOUT, backoff
from nazorg.jobs.daily import run_daily
from nazorg.services import followups
from nazorg.settings import Settings, load_settings
from nazorg.settings.delivery import CaldavTarget, DeliverySettings, ImapTarget, SmtpTarget
from nazorg.store.engine import make_engine, transaction
from nazorg.store.migrate import upgrade
from nazorg.store.models import Emission
from nazorg.store.models.delivery import Delivery
from tests.conftest import FIXED_NOW, Cli, load_team, register
from tests.mailservers import (
    Certificates,
    CutProxy,
    Dovecot,
    Radicale,
    SmtpSink,
    closed_port,
)

STRICT = email.policy.default.clone(raise_on_defect=True)
INVITE_DAY = date(2026, 3, 19)  # incident 2 March -> conversation 2 April -> invite 19 March
SECRET = "Zeer-Geheim-7"  # a password that must never show up anywhere


class Clock:
    """A test clock: one second per call, and jumps on request."""

    def __init__(self, start: datetime = FIXED_NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def at(self, moment: datetime) -> Clock:
        self.now = moment
        return self


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Any]:
    """The test team in a fresh SQLite database (the round trips are about the servers; the
    database-specific parts run on both databases in the tests that take `engine`)."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    load_team(engine)
    yield engine
    engine.dispose()


def with_targets(base: Settings, **targets: Any) -> Settings:
    return base.model_copy(update={"delivery": DeliverySettings(**targets)})


@pytest.fixture
def base(sqlite_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=sqlite_url, outbox=tmp_path / "outbox", cycle_kinds=())


def imap_target(
    dovecot: Dovecot, certificates: Certificates, user: tuple[str, str], **changes: Any
) -> ImapTarget:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": dovecot.imaps_port,
        "security": "tls",
        "username": user[0],
        "password": user[1],
        "ca_file": certificates.ca,
        "timeout": 10,
    }
    values.update(changes)
    return ImapTarget(**values)


def smtp_target(sink: SmtpSink, certificates: Certificates, **changes: Any) -> SmtpTarget:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": sink.port,
        "security": "starttls",
        "username": "nazorg",
        "password": "smtp-geheim",
        "ca_file": certificates.ca,
        "timeout": 10,
    }
    values.update(changes)
    return SmtpTarget(**values)


@pytest.fixture
def calendar(radicale: Radicale) -> tuple[str, str, str]:
    """A fresh calendar collection: (url, user, password)."""
    radicale.add_user("agenda", "dav-geheim")
    return radicale.make_calendar("agenda", "dav-geheim"), "agenda", "dav-geheim"


def caldav_target(calendar: tuple[str, str, str], **changes: Any) -> CaldavTarget:
    values: dict[str, Any] = {
        "url": calendar[0],
        "username": calendar[1],
        "password": calendar[2],
        "timeout": 10,
    }
    values.update(changes)
    return CaldavTarget(**values)


def rows(engine: Any, target: str | None = None) -> list[Delivery]:
    with Session(engine) as session:
        query = select(Delivery).order_by(col(Delivery.id))
        if target:
            query = query.where(Delivery.target == target)
        return list(session.exec(query).all())


def outbox_eml(engine: Any) -> list[bytes]:
    with Session(engine) as session:
        paths = session.exec(select(Emission.eml_path).order_by(col(Emission.id))).all()
    return [Path(p).read_bytes() for p in paths if p]


def invite_run(engine: Any, settings: Settings, clock: Clock | None = None) -> Any:
    register(engine, settings, occurred=date(2026, 3, 2), today=date(2026, 3, 2))
    return run_daily(engine, today=INVITE_DAY, clock=clock or Clock(), settings=settings)


def calendar_part(raw: bytes) -> Any:
    message = email.message_from_bytes(raw, policy=STRICT)
    parts = [
        p
        for p in message.walk()
        if p.get_content_type() == "text/calendar" and not p.get_filename()
    ]
    assert len(parts) == 1
    return parts[0]


# --- settings ---------------------------------------------------------------------------------


def test_targets_come_from_the_config_file_and_the_password_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "nazorg.toml"
    config.write_text(
        '[delivery.imap]\nhost = "imap.example.org"\nusername = "nazorg@politie.example"\n'
        'folder = "Concepten"\n'
        '[delivery.caldav]\nurl = "https://dav.example.org/calendars/{owner}/nazorg"\n'
        'username = "nazorg"\n'
    )
    monkeypatch.setenv("NAZORG_DELIVERY__IMAP__PASSWORD", SECRET)
    monkeypatch.setenv("NAZORG_DELIVERY__CALDAV__PASSWORD", SECRET)
    settings = load_settings(config)
    imap = settings.delivery.imap
    assert imap is not None and imap.effective_port == 993 and imap.folder == "Concepten"
    assert imap.secret("imap") == SECRET
    assert settings.delivery.caldav is not None
    assert settings.delivery.caldav.url == "https://dav.example.org/calendars/{owner}/nazorg/"
    assert list(settings.delivery.targets) == ["imap", "caldav"]
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[delivery.smtp]\nhost = "smtp.example.org"\nsecurity = "none"\n',
            "'delivery.smtp'",
        ),
        ('[delivery.caldav]\nurl = "http://dav.example.org/cal/"\n', "https://"),
        (
            '[delivery.caldav]\nurl = "https://nazorg:pw@dav.example.org/cal/"\n',
            "niet in de URL",
        ),
        ('[delivery.imap]\nhost = "imap.example.org"\n', "'delivery.imap.username'"),
        (
            '[delivery.imap]\nhost = "imap.example.org"\nusername = "u"\nsecurity = "plain"\n',
            "'delivery.imap.security'",
        ),
        (
            '[delivery.smtp]\nhost = "s"\nusername = "u"\npassword_file = "/a"\n'
            'ca_file = "/b"\nfolder = "x"\n',
            "'delivery.smtp.folder'",
        ),
    ],
)
def test_unsafe_or_unknown_delivery_settings_are_refused_with_one_line(
    tmp_path: Path, toml: str, message: str
) -> None:
    config = tmp_path / "nazorg.toml"
    config.write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_password_file_must_be_readable_by_its_owner_only(tmp_path: Path) -> None:
    secret = tmp_path / "imap.pass"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o644)
    target = ImapTarget(host="imap.example.org", username="u", password_file=secret)
    with pytest.raises(ConfigError, match="chmod 600") as caught:
        target.secret("imap")
    assert SECRET not in str(caught.value)
    secret.chmod(0o600)
    assert target.secret("imap") == SECRET
    with pytest.raises(ConfigError, match="bestaat niet"):
        ImapTarget(host="h", username="u", password_file=tmp_path / "none").secret("imap")


def test_a_password_in_the_config_file_needs_a_private_config_file(tmp_path: Path) -> None:
    config = tmp_path / "nazorg.toml"
    config.write_text(f'[delivery.imap]\nhost = "h"\nusername = "u"\npassword = "{SECRET}"\n')
    config.chmod(0o644)
    with pytest.raises(ConfigError, match="NAZORG_DELIVERY__IMAP__PASSWORD") as caught:
        load_settings(config)
    assert SECRET not in str(caught.value)
    config.chmod(0o600)
    imap = load_settings(config).delivery.imap
    assert imap is not None and imap.secret("imap") == SECRET


def test_no_command_takes_a_password_option(cli: Cli) -> None:
    result = cli("deliver", "--help")
    assert result.exit_code == 0 and "--retry" in result.stdout
    assert "password" not in result.stdout.lower() and "wachtwoord" not in result.stdout.lower()


def test_deliver_without_targets_names_the_fix(cli: Cli) -> None:
    result = cli("deliver")
    assert result.exit_code == 1
    assert result.stderr.startswith("fout: geen aflevering ingesteld; zet [delivery.imap]")


# --- rules that need no server -------------------------------------------------------------------


def test_backoff_grows_to_daily() -> None:
    assert [backoff(n) for n in range(1, 8)] == [*BACKOFF, BACKOFF[-1], BACKOFF[-1]]
    assert BACKOFF[0] == timedelta(minutes=5) and BACKOFF[-1] == timedelta(days=1)


def test_imap_folder_names_are_modified_utf7() -> None:
    assert imap_utf7("Drafts") == "Drafts"
    assert imap_utf7("Concepten & zo") == "Concepten &- zo"
    assert imap_utf7("Entwürfe") == "Entw&APw-rfe"  # RFC 3501's own kind of example


def test_the_stored_calendar_object_has_no_method_and_no_server_scheduling() -> None:
    golden = Path(__file__).parent / "golden" / "checkin_request.ics"
    stored = calendar_object(golden.read_bytes())
    text = stored.decode()
    assert "METHOD:" not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\n" not in text.replace("\r\n", "")
    unfolded = text.replace("\r\n ", "")
    scheduled = [
        line for line in unfolded.split("\r\n") if line.startswith(("ATTENDEE", "ORGANIZER"))
    ]
    assert len(scheduled) == 3 and all(";SCHEDULE-AGENT=CLIENT" in line for line in scheduled)
    event = vobject.readOne(text, validate=True).vevent
    original = vobject.readOne(golden.read_text(), validate=True).vevent
    assert event.description.value == original.description.value
    assert event.summary.value == original.summary.value


def test_without_unsent_header_drops_only_that_line() -> None:
    """Used for what SMTP sends without a message of its own (an escalation draft)."""
    golden = (Path(__file__).parent / "golden" / "checkin_request.eml").read_bytes()
    sent = without_unsent_header(golden)
    assert b"X-Unsent" not in sent and len(golden) - len(sent) == len(b"X-Unsent: 1\r\n")
    assert sent.replace(b"\r\n", b"") == golden.replace(b"X-Unsent: 1\r\n", b"").replace(
        b"\r\n", b""
    )


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_the_draft_lands_in_drafts_flagged_with_its_calendar_method(
    db: Any, base: Settings, dovecot: Dovecot, certificates: Certificates, security: str
) -> None:
    user = dovecot.add_user()
    port = dovecot.imaps_port if security == "tls" else dovecot.imap_port
    settings = with_targets(
        base, imap=imap_target(dovecot, certificates, user, port=port, security=security)
    )
    report = invite_run(db, settings)
    result = report.after["delivery"]["targets"]["imap"]
    assert result["delivered"] == 1, result["failures"]
    [draft] = dovecot.messages(*user)
    assert {"\\Draft", "\\Seen"} <= draft.flags
    assert [draft.raw] == outbox_eml(db)  # the outbox's bytes, unchanged
    part = calendar_part(draft.raw)
    assert part.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in part.get_content()
    [row] = rows(db)
    assert (row.status, row.attempts, row.destination) == ("delivered", 1, "Drafts")
    assert row.remote_id is not None and row.remote_id.startswith("APPENDUID ")


def test_the_invite_arrives_byte_for_byte_over_smtp(
    db: Any, base: Settings, smtp_sink: SmtpSink, certificates: Certificates
) -> None:
    settings = with_targets(base, smtp=smtp_target(smtp_sink, certificates))
    report = invite_run(db, settings)
    assert report.after["delivery"]["targets"]["smtp"]["delivered"] == 1
    [received] = smtp_sink.received
    [draft] = outbox_eml(db)
    assert (smtp_sink.mailbox / "new" / "1.eml").read_bytes() == received.data
    assert received.mail_from == "nazorg@politie.example"
    assert received.rcpt_tos == ("lars@politie.example", "eva@politie.example")
    assert calendar_part(received.data).get_param("method") == "REQUEST"
    # Issue 13: a message written for the recipients, not the draft: no instruction line, no
    # guidance, signed by the aftercare mailbox; the same calendar as the draft's.
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "[Concept voor" not in text and "Haal deze" not in text and "Hoe slaap je" not in text
    assert "X-Unsent" not in message
    assert "nazorg@politie.example" in str(message["From"])
    assert text.rstrip().splitlines()[-2:] == ["Nazorg TCO/VGW", "nazorg@politie.example"]
    assert calendar_part(received.data).get_content() == calendar_part(draft).get_content()
    assert b"[Concept voor" in email.message_from_bytes(draft).get_payload(0).get_payload(
        0
    ).get_payload(decode=True)  # the draft for review keeps its instruction


def test_request_update_and_cancel_end_as_one_cancelled_event_in_the_calendar(
    db: Any, base: Settings, radicale: Radicale, calendar: tuple[str, str, str]
) -> None:
    settings = with_targets(base, caldav=caldav_target(calendar))
    clock = Clock()
    first, *_ = register(db, settings, occurred=date(2026, 3, 2), today=date(2026, 3, 2)).followups
    run_daily(db, today=INVITE_DAY, clock=clock, settings=settings)

    def events() -> list[Any]:
        found = radicale.resources(*calendar)
        assert len(found) == 1, found
        [body] = found.values()
        assert b"METHOD" not in body
        return next(iter(vobject.readComponents(body.decode()))).vevent_list  # type: ignore[no-any-return]

    [event] = events()
    assert (event.sequence.value, event.status.value) == ("0", "CONFIRMED")
    with transaction(db) as session:
        followups.reschedule(
            session,
            first.id,
            at="2026-04-07 14:00",
            actor="TCO",
            today=date(2026, 3, 20),
            now=clock(),
            plan_for=settings.plan,
            calendar=WorkCalendar(),
        )
    run_daily(db, today=date(2026, 3, 20), clock=clock, settings=settings)
    [event] = events()
    assert event.sequence.value == "1" and event.dtstart.value.hour == 14
    with transaction(db) as session:
        followups.decline(session, first.id, actor="TCO", today=date(2026, 3, 23), now=clock())
    run_daily(db, today=date(2026, 3, 23), clock=clock, settings=settings)
    [event] = events()
    assert (event.sequence.value, event.status.value) == ("2", "CANCELLED")
    assert [(r.sequence, r.status) for r in rows(db)] == [
        (0, "delivered"),
        (1, "delivered"),
        (2, "delivered"),
    ]


def test_a_cancel_can_delete_the_event_instead(
    db: Any, base: Settings, radicale: Radicale, calendar: tuple[str, str, str]
) -> None:
    settings = with_targets(base, caldav=caldav_target(calendar, on_cancel="delete"))
    clock = Clock()
    first, *_ = register(db, settings, occurred=date(2026, 3, 2), today=date(2026, 3, 2)).followups
    run_daily(db, today=INVITE_DAY, clock=clock, settings=settings)
    assert len(radicale.resources(*calendar)) == 1
    with transaction(db) as session:
        followups.decline(session, first.id, actor="TCO", today=date(2026, 3, 20), now=clock())
    run_daily(db, today=date(2026, 3, 20), clock=clock, settings=settings)
    assert radicale.resources(*calendar) == {}


def test_each_target_takes_its_kind_and_an_older_calendar_version_is_superseded(
    db: Any,
    base: Settings,
    dovecot: Dovecot,
    radicale: Radicale,
    calendar: tuple[str, str, str],
    smtp_sink: SmtpSink,
    certificates: Certificates,
) -> None:
    """Drafts (invites and escalations) go to IMAP; only invites are sent or put in calendars.
    Two versions of one conversation waiting at once: the calendar gets only the newest."""
    user = dovecot.add_user()
    settings = with_targets(
        base,
        imap=imap_target(dovecot, certificates, user),
        smtp=smtp_target(smtp_sink, certificates),
        caldav=caldav_target(calendar, url=calendar[0] + "nope/"),  # down for now
    )
    clock = Clock()
    first, *_ = register(db, settings, occurred=date(2026, 2, 2), today=date(2026, 2, 3)).followups
    run_daily(db, today=date(2026, 2, 20), clock=clock, settings=settings)
    with transaction(db) as session:
        followups.reschedule(
            session,
            first.id,
            at="2026-03-03 11:00",
            actor="TCO",
            today=date(2026, 2, 23),
            now=clock(),
            plan_for=settings.plan,
            calendar=WorkCalendar(),
        )
    report = run_daily(db, today=date(2026, 2, 23), clock=clock, settings=settings)
    caldav = report.after["delivery"]["targets"]["caldav"]
    assert caldav["failed"] == 1 and "(403)" in caldav["failures"][0]["error"]
    # 11 working days after 3 March: the escalation draft.
    escalated = run_daily(db, today=date(2026, 3, 18), clock=clock, settings=settings)
    assert [e.method for e in escalated.emitted] == ["ESCALATION"]
    assert len(dovecot.messages(*user)) == 3  # two invite drafts and the escalation draft
    assert len(smtp_sink.received) == 2
    fixed = with_targets(
        base,
        imap=settings.delivery.imap,
        smtp=settings.delivery.smtp,
        caldav=caldav_target(calendar),
    )
    deliver(db, settings=fixed, today=date(2026, 3, 18), clock=clock, retry=True)
    assert [(r.sequence, r.status) for r in rows(db, "caldav")] == [
        (0, "superseded"),
        (1, "delivered"),
    ]
    [body] = radicale.resources(*calendar).values()
    assert b"SEQUENCE:1" in body


# --- failure paths --------------------------------------------------------------------------------


def test_a_server_that_is_down_fails_its_target_only_and_is_retried_with_backoff(
    engine: Any,
    settings: Settings,
    dovecot: Dovecot,
    radicale: Radicale,
    calendar: tuple[str, str, str],
    certificates: Certificates,
) -> None:
    load_team(engine)
    user = dovecot.add_user()
    down = with_targets(
        settings,
        imap=imap_target(dovecot, certificates, user, port=closed_port()),
        caldav=caldav_target(calendar),
    )
    clock = Clock()
    report = invite_run(engine, down, clock)
    assert len(report.emitted) == 1 and Path(report.emitted[0].eml).is_file()
    result = report.after["delivery"]["targets"]
    assert result["caldav"]["delivered"] == 1
    assert result["imap"]["failed"] == 1 and "weigert de verbinding" in result["imap"]["error"]
    [row] = rows(engine, "imap")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.next_attempt_at is not None
    failed_at = row.next_attempt_at - BACKOFF[0]
    assert abs(failed_at - clock.now) < timedelta(seconds=5)
    with Session(engine) as session:
        from nazorg.delivery.state import summary as status_summary
        from nazorg.delivery.state import summary_lines as status_lines

        summary = status_summary(session, now=clock.now)
    assert summary["failed"] == 1 and summary["targets"]["imap"] == {"pending": 0, "failed": 1}
    assert "imap 0 wachtend, 1 mislukt" in status_lines(summary)[0]

    up = with_targets(settings, imap=imap_target(dovecot, certificates, user))
    early = deliver(engine, settings=up, today=INVITE_DAY, clock=Clock(clock.now))
    assert early.targets["imap"].delivered == 0 and rows(engine, "imap")[0].attempts == 1
    later = Clock(row.next_attempt_at)
    assert deliver(engine, settings=up, today=INVITE_DAY, clock=later).targets["imap"].delivered
    [row] = rows(engine, "imap")
    assert (row.status, row.attempts, row.last_error) == ("delivered", 2, None)
    assert len(dovecot.messages(*user)) == 1
    assert (
        deliver(engine, settings=up, today=INVITE_DAY, clock=later).targets["imap"].delivered == 0
    )


@dataclass
class Server:
    """One real server of a target, as the failure tests need it."""

    port: int
    config: Callable[..., Any]  # (port=None, password=None) -> the target's settings
    count: Callable[[], int]  # how many versions the server holds or received


def server_for(request: pytest.FixtureRequest, target: str) -> Server:
    """The server of `target`, started on first use: a test of one target does not need the
    others installed."""
    certificates: Certificates = request.getfixturevalue("certificates")
    if target == "imap":
        dovecot: Dovecot = request.getfixturevalue("dovecot")
        user = dovecot.add_user()
        return Server(
            dovecot.imaps_port,
            lambda port=None, password=None: imap_target(
                dovecot,
                certificates,
                (user[0], password or user[1]),
                port=port or dovecot.imaps_port,
            ),
            lambda: len(dovecot.messages(*user)),
        )
    if target == "smtp":
        sink: SmtpSink = request.getfixturevalue("smtp_sink")
        return Server(
            sink.port,
            lambda port=None, password=None: smtp_target(
                sink, certificates, port=port or sink.port, password=password or "smtp-geheim"
            ),
            lambda: len(sink.received),
        )
    radicale: Radicale = request.getfixturevalue("radicale")
    collection: tuple[str, str, str] = request.getfixturevalue("calendar")

    def config(port: int | None = None, password: str | None = None) -> CaldavTarget:
        url = collection[0].replace(f":{radicale.port}/", f":{port or radicale.port}/")
        return caldav_target(collection, url=url, password=password or collection[2])

    return Server(radicale.port, config, lambda: len(radicale.resources(*collection)))


@pytest.mark.parametrize("target", ["imap", "smtp", "caldav"])
def test_a_refused_login_is_recorded_without_the_password(
    db: Any, base: Settings, target: str, request: pytest.FixtureRequest
) -> None:
    server = server_for(request, target)
    settings = with_targets(base, **{target: server.config(password=SECRET)})
    report = invite_run(db, settings)
    result = report.after["delivery"]["targets"][target]
    assert result["failed"] == 1 and "geweigerd" in result["error"]
    assert "controleer username en het wachtwoord" in result["error"]
    [row] = rows(db)
    assert row.status == "failed" and row.last_error is not None
    assert SECRET not in json.dumps(report.as_json()) and SECRET not in row.last_error
    assert server.count() == 0


@pytest.mark.parametrize("target", ["imap", "smtp", "caldav"])
def test_a_connection_dropped_mid_way_is_retried_and_delivers_once(
    db: Any, base: Settings, target: str, request: pytest.FixtureRequest
) -> None:
    server = server_for(request, target)
    # Past the TLS handshake and the login, inside the message / the PUT body.
    proxy = CutProxy(server.port, cut_after=1000 if target == "caldav" else 3000)
    try:
        report = invite_run(db, with_targets(base, **{target: server.config(port=proxy.port)}))
    finally:
        proxy.stop()
    assert proxy.cuts >= 1
    result = report.after["delivery"]["targets"][target]
    assert result["failed"] == 1 and "geweigerd" not in result["failures"][0]["error"]
    [row] = rows(db)
    assert row.status == "failed" and row.next_attempt_at is not None
    assert server.count() == 0

    again = deliver(
        db,
        settings=with_targets(base, **{target: server.config()}),
        today=INVITE_DAY,
        clock=Clock(row.next_attempt_at),
    )
    assert again.targets[target].delivered == 1
    assert server.count() == 1


def test_a_server_that_accepts_and_hangs_up_blocks_only_its_own_target(
    db: Any, base: Settings, smtp_sink: SmtpSink, certificates: Certificates
) -> None:
    proxy = CutProxy(smtp_sink.port, cut_after=0)
    try:
        settings = with_targets(
            base,
            imap=ImapTarget(
                host="127.0.0.1", port=proxy.port, username="u", password="p", timeout=5
            ),
            smtp=smtp_target(smtp_sink, certificates),
        )
        register(db, settings, occurred=date(2026, 3, 2), today=date(2026, 3, 2))
        register(db, settings, employee="E3", occurred=date(2026, 3, 2), today=date(2026, 3, 2))
        report = run_daily(db, today=INVITE_DAY, clock=Clock(), settings=settings)
    finally:
        proxy.stop()
    result = report.after["delivery"]["targets"]
    assert result["smtp"]["delivered"] == 2 and len(smtp_sink.received) == 2
    assert result["imap"]["failed"] == 2 and proxy.connections == 1  # not tried again this run
    assert "verbroken" in result["imap"]["error"] or "EOF" in result["imap"]["error"]
    assert all(f["error"].startswith("niet geprobeerd") for f in result["imap"]["failures"][1:])


@pytest.mark.parametrize("target", ["imap", "caldav"])
def test_a_crash_between_delivering_and_recording_does_not_deliver_twice(
    db: Any, base: Settings, target: str, request: pytest.FixtureRequest
) -> None:
    server = server_for(request, target)
    settings = with_targets(base, **{target: server.config()})
    clock = Clock()
    invite_run(db, settings, clock)
    assert server.count() == 1
    # As if the process died after the server had it but before the row said so.
    with transaction(db) as session:
        session.execute(
            update(Delivery).values(
                status="delivering",
                delivered_at=None,
                claimed_at=clock.now,
                next_attempt_at=clock.now + CLAIM_TIMEOUT,
            )
        )
    first = deliver(db, settings=settings, today=INVITE_DAY, clock=clock)
    assert first.targets[target].delivered == 0  # a claim that may still be alive is left alone
    later = Clock(clock.now + CLAIM_TIMEOUT + timedelta(seconds=1))
    second = deliver(db, settings=settings, today=INVITE_DAY, clock=later)
    assert second.targets[target].delivered == 1
    [row] = rows(db)
    assert (row.status, row.attempts) == ("delivered", 2)
    if target == "imap":
        assert row.last_error == "stond al in de map (Message-ID gevonden)"
    assert server.count() == 1


def test_two_processes_delivering_at_once_deliver_each_version_once(
    engine: Any, settings: Settings, dovecot: Dovecot, certificates: Certificates
) -> None:
    load_team(engine)
    user = dovecot.add_user()
    configured = with_targets(settings, imap=imap_target(dovecot, certificates, user))
    for employee in ("E1", "E2", "E3"):
        register(
            engine, configured, employee=employee, occurred=date(2026, 3, 2), today=date(2026, 3, 2)
        )
    # Emit without delivering, then let two "processes" deliver at the same moment.
    run_daily(engine, today=INVITE_DAY, clock=Clock(), settings=settings)
    start = threading.Barrier(2)
    results: list[Any] = []

    def worker() -> None:
        start.wait()
        results.append(deliver(engine, settings=configured, today=INVITE_DAY, clock=Clock()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(r.targets["imap"].delivered for r in results) == 3
    assert sum(r.targets["imap"].failed for r in results) == 0
    assert len(dovecot.messages(*user)) == 3
    assert [r.status for r in rows(engine)] == ["delivered"] * 3


def test_a_new_target_starts_with_the_versions_of_the_day_it_is_first_used(
    db: Any, base: Settings, dovecot: Dovecot, certificates: Certificates
) -> None:
    user = dovecot.add_user()
    register(db, base, employee="E3", occurred=date(2026, 2, 16), today=date(2026, 2, 16))
    old = run_daily(db, today=date(2026, 3, 2), clock=Clock(), settings=base)  # before IMAP
    assert len(old.emitted) == 1
    settings = with_targets(base, imap=imap_target(dovecot, certificates, user))
    report = invite_run(db, settings)
    assert len(report.emitted) == 1
    assert report.after["delivery"]["targets"]["imap"]["new"] == 1
    assert len(dovecot.messages(*user)) == 1


def test_a_missing_outbox_file_waits_for_retry_and_a_folder_that_does_not_exist_is_named(
    db: Any, base: Settings, dovecot: Dovecot, certificates: Certificates
) -> None:
    user = dovecot.add_user()
    settings = with_targets(base, imap=imap_target(dovecot, certificates, user, folder="Nope"))
    report = invite_run(db, settings)
    error = report.after["delivery"]["targets"]["imap"]["failures"][0]["error"]
    assert "map 'Nope' bestaat niet" in error and "delivery.imap.folder" in error
    [eml] = list((base.outbox_dir).rglob("*.eml"))
    eml.rename(eml.with_suffix(".weg"))
    fixed = with_targets(base, imap=imap_target(dovecot, certificates, user))
    again = deliver(db, settings=fixed, today=INVITE_DAY, clock=Clock(), retry=True)
    [failure] = again.targets["imap"].failures
    assert "niet leesbaar" in failure["error"] and failure["next_attempt_at"] is None
    eml.with_suffix(".weg").rename(eml)
    done = deliver(db, settings=fixed, today=INVITE_DAY, clock=Clock(), retry=True)
    assert done.targets["imap"].delivered == 1


# --- the commands ---------------------------------------------------------------------------------


def test_deliver_and_status_on_the_command_line(
    cli_team: Cli,
    tmp_path: Path,
    dovecot: Dovecot,
    certificates: Certificates,
) -> None:
    user = dovecot.add_user()
    secret = tmp_path / "imap.pass"
    secret.write_text(user[1] + "\n")
    secret.chmod(0o600)
    env = {
        "NAZORG_DELIVERY__IMAP__HOST": "127.0.0.1",
        "NAZORG_DELIVERY__IMAP__PORT": str(closed_port()),
        "NAZORG_DELIVERY__IMAP__USERNAME": user[0],
        "NAZORG_DELIVERY__IMAP__PASSWORD_FILE": str(secret),
        "NAZORG_DELIVERY__IMAP__CA_FILE": str(certificates.ca),
        "NAZORG_DELIVERY__IMAP__TIMEOUT": "10",
    }
    cli_team.env.update(env)
    added = cli_team(
        "incident", "add", "--employee", "E1", "--date", "2026-03-02", "--kind", "geweld",
        "--by", "TCO",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    run = cli_team("run", "--json", today="2026-03-19")
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["delivery"]["targets"]["imap"]["failed"] == 1
    status = cli_team("status", today="2026-03-19")
    assert "afleveren:             imap 0 wachtend, 1 mislukt" in status.stdout
    assert "weigert de verbinding" in status.stdout
    failed = cli_team("deliver", "--retry", today="2026-03-19")
    assert failed.exit_code == 1 and "imap: 0 afgeleverd, 1 mislukt" in failed.stdout
    assert failed.stderr.startswith("fout: 1 aflevering(en) mislukt")
    assert user[1] not in failed.output + status.output + run.output

    cli_team.env["NAZORG_DELIVERY__IMAP__PORT"] = str(dovecot.imaps_port)
    done = cli_team("deliver", "--retry", "--json", today="2026-03-19")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["targets"]["imap"]["delivered"] == 1
    assert len(dovecot.messages(*user)) == 1
    status = cli_team("status", "--json", today="2026-03-19")
    assert json.loads(status.stdout)["delivery"]["failed"] == 0

    secret.chmod(0o640)
    unsafe = cli_team("deliver", today="2026-03-19")
    assert unsafe.exit_code == 1 and "chmod 600" in unsafe.output


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib (the Radicale helper) must not send 127.0.0.1 through a proxy."""
    for key in list(os.environ):
        if key.lower().endswith("_proxy"):
            monkeypatch.delenv(key)
