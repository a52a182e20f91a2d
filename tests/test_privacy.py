"""Health data handled as the AVG requires (issue 6): audit trail, export, erasure, retention,
file modes and secrets."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import sqlite3
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select
from typer.testing import CliRunner

from nazorg.emission.write import Emitted
from nazorg.jobs.daily import run_daily
from nazorg.services import followups
from nazorg.services.privacy.erasure import ErasureOutcome, request_erasure
from nazorg.services.privacy.retention import purge
from nazorg.store.engine import transaction
from nazorg.store.models import (
    AuditEvent,
    Emission,
    Employee,
    Erasure,
    FollowUp,
    Incident,
    IncidentEmployee,
    RetentionCount,
)
from tests.conftest import FIXED_NOW, TEAM_CSV, Cli, load_team

STRICT = email.policy.default.clone(raise_on_defect=True)


# --- helpers -----------------------------------------------------------------------------------


def dump(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order: the whole database as data."""
    result = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if not sa.inspect(connection).has_table(table.name):
                continue
            keys = list(table.primary_key.columns)
            rows = connection.execute(sa.select(table).order_by(*keys)).all()
            result[table.name] = [tuple(r) for r in rows]
    return result


def texts_in_database(engine: Any) -> list[str]:
    """Every text value in every column of every table."""
    return [
        value
        for rows in dump(engine).values()
        for row in rows
        for value in row
        if isinstance(value, str)
    ]


