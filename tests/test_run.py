"""The daily run (issue 3): what is emitted, when, and exactly once."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import vobject
from sqlmodel import Session, col, select

from nazorg.emission.decide import decide
from nazorg.jobs.daily import run_daily
from nazorg.store.models import Emission, FollowUp, Run
from tests.conftest import FIXED_NOW, Cli, load_team, register

STRICT = email.policy.default.clone(raise_on_defect=True)


def clock_at(start: datetime = FIXED_NOW) -> Any:
    """A clock that ticks one second per call, so instants are distinct and rising."""
    state = {"now": start}

    def tick() -> datetime:
        state["now"] += timedelta(seconds=1)
        return state["now"]

    return tick


def outbox_files(settings: Any, suffix: str) -> list[Path]:
    return sorted(
        p
        for p in settings.outbox_dir.rglob(f"*{suffix}")
        if p.is_file() and not p.name.startswith(".")
    )


def emissions(engine: Any) -> list[Emission]:
    with Session(engine) as session:
        return list(session.exec(select(Emission).order_by(col(Emission.id))).all())


@pytest.fixture
def team(engine: Any) -> Any:
    load_team(engine)
    return engine


def test_an_invite_goes_out_the_lead_time_before_the_conversation(team: Any, settings: Any) -> None:
    # Incident Monday 2 March 2026 -> 1 month Thursday 2 April -> invite on Thursday 19 March.
    register(team, settings, occurred=date(2026, 3, 2), today=date(2026, 3, 2))
    assert (
        run_daily(team, today=date(2026, 3, 18), clock=clock_at(), settings=settings).emitted == []
    )
    report = run_daily(team, today=date(2026, 3, 19), clock=clock_at(), settings=settings)
    assert [(e.kind, e.method, e.sequence) for e in report.emitted] == [
        ("checkin_1m", "REQUEST", 0)
    ]
    assert report.emitted[0].recipients == ("lars@politie.example", "eva@politie.example")


def test_running_twice_on_the_same_day_emits_nothing_new(team: Any, settings: Any) -> None:
    register(team, settings, occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    first = run_daily(team, today=date(2026, 2, 20), clock=clock_at(), settings=settings)
    second = run_daily(team, today=date(2026, 2, 20), clock=clock_at(), settings=settings)
    assert len(first.emitted) == 1 and second.emitted == []
    assert len(outbox_files(settings, ".ics")) == 1
    assert len(outbox_files(settings, ".eml")) == 1


def test_a_catch_up_after_a_week_without_runs_emits_everything_due_in_between(
    team: Any, settings: Any
) -> None:
    for number, day in (("E1", 2), ("E2", 4), ("E3", 6)):
        register(
            team, settings, employee=number, occurred=date(2026, 1, day), today=date(2026, 1, day)
        )
    # Invites due on 19, 21 and 23 January; nothing ran that week.
    report = run_daily(team, today=date(2026, 1, 26), clock=clock_at(), settings=settings)
    assert sorted(e.recipients[1] for e in report.emitted) == [
        "els@politie.example",
        "eva@politie.example",
        "jerome@politie.example",
    ]
    assert (
        run_daily(team, today=date(2026, 1, 27), clock=clock_at(), settings=settings).emitted == []
    )


def test_a_dry_run_writes_nothing(team: Any, settings: Any) -> None:
    register(team, settings, occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    dry = run_daily(
        team, today=date(2026, 2, 20), clock=clock_at(), settings=settings, dry_run=True
    )
    assert [(e.method, e.sequence) for e in dry.emitted] == [("REQUEST", 0)]
    assert emissions(team) == [] and not settings.outbox_dir.exists()
    real = run_daily(team, today=date(2026, 2, 20), clock=clock_at(), settings=settings)
    assert len(real.emitted) == 1


def test_a_version_decided_but_not_written_is_written_by_the_next_run(
    team: Any, settings: Any
) -> None:
    """A run killed between deciding and writing loses nothing and doubles nothing."""
    register(team, settings, occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    decided = decide(team, today=date(2026, 2, 20), now=FIXED_NOW, settings=settings)
    assert len(decided) == 1 and not settings.outbox_dir.exists()
    report = run_daily(team, today=date(2026, 2, 21), clock=clock_at(), settings=settings)
    assert [(e.sequence, e.method) for e in report.emitted] == [(0, "REQUEST")]
    assert len(emissions(team)) == 1


def test_the_same_version_renders_to_the_same_bytes(team: Any, settings: Any) -> None:
    register(team, settings, occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    report = run_daily(team, today=date(2026, 2, 20), clock=clock_at(), settings=settings)
    ics = Path(report.emitted[0].ics)
    eml = Path(report.emitted[0].eml)
    first = (ics.read_bytes(), eml.read_bytes())
    # Forget that it was written: the next run writes it again, byte for byte.
    with Session(team) as session:
        row = session.exec(select(Emission)).one()
        row.written_at = None
        session.add(row)
        session.commit()
    ics.unlink()
    eml.unlink()
    again = run_daily(
        team,
        today=date(2026, 2, 27),
        clock=clock_at(FIXED_NOW + timedelta(days=9)),
        settings=settings,
    )
    assert len(again.emitted) == 1
    assert (ics.read_bytes(), eml.read_bytes()) == first


def test_a_ten_oclock_conversation_is_at_ten_on_both_sides_of_the_dst_change(
    team: Any, settings: Any
) -> None:
    # 1 month after Fri 27 Feb is Fri 27 March (CET); after Sat 28 Feb, Mon 30 March (CEST).
    register(team, settings, employee="E1", occurred=date(2026, 2, 27), today=date(2026, 2, 27))
    register(team, settings, employee="E3", occurred=date(2026, 2, 28), today=date(2026, 3, 2))
    report = run_daily(team, today=date(2026, 3, 20), clock=clock_at(), settings=settings)
    starts = {}
    for item in report.emitted:
        event = vobject.readOne(Path(item.ics).read_text(encoding="utf-8"), validate=True).vevent
        start = event.dtstart.value
        starts[item.recipients[1]] = (
            start.strftime("%Y-%m-%d %H:%M"),
            start.astimezone(UTC).strftime("%H:%MZ"),
        )
    assert starts == {
        "eva@politie.example": ("2026-03-27 10:00", "09:00Z"),
        "els@politie.example": ("2026-03-30 10:00", "08:00Z"),
    }


def test_an_incident_note_and_kind_never_reach_the_outbox(team: Any, settings: Any) -> None:
    canary = "CANARY-7f3a9 mishandeling met mes"
    register(
        team,
        settings,
        occurred=date(2026, 2, 2),
        today=date(2026, 2, 3),
        kind="schokkende-gebeurtenis",
        note=canary,
    )
    for day in (date(2026, 2, 20), date(2026, 4, 20), date(2026, 7, 30)):
        run_daily(team, today=day, clock=clock_at(), settings=settings)
    files = outbox_files(settings, "")
    assert len(files) == 8  # three invites, three drafts, two escalations (1 and 3 months)
    for path in files:
        raw = path.read_bytes()
        assert b"CANARY" not in raw and b"mishandeling" not in raw
        assert b"schokkende" not in raw
        if path.suffix == ".eml":  # also after decoding base64 / quoted-printable parts
            message = email.message_from_bytes(raw, policy=STRICT)
            for part in message.walk():
                if not part.is_multipart():
                    decoded = part.get_payload(decode=True)
                    assert b"CANARY" not in decoded and b"schokkende" not in decoded


def test_the_draft_carries_the_invite_with_the_same_method(team: Any, settings: Any) -> None:
    register(team, settings, employee="E2", occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    (item,) = run_daily(team, today=date(2026, 2, 20), clock=clock_at(), settings=settings).emitted
    message = email.message_from_bytes(Path(item.eml).read_bytes(), policy=STRICT)
    assert (
        str(message["To"])
        == "Lars Leider <lars@politie.example>, Jérôme Ğüneş <jerome@politie.example>"
    )
    calendar_parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert calendar_parts
    for part in calendar_parts:
        assert part.get_param("method") == "REQUEST"
    ics = Path(item.ics).read_bytes()
    assert b"METHOD:REQUEST\r\n" in ics
    assert any(p.get_payload(decode=True) == ics for p in message.walk() if not p.is_multipart())


def test_each_run_is_recorded(team: Any, settings: Any) -> None:
    register(team, settings, occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    run_daily(team, today=date(2026, 2, 20), clock=clock_at(), settings=settings)
    with Session(team) as session:
        (run,) = session.exec(select(Run)).all()
    assert (run.today, run.outcome, run.decided, run.written) == (date(2026, 2, 20), "ok", 1, 1)
    assert run.finished_at is not None and run.finished_at > run.started_at


def test_a_read_only_outbox_fails_the_run_and_keeps_the_version_pending(
    team: Any, settings: Any
) -> None:
    from nazorg.core.errors import OutboxError
    from nazorg.settings import Settings

    register(team, settings, occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    blocked = settings.outbox_dir.parent / "file-not-dir"
    blocked.write_text("x")
    bad = Settings(database_url=settings.database_url, outbox=blocked / "outbox", cycle_kinds=())
    with pytest.raises(OutboxError, match="klaarstaan voor de volgende run"):
        run_daily(team, today=date(2026, 2, 20), clock=clock_at(), settings=bad)
    with Session(team) as session:
        runs = session.exec(select(Run)).all()
        assert [r.outcome for r in runs] == ["failed"]
    report = run_daily(team, today=date(2026, 2, 21), clock=clock_at(), settings=settings)
    assert [(e.sequence, e.method) for e in report.emitted] == [(0, "REQUEST")]


def test_an_employee_without_a_leader_is_invited_with_the_teamchef(
    team: Any, settings: Any
) -> None:
    from nazorg.services import employees
    from nazorg.store.engine import transaction

    with transaction(team) as session:
        employees.update(
            session,
            "E3",
            employees.EmployeeChange(leader=""),
            actor="t",
            today=date(2026, 2, 1),
            now=FIXED_NOW,
        )
    register(team, settings, employee="E3", occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    (item,) = run_daily(team, today=date(2026, 2, 20), clock=clock_at(), settings=settings).emitted
    assert item.recipients == ("tineke@politie.example", "els@politie.example")


# --- through the CLI --------------------------------------------------------------------------


def test_run_json_lists_each_emission_with_its_files(cli_team: Cli) -> None:
    cli_team(
        "incident",
        "add",
        "--employee",
        "E1",
        "--date",
        "2026-02-02",
        "--kind",
        "geweld",
        "--by",
        "TCO",
        today="2026-02-03",
    )
    result = cli_team("run", "--json", today="2026-02-20")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["today"] == "2026-02-20"
    (item,) = data["emitted"]
    assert set(item) == {
        "followup_id",
        "kind",
        "method",
        "uid",
        "sequence",
        "recipients",
        "ics",
        "eml",
    }
    assert (item["kind"], item["method"], item["sequence"]) == ("checkin_1m", "REQUEST", 0)
    assert Path(item["ics"]).is_file() and Path(item["eml"]).is_file()
    assert json.loads(cli_team("run", "--json", today="2026-02-20").stdout)["emitted"] == []


def test_status_exits_non_zero_without_a_recent_successful_run(cli_team: Cli) -> None:
    never = cli_team("status")
    assert never.exit_code == 1
    assert "laatste geslaagde run: nooit" in never.stdout
    assert never.stderr.startswith("fout: de laatste geslaagde run is ouder dan 26 uur")
    assert cli_team("run").exit_code == 0
    fresh = cli_team("status", "--json")
    assert fresh.exit_code == 0
    assert json.loads(fresh.stdout)["stale"] is False


def test_a_dry_run_through_the_cli_writes_nothing(cli_team: Cli, tmp_path: Path) -> None:
    cli_team(
        "incident",
        "add",
        "--employee",
        "E1",
        "--date",
        "2026-02-02",
        "--kind",
        "geweld",
        "--by",
        "TCO",
        today="2026-02-03",
    )
    result = cli_team("run", "--dry-run", today="2026-02-20")
    assert result.exit_code == 0
    assert result.stdout.startswith("run voor 2026-02-20: 1 versie(s) zou maken\n")
    assert not (tmp_path / "outbox").exists()


def test_followups_past_their_plan_only_are_read(team: Any, settings: Any) -> None:
    """The run reads rows by `emit_on`, which is cleared once a version is decided."""
    register(team, settings, occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    run_daily(team, today=date(2026, 8, 1), clock=clock_at(), settings=settings)
    with Session(team) as session:
        pending = session.exec(select(FollowUp).where(col(FollowUp.emit_on).is_not(None))).all()
    assert pending == []


def test_a_conversation_whose_day_has_passed_gets_no_late_invite_but_an_escalation(
    team: Any, settings: Any
) -> None:
    register(team, settings, occurred=date(2026, 2, 2), today=date(2026, 2, 3))
    # The first run happens only after the conversation of Monday 2 March.
    report = run_daily(team, today=date(2026, 3, 20), clock=clock_at(), settings=settings)
    assert [(e.kind, e.method) for e in report.emitted] == [("checkin_1m", "ESCALATION")]


def test_deciding_a_batch_reads_its_people_in_two_queries_not_one_per_conversation(
    team: Any, settings: Any
) -> None:
    """On a database server every query is a round trip: the employees of a batch and their
    leaders are read together, whatever the number of conversations due."""
    from sqlalchemy import event

    for index in range(12):
        for employee in ("E1", "E2", "E3"):
            occurred = date(2026, 1, 19) + timedelta(days=index)
            register(team, settings, employee=employee, occurred=occurred, today=occurred)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(team, "before_cursor_execute", record)
    try:
        decided = decide(team, today=date(2026, 2, 20), now=FIXED_NOW, settings=settings)
    finally:
        event.remove(team, "before_cursor_execute", record)
    assert len(decided) >= 30
    employee_reads = [s for s in statements if s.lstrip().startswith("SELECT employee.")]
    assert len(employee_reads) == 2, employee_reads