def outbox_texts(outbox: Path) -> list[str]:
    """Every outbox file as text a person would read: .ics unfolded, .eml with every header and
    part decoded."""
    found = []
    for path in sorted(outbox.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        found.append(raw.decode("utf-8", "replace"))
        if path.suffix == ".ics":
            found.append(re.sub(r"\r\n[ \t]", "", raw.decode("utf-8")))
        if path.suffix == ".eml":
            message = email.message_from_bytes(raw, policy=STRICT)
            found += [str(v) for v in message.values()]
            for part in message.walk():
                if not part.is_multipart():
                    payload = part.get_payload(decode=True)
                    found.append(payload.decode("utf-8", "replace"))
                    found += [str(v) for v in part.values()]
    return found


def assert_nowhere(needles: list[str], haystack: list[str]) -> None:
    for needle in needles:
        escaped = json.dumps(needle)[1:-1]
        for text in haystack:
            assert needle.lower() not in text.lower(), (needle, text[:300])
            assert escaped.lower() not in text.lower(), (needle, text[:300])


class World:
    """A team in a database, a ticking clock, and the daily run on any day."""

    def __init__(self, engine: Any, settings: Any) -> None:
        self.engine = engine
        self.settings = settings
        self.now = FIXED_NOW
        load_team(engine)

    def clock(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def run(self, day: date) -> list[Emitted]:
        report = run_daily(self.engine, today=day, clock=self.clock, settings=self.settings)
        self.after = report.after
        return report.emitted

    def register(self, *employees: str, occurred: date, note: str | None = None) -> list[int]:
        from nazorg.core.workdays import WorkCalendar
        from nazorg.services import incidents

        with transaction(self.engine) as session:
            registration = incidents.register(
                session,
                employees=list(employees),
                occurred_on=occurred,
                kind="geweld",
                note=note,
                actor="TCO Piet",
                today=occurred,
                now=self.clock(),
                kinds=self.settings.incident_kinds,
                plan=self.settings.plan("geweld"),
                calendar=WorkCalendar(),
            )
            return [f.id for f in registration.followups if f.id is not None]

    def change(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        with transaction(self.engine) as session:
            return fn(session, *args, **kwargs)

    def erase(self, number: str, today: date) -> ErasureOutcome:
        return self.change(
            request_erasure, number, actor="AVG-loket", today=today, now=self.clock()
        )


@pytest.fixture
def world(engine: Any, settings: Any) -> World:
    return World(engine, settings)


@pytest.fixture
def db_cli(database_url: str, tmp_path: Path) -> Cli:
    """The CLI on SQLite and on PostgreSQL, initialised, with the test team imported."""
    env = {
        "NAZORG_DATABASE_URL": database_url,
        "NAZORG_OUTBOX": str(tmp_path / "outbox"),
        "NAZORG_TODAY": "2026-02-03",
        "NAZORG_USER": "tester",
        "NAZORG_CYCLE_KINDS": "[]",
    }
    cli = Cli(env, CliRunner())
    team = tmp_path / "team.csv"
    team.write_text(TEAM_CSV, encoding="utf-8")
    for args in (("init",), ("employee", "import", str(team))):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return cli


def add_incident(cli: Cli, *employees: str, note: str = "Eva Eerste zag het gebeuren") -> int:
    args = ["incident", "add", "--date", "2026-02-02", "--kind", "geweld", "--json"]
    for number in employees:
        args += ["--employee", number]
    result = cli(*args, "--note", note, "--by", "TCO Piet")
    assert result.exit_code == 0, result.output
    incident_id: int = json.loads(result.stdout)["incident_id"]
    return incident_id


def audit_of(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli("audit", "--json", *args)
    assert result.exit_code == 0, result.output
    events: list[dict[str, Any]] = json.loads(result.stdout)
    return events


# --- audit trail -------------------------------------------------------------------------------


def test_the_audit_trail_shows_who_registered_showed_and_exported(db_cli: Cli) -> None:
    incident_id = add_incident(db_cli, "E1", "E2")
    assert db_cli("incident", "show", str(incident_id)).exit_code == 0
    assert db_cli("export", "--employee", "E1", "--by", "Functionaris AVG").exit_code == 0
    events = audit_of(db_cli, "--employee", "E1")
    assert [(e["action"], e["actor"], e["entity"], e["entity_id"]) for e in events] == [
        ("employee.create", "tester", "employee", "E1"),
        ("followup.plan", "TCO Piet", "incident", str(incident_id)),
        ("incident.show", "tester", "incident", str(incident_id)),
        ("employee.export", "Functionaris AVG", "employee", "E1"),
    ]
    assert all(e["employee"] == "E1" and e["at"].endswith("Z") for e in events)
    # E2 saw the same incident shown, but not the export of E1's data.
    e2 = [e["action"] for e in audit_of(db_cli, "--employee", "E2")]
    assert e2 == ["employee.create", "followup.plan", "incident.show"]


def test_reading_commands_write_one_audit_record_per_person_shown(db_cli: Cli) -> None:
    add_incident(db_cli, "E1")
    add_incident(db_cli, "E3")
    before = len(audit_of(db_cli))
    assert db_cli("incident", "list").exit_code == 0
    assert db_cli("agenda", "--from", "2026-01-01", today="2026-02-03").exit_code == 0
    db_cli("status")  # exits 1 (no run yet) but shows the overdue list
    events = audit_of(db_cli)[before + 1 :]  # after the audit read itself
    listed = sorted((e["action"], e["employee"]) for e in events)
    assert listed == [
        ("agenda.show", "E1"),
        ("agenda.show", "E3"),
        ("incident.list", "E1"),
        ("incident.list", "E3"),
    ]
    agenda = next(e for e in events if e["action"] == "agenda.show" and e["employee"] == "E1")
    assert agenda["entity"] == "followup" and agenda["details"] == "followup 1, 2, 3"


def test_the_actor_is_by_else_nazorg_user_else_the_system_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nazorg.cli.common import actor_from_env

    monkeypatch.setenv("NAZORG_USER", "loket")
    assert actor_from_env(" Piet ") == "Piet"
    assert actor_from_env(None) == "loket"
    monkeypatch.delenv("NAZORG_USER")
    monkeypatch.setattr("getpass.getuser", lambda: "systeem")
    assert actor_from_env(None) == "systeem"


def test_a_failed_command_leaves_no_audit_record(db_cli: Cli) -> None:
    before = audit_of(db_cli)
    assert db_cli("incident", "show", "99").exit_code == 1
    assert db_cli("export", "--employee", "X9").exit_code == 1
    assert db_cli("audit", "--employee", "bad\nnumber").exit_code == 1
    after = audit_of(db_cli)
    assert after[: len(before)] == before
    assert [e["action"] for e in after[len(before) :]] == ["audit.show"]  # the first listing


def test_audit_from_a_date_and_as_a_table(db_cli: Cli) -> None:
    add_incident(db_cli, "E1")
    assert audit_of(db_cli, "--from", "2999-01-01") == []
    result = db_cli("audit", "--employee", "E1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Tijd", "(UTC)", "Wie", "Actie", "Object", "Medewerker", "Details"]
    assert "followup.plan" in lines[2] and "TCO Piet" in lines[2]
    bad = db_cli("audit", "--from", "2025-02-30")
    assert (bad.exit_code, bad.stderr) == (
        1,
        "fout: --from: '2025-02-30' is geen geldige datum; gebruik JJJJ-MM-DD, "
        "bijvoorbeeld 2026-03-02\n",
    )


def test_audit_records_cannot_be_changed_or_deleted_through_the_orm(engine: Any) -> None:
    load_team(engine)
    with Session(engine) as session:
        event = session.exec(select(AuditEvent)).first()
        assert event is not None
        event.details = "vervalst"
        session.add(event)
        with pytest.raises(RuntimeError, match="cannot be changed or deleted"):
            session.flush()
        session.rollback()
        event = session.exec(select(AuditEvent)).first()
        session.delete(event)
        with pytest.raises(RuntimeError, match="cannot be changed or deleted"):
            session.flush()


def test_no_command_changes_existing_audit_records(db_cli: Cli, tmp_path: Path) -> None:
    """Every command except erase only appends to the audit trail."""
    incident_id = add_incident(db_cli, "E1")
    trail = audit_of(db_cli)
    commands = [
        ("incident", "show", str(incident_id)),
        ("incident", "list"),
        ("incident", "update", str(incident_id), "--date", "2026-02-01"),
        ("agenda",),
        ("followup", "reschedule", "1", "--at", "2026-03-10 14:00"),
        ("followup", "done", "1", "--outcome", "goed"),
        ("followup", "decline", "2"),
        ("employee", "update", "E1", "--email", "eva.eerste@politie.example"),
        ("export", "--employee", "E1"),
        ("run",),
        ("purge",),
        ("status",),
    ]
    for args in commands:
        db_cli(*args)
        now = audit_of(db_cli)
        assert now[: len(trail)] == trail, args
        trail = now


# --- export ------------------------------------------------------------------------------------


def test_export_holds_everything_about_the_person_and_nobody_else(
    db_cli: Cli, tmp_path: Path
) -> None:
    incident_id = add_incident(db_cli, "E1", "E2", note="Eva raakte gewond")
    assert db_cli("run", today="2026-02-20").exit_code == 0
    done = db_cli("followup", "done", "1", "--outcome", "aandacht", "--note", "slaapt slecht")
    assert done.exit_code == 0, done.output
    assert db_cli("incident", "show", str(incident_id)).exit_code == 0
    out = tmp_path / "export-e1.json"
    result = db_cli("export", "--employee", "E1", "--output", str(out), "--by", "AVG-loket")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"export van E1 geschreven naar {out}\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "nazorg-export/1"
    assert data["employee"]["name"] == "Eva Eerste"
    assert data["employee"]["email"] == "eva@politie.example"
    (incident,) = data["incidents"]
    assert incident["note"] == "Eva raakte gewond"
    assert incident["other_employees_affected"] == 1
    assert [(f["kind"], f["status"], f["outcome"]) for f in data["followups"]] == [
        ("checkin_1m", "held", "aandacht"),
        ("checkin_3m", "planned", None),
        ("checkin_6m", "planned", None),
    ]
    assert data["followups"][0]["outcome_note"] == "slaapt slecht"
    (emission,) = data["emissions"]
    assert emission["method"] == "REQUEST" and len(emission["files"]) == 2
    assert emission["content"]["employee"]["name"] == "Eva Eerste"
    actions = [e["action"] for e in data["audit"]]
    assert actions[-3:] == ["followup.held", "incident.show", "employee.export"]
    assert "incident.create" in actions
    # The other person affected is counted, never named.
    text = out.read_text(encoding="utf-8")
    assert "E2" not in text and "Jérôme" not in text and "jerome@" not in text
    again = db_cli("export", "--employee", "E1", "--output", str(out))
    assert again.exit_code == 1
    assert "bestaat al; kies een nieuwe bestandsnaam" in again.stderr


def test_export_to_stdout_is_json_a_person_can_read(db_cli: Cli) -> None:
    add_incident(db_cli, "E2")
    result = db_cli("export", "--employee", "E2")
    assert result.exit_code == 0
    assert "Jérôme Ğüneş" in result.stdout  # readable: no \u escapes
    assert result.stdout.startswith('{\n  "format": "nazorg-export/1",')
    assert json.loads(result.stdout)["guide"]["incidents"].startswith("impactvolle incidenten")


# --- erasure -----------------------------------------------------------------------------------


def test_erasure_cancels_what_was_sent_then_leaves_no_trace_of_the_person(
    world: World, settings: Any
) -> None:
    world.register("E1", "E2", occurred=date(2026, 2, 2), note="Eva Eerste en Jérôme zagen het")
    world.register("E1", occurred=date(2026, 1, 26))
    sent = world.run(date(2026, 2, 20))
    assert sorted((e.followup_id, e.method) for e in sent) == [
        (1, "REQUEST"),
        (4, "REQUEST"),
        (7, "REQUEST"),
    ]
    # E1's first check-in of the January incident was held.
    world.change(
        followups.mark_held,
        7,
        outcome="verwezen",
        note="verwezen naar bedrijfsarts",
        stop=False,
        actor="Lars Leider",
        today=date(2026, 2, 26),
        now=world.clock(),
    )
    dump_e2_before = [
        row
        for row in dump(world.engine)["followup"]
        if row[3] == "E2"  # employee_number
    ]

    outcome = world.erase("E1", date(2026, 2, 26))
    assert not outcome.completed
    assert outcome.cancelled == 5  # all but the held one
    assert outcome.waiting == [
        "2 gesprek(ken) wachten op de dagelijkse run (die annuleert wat al verstuurd is)"
    ]

    # The next run sends the CANCEL (to the leader and E1) and keeps it a day in the outbox;
    # a held conversation stays in calendars as it was.
    cancels = world.run(date(2026, 2, 27))
    assert [(e.followup_id, e.method) for e in cancels] == [(1, "CANCEL")]
    for item in cancels:
        assert item.recipients == ("lars@politie.example", "eva@politie.example")
        assert b"METHOD:CANCEL\r\n" in Path(item.ics or "").read_bytes()
    assert world.after["privacy"]["erasures"]["completed"] == []
    assert any("Eva Eerste" in t for t in texts_in_database(world.engine))

    world.run(date(2026, 2, 28))
    assert world.after["privacy"]["erasures"]["completed"] == [outcome.pseudonym]

    assert_nowhere(
        ["Eva Eerste", "eva@politie.example"],
        texts_in_database(world.engine) + outbox_texts(settings.outbox_dir),
    )
    with Session(world.engine) as session:
        assert session.get(Employee, "E1") is None
        assert session.exec(select(FollowUp).where(FollowUp.employee_number == "E1")).all() == []
        # The shared incident stays for E2, its note pseudonymised; E1's own incident is gone.
        (incident,) = session.exec(select(Incident)).all()
        assert incident.note == f"{outcome.pseudonym} en Jérôme zagen het"
        links = session.exec(select(IncidentEmployee.employee_number)).all()
        assert links == ["E2"]
        # The audit trail keeps what happened, under the pseudonym; no row names E1.
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        assert not any(e.employee_number == "E1" or e.entity_id == "E1" for e in events)
        mine = [e.action for e in events if e.employee_number == outcome.pseudonym]
        assert mine == [
            "employee.create",
            "followup.plan",
            "followup.plan",
            "followup.held",
            "employee.erase",
            "employee.erased",
        ]
        (erasure,) = session.exec(select(Erasure)).all()
        assert erasure.employee_number is None and erasure.completed_on == date(2026, 2, 28)
    # E2's conversations are untouched, and E2's files are still there.
    assert [r for r in dump(world.engine)["followup"] if r[3] == "E2"] == dump_e2_before
    names = [p.name for p in settings.outbox_dir.rglob("*.ics")]
    assert names == ["nazorg-4-checkin_1m-000-request.ics"]


def test_erasing_someone_never_invited_is_done_at_once(world: World, settings: Any) -> None:
    world.register("E3", occurred=date(2026, 2, 2))
    outcome = world.erase("E3", date(2026, 2, 3))
    assert outcome.completed
    assert outcome.removed["incidents"] == 1 and outcome.removed["followups"] == 3
    assert_nowhere(["Els Derde", "els@politie.example"], texts_in_database(world.engine))
    assert world.run(date(2026, 2, 20)) == []  # nothing is ever sent for the erased person


def test_erasing_a_leader_waits_until_nobody_depends_on_them(world: World, settings: Any) -> None:
    from nazorg.core.errors import ValidationError
    from nazorg.services import employees

    world.register("E3", occurred=date(2026, 2, 2))
    world.run(date(2026, 2, 20))  # REQUEST to L2 (Lea Leider) and E3
    with pytest.raises(ValidationError, match=r"L2 is leidinggevende van E3; geef hen eerst"):
        world.erase("L2", date(2026, 2, 21))
    with pytest.raises(ValidationError, match=r"T1 is leidinggevende van L1, L2"):
        world.erase("T1", date(2026, 2, 21))
    world.change(
        employees.update,
        "E3",
        employees.EmployeeChange(leader="L1"),
        actor="HR",
        now=world.clock(),
        today=date(2026, 2, 23),
    )
    outcome = world.erase("L2", date(2026, 2, 23))
    assert outcome.waiting == ["gesprek 1 van een ander wacht op een versie aan deze persoon"]
    moved = world.run(date(2026, 2, 24))
    assert [(e.method, e.recipients) for e in moved] == [
        ("CANCEL", ("lea@politie.example",)),
        ("REQUEST", ("lars@politie.example", "els@politie.example")),
    ]
    world.run(date(2026, 2, 25))
    assert world.after["privacy"]["erasures"]["completed"] == [outcome.pseudonym]
    assert_nowhere(
        ["Lea Leider", "lea@politie.example"],
        texts_in_database(world.engine) + outbox_texts(settings.outbox_dir),
    )
    # E3's history is kept, with the former leader pseudonymised in it.
    with Session(world.engine) as session:
        versions = session.exec(select(Emission).order_by(col(Emission.id))).all()
        assert [json.loads(v.payload)["leader"]["name"] for v in versions] == [
            outcome.pseudonym,
            outcome.pseudonym,
            "Lars Leider",
        ]
    assert [p.name for p in sorted(settings.outbox_dir.rglob("*.ics"))] == [
        "nazorg-1-checkin_1m-002-request.ics"
    ]


def test_a_conversation_registered_during_a_pending_erasure_is_called_off(
    world: World,
) -> None:
    world.register("E1", occurred=date(2026, 2, 2))
    world.run(date(2026, 2, 20))
    outcome = world.erase("E1", date(2026, 2, 20))
    assert not outcome.completed
    world.register("E1", occurred=date(2026, 2, 20))  # somebody did not know
    world.run(date(2026, 2, 21))  # CANCEL of the first; the new one is called off here
    world.run(date(2026, 2, 22))
    assert world.after["privacy"]["erasures"]["completed"] == [outcome.pseudonym]
    with Session(world.engine) as session:
        assert session.exec(select(FollowUp)).all() == []


def test_erase_asks_for_confirmation_and_shows_what_will_go(db_cli: Cli, database_url: str) -> None:
    from nazorg.store.engine import make_engine

    add_incident(db_cli, "E1", "E2")
    assert db_cli("run", today="2026-02-20").exit_code == 0
    engine = make_engine(database_url)
    before = dump(engine)
    result = db_cli(
        "erase", "--employee", "E1", "--by", "AVG-loket", today="2026-02-20", input="nee\n"
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:6] == [
        "te wissen: Eva Eerste (E1)",
        "  incidenten:   1 (waarvan 1 gedeeld: blijven voor de anderen)",
        "  gesprekken:   3 (open: 3, daarvan al uitgenodigd en eerst geannuleerd: 1)",
        "  versies:      1 (2 bestand(en) in de outbox)",
        "  auditregels:  2 (blijven, onder een pseudoniem)",
        "  medewerkergegevens: naam, e-mail, team en rol",
    ]
    assert result.stderr == "fout: niet bevestigd; er is niets gewist\n"
    assert dump(engine) == before
    no_input = db_cli("erase", "--employee", "E1", "--by", "AVG-loket")
    assert no_input.exit_code == 1 and dump(engine) == before

    result = db_cli(
        "erase", "--employee", "E1", "--by", "AVG-loket", today="2026-02-20", input="ja\n"
    )
    assert result.exit_code == 0, result.output
    assert "wissen van E1 aangevraagd: 3 open gesprek(ken) vervallen" in result.stdout
    again = db_cli("erase", "--employee", "E1", "--by", "AVG-loket", "--yes")
    assert again.stdout.startswith("wissen van E1 is al aangevraagd; wacht op:\n")
    assert db_cli("run", today="2026-02-21").exit_code == 0
    assert db_cli("run", today="2026-02-22").exit_code == 0
    gone = db_cli("export", "--employee", "E1")
    assert gone.stderr == "fout: onbekende medewerker E1; zie 'nazorg employee list'\n"
    engine.dispose()


def test_erase_needs_by_and_an_existing_employee(db_cli: Cli) -> None:
    result = db_cli("erase", "--employee", "E1", "--yes")
    assert result.stderr == (
        "fout: geef met --by aan wie het wissen uitvoert (verplicht bij wissen)\n"
    )
    result = db_cli("erase", "--employee", "X9", "--by", "AVG-loket", "--yes")
    assert result.stderr == "fout: onbekende medewerker X9; zie 'nazorg employee list'\n"
    result = db_cli("erase", "--employee", "T1", "--by", "AVG-loket", "--yes")
    assert result.exit_code == 1
    assert result.stderr.startswith("fout: T1 kan (nog) niet worden gewist: T1 is leidinggevende")


def test_an_outbox_file_that_cannot_be_deleted_leaves_the_erasure_pending(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.register("E1", occurred=date(2026, 2, 2))
    world.run(date(2026, 2, 20))
    outcome = world.erase("E1", date(2026, 2, 20))
    world.run(date(2026, 2, 21))
    real_unlink = Path.unlink

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)
    world.run(date(2026, 2, 22))
    result = world.after["privacy"]["erasures"]
    assert result["completed"] == []
    assert "er is niets gewist" in result["errors"][0]
    with Session(world.engine) as session:
        assert session.get(Employee, "E1") is not None
    monkeypatch.setattr(Path, "unlink", real_unlink)
    world.run(date(2026, 2, 23))
    assert world.after["privacy"]["erasures"]["completed"] == [outcome.pseudonym]


# --- retention ---------------------------------------------------------------------------------


def close_all(world: World, number: str, day: date, instant: datetime) -> None:
    with transaction(world.engine) as session:
        for f in session.exec(select(FollowUp).where(FollowUp.employee_number == number)).all():
            if f.status == "planned":
                followups.close(f, "held", actor="Lars", today=day, now=instant)
                f.outcome = "goed"
                session.add(f)


def test_purge_removes_what_was_closed_long_ago_and_keeps_only_counts(
    world: World, settings: Any
) -> None:
    world.register("E1", occurred=date(2024, 1, 8))
    world.run(date(2024, 1, 26))  # the 1-month invite
    close_all(world, "E1", date(2024, 7, 1), datetime(2024, 7, 1, 9, tzinfo=UTC))
    world.run(date(2024, 7, 2))  # reconciles the held conversations: nothing to send
    world.register("E2", occurred=date(2024, 1, 8))  # still open: never purged
    world.register("E3", occurred=date(2025, 6, 2))
    close_all(world, "E3", date(2025, 6, 3), datetime(2025, 6, 3, 9, tzinfo=UTC))
    before = dump(world.engine)
    today = date(2026, 7, 2)  # cutoff 2024-07-02: E1's last conversation closed on 2024-07-01
    with transaction(world.engine) as session:
        dry = purge(
            session,
            today=today,
            now=world.clock(),
            retention_months=24,
            outbox=settings.outbox_dir,
            actor="beheer",
            dry_run=True,
        )
    assert (dry.incidents, dry.followups, dry.emissions, dry.files) == (1, 3, 1, 2)
    assert dump(world.engine) == before
    with transaction(world.engine) as session:
        report = purge(
            session,
            today=today,
            now=world.clock(),
            retention_months=24,
            outbox=settings.outbox_dir,
            actor="beheer",
        )
    assert report.as_json() == {**dry.as_json(), "dry_run": False}
    with Session(world.engine) as session:
        left = session.exec(select(FollowUp.employee_number)).all()
        assert sorted(set(left)) == ["E2", "E3"]
        assert session.exec(select(Emission)).all() == []
        counts = [
            (c.month, c.subject, c.kind, c.status, c.outcome, c.count)
            for c in session.exec(select(RetentionCount).order_by(col(RetentionCount.id)))
        ]
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "retention.purge")
        ).all()
    assert sorted(counts) == [
        ("2024-01", "incident", "geweld", "", "", 1),
        ("2024-02", "followup", "checkin_1m", "held", "goed", 1),
        ("2024-04", "followup", "checkin_3m", "held", "goed", 1),
        ("2024-07", "followup", "checkin_6m", "held", "goed", 1),
    ]
    assert event.employee_number is None
    assert event.details == (
        "afgesloten voor 2024-07-02: 1 incident(en), 3 gesprek(ken), 1 versie(s), "
        "2 bestand(en) verwijderd"
    )
    assert list(settings.outbox_dir.rglob("*.ics")) == []
    # A second purge of the same period changes nothing more.
    with transaction(world.engine) as session:
        again = purge(
            session,
            today=today,
            now=world.clock(),
            retention_months=24,
            outbox=settings.outbox_dir,
            actor="beheer",
        )
    assert (again.incidents, again.followups) == (0, 0)


def test_purge_removes_old_outbox_files_and_only_nazorgs(tmp_path: Path, engine: Any) -> None:
    outbox = tmp_path / "outbox"
    old_day = outbox / "2023-01-10"
    old_day.mkdir(parents=True)
    new_day = outbox / "2026-06-01"
    new_day.mkdir()
    old = [old_day / "nazorg-1-checkin_1m-000-request.ics", old_day / ".nazorg-x.eml.tmp"]
    other = old_day / "leesmij.txt"
    recent = new_day / "nazorg-2-checkin_1m-000-request.eml"
    stamp = datetime(2023, 1, 10, tzinfo=UTC).timestamp()
    for path in [*old, other, recent]:
        path.write_text("x")
    for path in [*old, other]:
        os.utime(path, (stamp, stamp))
    with transaction(engine) as session:
        report = purge(
            session,
            today=date(2026, 7, 1),
            now=FIXED_NOW,
            retention_months=24,
            outbox=outbox,
            actor="beheer",
        )
    assert report.outbox_files == 2
    assert sorted(p.relative_to(outbox).as_posix() for p in outbox.rglob("*")) == [
        "2023-01-10",
        "2023-01-10/leesmij.txt",
        "2026-06-01",
        "2026-06-01/nazorg-2-checkin_1m-000-request.eml",
    ]


def test_the_daily_run_purges_only_when_enabled(engine: Any, tmp_path: Path) -> None:
    from nazorg.settings import Settings

    base = {"database_url": str(engine.url), "outbox": tmp_path / "outbox", "cycle_kinds": ()}
    world = World(engine, Settings(**base))
    world.register("E1", occurred=date(2023, 1, 9))
    close_all(world, "E1", date(2023, 8, 1), datetime(2023, 8, 1, 9, tzinfo=UTC))
    world.run(date(2026, 3, 2))
    assert "purge" not in world.after["privacy"]
    world.settings = Settings(**base, purge_in_daily_run=True, retention_months=12)
    world.run(date(2026, 3, 3))
    assert world.after["privacy"]["purge"]["incidents"] == 1
    with Session(engine) as session:
        assert session.exec(select(Incident)).all() == []


def test_purge_command(db_cli: Cli) -> None:
    add_incident(db_cli, "E1")
    result = db_cli("purge", "--dry-run")
    assert (result.exit_code, result.stdout) == (
        0,
        "bewaartermijn 24 maanden (afgesloten voor 2024-02-03): zou verwijderen: "
        "0 incident(en), 0 gesprek(ken), 0 versie(s), 0 bestand(en)\n",
    )
    data = json.loads(db_cli("purge", "--json").stdout)
    assert data["retention_months"] == 24 and data["dry_run"] is False


# --- storage -----------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_and_outbox_are_readable_by_their_owner_only(
    tmp_path: Path, cli_team: Cli
) -> None:
    old = os.umask(0o022)  # a common, permissive umask: the modes must not depend on it
    try:
        env = dict(cli_team.env)
        db = tmp_path / "private" / "nazorg.db"
        outbox = tmp_path / "out" / "box"
        env["NAZORG_DATABASE_URL"] = f"sqlite:///{db}"
        env["NAZORG_OUTBOX"] = str(outbox)
        cli = Cli(env, cli_team.runner)
        assert cli("init").exit_code == 0
        team = tmp_path / "team.csv"
        assert cli("employee", "import", str(team)).exit_code == 0
        add_incident(cli, "E1")
        # The WAL and shared-memory files exist while a connection is open.
        connection = sqlite3.connect(db)
        try:
            connection.execute("SELECT count(*) FROM employee").fetchall()
            assert cli("run", today="2026-02-20").exit_code == 0
            sidecars = [Path(f"{db}-wal"), Path(f"{db}-shm")]
            assert all(p.exists() for p in sidecars)
            assert [mode(p) for p in [db, *sidecars]] == [0o600, 0o600, 0o600]
        finally:
            connection.close()
        assert mode(db.parent) == 0o700
        folders = [outbox, *(p for p in outbox.rglob("*") if p.is_dir())]
        files = [p for p in outbox.rglob("*") if p.is_file()]
        assert len(folders) == 2 and len(files) == 2
        assert {mode(p) for p in folders} == {0o700}
        assert {mode(p) for p in files} == {0o600}
    finally:
        os.umask(old)


def test_a_database_password_is_never_printed(tmp_path: Path) -> None:
    secret = "Geheim-Wachtwoord-42"
    env = {
        "NAZORG_DATABASE_URL": f"postgresql+psycopg://nazorg:{secret}@127.0.0.1:9/nazorg",
        "NAZORG_OUTBOX": str(tmp_path / "outbox"),
    }
    cli = Cli(env, CliRunner())
    for args in (("init",), ("agenda",), ("run",), ("audit",), ("purge",)):
        result = cli(*args)
        assert result.exit_code == 1, args
        assert secret not in result.output
        assert "Traceback" not in result.output
        assert result.stderr.startswith("fout: database ")
        assert result.stderr.count("\n") == 1


@pytest.mark.postgres
def test_init_shows_the_postgres_url_without_its_password(pg_url: str) -> None:
    user, rest = pg_url.split("://", 1)[1].split("@", 1)
    with_password = f"postgresql+psycopg://{user}:Geheim-42@{rest}"
    cli = Cli({"NAZORG_DATABASE_URL": with_password}, CliRunner())
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert "Geheim-42" not in result.output and ":***@" in result.output
