"""Slots per holder through the service layer (issue 13): nobody has two conversations at once.

The check here is written independently of `nazorg.services.slots`: who holds a conversation
comes from `conversation_holder` (what the daily run puts in the invite), and two conversations
of one person must lie at least the gap apart, compared as UTC instants.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from nazorg.core.cycles import SELF_KINDS
from nazorg.core.planning import PLANNED
from nazorg.core.workdays import WorkCalendar
from nazorg.services import cycles, employees, incidents
from nazorg.services.slots import SlotPolicy
from nazorg.settings import Settings
from nazorg.store.engine import make_engine, transaction
from nazorg.store.migrate import upgrade
from nazorg.store.models import AuditEvent, Employee, FollowUp
from nazorg.store.queries import conversation_holder
from tests.conftest import Cli

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
GAP = timedelta(minutes=15)
CAL = WorkCalendar()


def organisation(leaders: dict[str, int]) -> bytes:
    """A team BT1: teamchef T1, the given leaders under T1, each with N employees."""
    rows = ["personnel_number,name,email,team,leader,role", "T1,Tineke,t1@p.example,BT1,,teamchef"]
    for leader, count in leaders.items():
        rows.append(f"{leader},Leider {leader},{leader.lower()}@p.example,BT1,T1,leidinggevende")
        for n in range(1, count + 1):
            number = f"{leader}E{n:02d}"
            rows.append(f"{number},Mw {number},{number.lower()}@p.example,BT1,{leader},medewerker")
    return ("\n".join(rows) + "\n").encode()


def load(engine: Any, leaders: dict[str, int]) -> None:
    with transaction(engine) as session:
        rows = employees.read_csv(organisation(leaders))
        employees.import_employees(session, rows, filename="org.csv", actor="t", now=NOW)


def register(
    engine: Any, config: Settings, numbers: list[str], occurred: date, today: date
) -> list[FollowUp]:
    with transaction(engine) as session:
        registration = incidents.register(
            session,
            employees=numbers,
            occurred_on=occurred,
            kind="geweld",
            note=None,
            actor="t",
            today=today,
            now=NOW,
            kinds=config.incident_kinds,
            plan=config.plan("geweld"),
            calendar=CAL,
            force=True,
            policy=SlotPolicy.of(config),
        )
        return [f for f in registration.followups if f.status == PLANNED]


def conversations_per_person(engine: Any) -> dict[str, list[tuple[datetime, datetime, int]]]:
    """Every open conversation as (start, end, id) in UTC, under each person taking part."""
    per: dict[str, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    with Session(engine) as session:
        for f in session.exec(select(FollowUp).where(FollowUp.status == PLANNED)).all():
            employee = session.get(Employee, f.employee_number)
            assert employee is not None and f.id is not None
            if f.kind in SELF_KINDS:
                people = {employee.personnel_number}
            else:
                holder = conversation_holder(session, employee, f.due_on)
                people = {employee.personnel_number}
                if holder is not None:
                    people.add(holder.personnel_number)
            start = f.start_local.replace(tzinfo=ZoneInfo(f.tzid)).astimezone(UTC)
            end = f.end_local.replace(tzinfo=ZoneInfo(f.tzid)).astimezone(UTC)
            for person in people:
                per[person].append((start, end, f.id))
    return per


def assert_nobody_double_booked(engine: Any, *, since: date) -> int:
    """No person has two open conversations (from `since` on) less than the gap apart, and every
    one lies on a working day within 09:00-16:00; returns how many were checked."""
    checked = 0
    for person, items in conversations_per_person(engine).items():
        items = sorted(i for i in items if i[0].astimezone(AMS).date() >= since)
        for (s0, e0, a), (s1, e1, b) in itertools.combinations(items, 2):
            apart = e0 + GAP <= s1 or e1 + GAP <= s0
            assert apart, f"{person}: conversations {a} and {b} overlap"
        for start, end, fid in items:
            local_start, local_end = start.astimezone(AMS), end.astimezone(AMS)
            assert CAL.is_workday(local_start.date()), fid
            assert time(9) <= local_start.time() and local_end.time() <= time(16), fid
            checked += 1
    return checked


def wall(f: FollowUp) -> str:
    return f"{f.start_local:%Y-%m-%d %H:%M}-{f.end_local:%H:%M}"


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, outbox=tmp_path / "outbox", cycle_kinds=())


@pytest.mark.parametrize("count", [2, 5, 20])
def test_employees_of_one_leader_in_one_incident_never_overlap(
    engine: Any, config: Settings, count: int
) -> None:
    load(engine, {"L1": count})
    numbers = [f"L1E{n:02d}" for n in range(1, count + 1)]
    planned = register(engine, config, numbers, date(2026, 3, 2), date(2026, 3, 2))
    assert len(planned) == 3 * count
    first = sorted((f for f in planned if f.kind == "checkin_1m"), key=lambda f: f.start_local)
    # 2 April 2026 is a Thursday; Good Friday (3 April) and Easter Monday (6 April) are days
    # off. From 10:00 on the hour until 15:00, then 09:00: seven a day, then the next working day.
    expected = sorted(
        [
            f"{day} {hour:02d}:00-{hour:02d}:45"
            for day in ("2026-04-02", "2026-04-07", "2026-04-08")
            for hour in (10, 11, 12, 13, 14, 15, 9)
        ][:count]
    )
    assert [wall(f) for f in first] == expected
    assert {f.due_on for f in first} == {date.fromisoformat(e[:10]) for e in expected}
    # The invite and escalation days follow the day the conversation landed on.
    for f in first:
        assert f.invite_on == f.due_on - timedelta(days=14)
        assert CAL.workdays_between(f.due_on, f.escalate_on or f.due_on) == 11
    assert assert_nobody_double_booked(engine, since=date(2026, 3, 2)) == 2 * 3 * count


def test_several_incidents_of_one_leader_share_the_leaders_slots(
    engine: Any, config: Settings
) -> None:
    load(engine, {"L1": 3})
    a = register(engine, config, ["L1E01"], date(2026, 3, 2), date(2026, 3, 2))
    b = register(engine, config, ["L1E02", "L1E03"], date(2026, 3, 2), date(2026, 3, 2))
    assert [wall(f) for f in a if f.kind == "checkin_1m"] == ["2026-04-02 10:00-10:45"]
    assert [wall(f) for f in b if f.kind == "checkin_1m"] == [
        "2026-04-02 11:00-11:45",
        "2026-04-02 12:00-12:45",
    ]
    assert assert_nobody_double_booked(engine, since=date(2026, 3, 2)) == 18


def test_check_ins_360_and_ro_in_the_same_week_never_overlap(
    engine: Any, database_url: str, tmp_path: Path
) -> None:
    """April 2026: the 1-month check-ins (2 April), the leaders' 360 round (1 April) and the
    R&O month (from 1 April) meet in one week, for leaders who also have their own R&O."""
    config = Settings(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        feedback_month=4,
        ro_month=4,
        cycle_horizon_months=3,
    )
    load(engine, {"L1": 4, "L2": 2})
    register(engine, config, ["L1E01", "L1E02", "L1E03", "L2E01"], date(2026, 3, 2), NOW.date())
    with transaction(engine) as session:
        created = cycles.generate(session, today=NOW.date(), now=NOW, settings=config, calendar=CAL)
        kinds = {f.kind for f in created}
    assert kinds == {"feedback_360", "development_plan", "ro"}
    with Session(engine) as session:
        week = session.exec(
            select(FollowUp)
            .where(col(FollowUp.due_on) >= date(2026, 4, 1))
            .where(col(FollowUp.due_on) <= date(2026, 4, 3))
            .where(FollowUp.slot_holder == "L1")
        ).all()
        assert {f.kind for f in week} >= {"checkin_1m", "feedback_360", "ro"}
    assert assert_nobody_double_booked(engine, since=NOW.date()) > 30


def test_a_new_leader_gets_the_conversation_in_a_free_slot_of_their_own(
    engine: Any, config: Settings
) -> None:
    load(engine, {"L1": 1, "L2": 1})
    mine = register(engine, config, ["L1E01"], date(2026, 3, 2), NOW.date())
    theirs = register(engine, config, ["L2E01"], date(2026, 3, 2), NOW.date())
    assert wall(mine[0]) == wall(theirs[0]) == "2026-04-02 10:00-10:45"  # two leaders
    with transaction(engine) as session:
        _, _, touched = employees.update(
            session,
            "L1E01",
            employees.EmployeeChange(leader="L2"),
            actor="t",
            now=NOW,
            today=NOW.date(),
            policy=SlotPolicy.of(config),
        )
        moved = {f.id: wall(f) for f in touched}
    assert moved[mine[0].id] == "2026-04-02 11:00-11:45"
    with Session(engine) as session:
        f = session.get(FollowUp, mine[0].id)
        assert f is not None and f.slot_holder == "L2" and f.emit_on == f.invite_on
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "followup.reslot")
            .order_by(col(AuditEvent.id))
        ).all()
        assert [e.entity_id for e in events] == [str(f.id) for f in mine]  # 1, 3 and 6 months
        assert {e.actor for e in events} == {"t"}
        assert events[0].details == (
            "nieuwe leidinggevende L2: 2026-04-02 10:00 -> 2026-04-02 11:00"
        )
    assert assert_nobody_double_booked(engine, since=NOW.date()) == 12


def test_reschedule_into_a_taken_slot_is_refused_naming_the_conversation(cli_team: Cli) -> None:
    """The CLI refuses with one line (exit 1), the same message as the web form."""
    added = cli_team("incident", "add", "--employee", "E1", "--employee", "E2", "--date",
                     "2026-02-20", "--kind", "geweld", "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    followups = json.loads(added.output)["followups"]
    e1, e2 = (next(f for f in followups if f["employee"] == n) for n in ("E1", "E2"))
    result = cli_team("followup", "reschedule", str(e1["id"]), "--at", "2026-03-20 11:30")
    assert result.exit_code == 1
    assert result.output.strip().endswith(
        f"2026-03-20 11:30 botst met gesprek {e2['id']} (nazorg 1 maand, E2) op "
        "2026-03-20 11:00-11:45 (met 15 minuten ertussen); kies een ander tijdstip"
    )
    outside = cli_team("followup", "reschedule", str(e1["id"]), "--at", "2026-03-20 15:30")
    assert outside.exit_code == 1 and "valt buiten de werktijd 09:00-16:00" in outside.output
    fine = cli_team("followup", "reschedule", str(e1["id"]), "--at", "2026-03-20 14:00")
    assert fine.exit_code == 0, fine.output


# --- the property: random organisations, through the services ----------------------------------


@st.composite
def organisations(draw: st.DrawFn) -> dict[str, Any]:
    leaders = {f"L{i}": draw(st.integers(1, 8)) for i in range(1, draw(st.integers(1, 3)) + 1)}
    people = [f"{leader}E{n:02d}" for leader, count in leaders.items() for n in range(1, count + 1)]
    incidents_ = draw(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from(people), min_size=1, max_size=len(people), unique=True),
                st.integers(0, 120),  # days before today the incident happened
            ),
            min_size=1,
            max_size=4,
        )
    )
    moves = draw(st.lists(st.tuples(st.sampled_from(people), st.sampled_from(sorted(leaders))),
                          max_size=2))  # fmt: skip
    return {
        "leaders": leaders,
        "incidents": incidents_,
        "cycles": draw(st.booleans()),
        "moves": moves,
    }


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(org=organisations())
def test_no_holder_ever_has_two_overlapping_conversations(org: dict[str, Any]) -> None:
    today = date(2026, 3, 2)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/p.db"
        engine = make_engine(url)
        upgrade(engine)
        config = Settings(
            database_url=url,
            outbox=Path(folder) / "outbox",
            feedback_month=4,
            ro_month=4,
            cycle_horizon_months=2,
            cycle_kinds=("feedback_360", "development_plan", "ro") if org["cycles"] else (),
        )
        load(engine, org["leaders"])
        for numbers, days_ago in org["incidents"]:
            register(engine, config, numbers, today - timedelta(days=days_ago), today)
        if org["cycles"]:
            with transaction(engine) as session:
                cycles.generate(session, today=today, now=NOW, settings=config, calendar=CAL)
        for number, leader in org["moves"]:
            with transaction(engine) as session:
                employees.update(
                    session,
                    number,
                    employees.EmployeeChange(leader=leader),
                    actor="t",
                    now=NOW,
                    today=today,
                    policy=SlotPolicy.of(config),
                )
        assert_nobody_double_booked(engine, since=today)
        engine.dispose()


# --- busy times from the CalDAV target (free-busy-query, RFC 4791 §7.10) --------------------------

BUSY_EVENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\n"
    "BEGIN:VEVENT\r\nUID:mt-overleg@test\r\nDTSTAMP:20260301T080000Z\r\n"
    "DTSTART:20260402T080000Z\r\nDTEND:20260402T100000Z\r\nSUMMARY:MT-overleg\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_busy_times_in_the_leaders_calendar_are_avoided(
    engine: Any, database_url: str, tmp_path: Path, radicale: Any
) -> None:
    """An MT meeting 10:00-12:00 on 2 April in the leader's calendar (real Radicale): the
    check-in that would be at 10:00 goes to 12:15, after the meeting and the gap."""
    from nazorg.delivery.freebusy import busy_times
    from nazorg.settings.delivery import CaldavTarget

    radicale.add_user("agenda", "dav-geheim")
    url = radicale.make_calendar("agenda", "dav-geheim")
    path = url.removeprefix(radicale.url)
    status, _ = radicale._request(
        "PUT", path + "mt.ics", ("agenda", "dav-geheim"), BUSY_EVENT.encode(),
        **{"Content-Type": "text/calendar; charset=utf-8"},
    )  # fmt: skip
    assert status in (200, 201)
    target = {"url": url, "username": "agenda", "password": "dav-geheim", "timeout": 10}
    on = Settings(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        cycle_kinds=(),
        delivery={"caldav": {**target, "free_busy": True}},
    )
    start = datetime(2026, 4, 1, tzinfo=UTC)
    assert busy_times(CaldavTarget(**target), "dav-geheim", "x", start, start + timedelta(7)) == [
        (datetime(2026, 4, 2, 8, tzinfo=UTC), datetime(2026, 4, 2, 10, tzinfo=UTC))
    ]
    load(engine, {"L1": 2})
    [first, *_] = register(engine, on, ["L1E01"], date(2026, 3, 2), NOW.date())
    assert wall(first) == "2026-04-02 12:15-13:00"
    # Without the option (or with the calendar down) the meeting is unknown: 10:00 as before.
    off = Settings(database_url=database_url, outbox=tmp_path / "o2", cycle_kinds=())
    [second, *_] = register(engine, off, ["L1E02"], date(2026, 3, 2), NOW.date())
    assert wall(second) == "2026-04-02 10:00-10:45"
    down = {**target, "url": "http://127.0.0.1:9/nope/", "free_busy": True}
    assert busy_times(CaldavTarget(**down), None, "x", start, start + timedelta(7)) == []


def test_free_busy_periods_with_an_end_or_a_duration_and_never_free() -> None:
    from nazorg.delivery.freebusy import parse_free_busy

    answer = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VFREEBUSY\r\n"
        b"DTSTAMP:20260101T000000Z\r\n"
        b"FREEBUSY:20260402T080000Z/20260402T100000Z,20260403T080000Z/PT1H\r\n"
        b"FREEBUSY;FBTYPE=FREE:20260404T080000Z/PT1H\r\n"
        b"FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260401T080000Z/PT30M\r\n"
        b"END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
    )
    at = lambda d, h, m=0: datetime(2026, 4, d, h, m, tzinfo=UTC)  # noqa: E731
    assert parse_free_busy(answer) == [
        (at(1, 8), at(1, 8, 30)),
        (at(2, 8), at(2, 10)),
        (at(3, 8), at(3, 9)),
    ]


def test_a_persons_taken_times_are_read_through_their_own_indexes(engine: Any) -> None:
    """Planning reads one person's conversations, never a scan of everybody's (the daily run and
    registration must not slow down as the history grows)."""
    from sqlalchemy import text

    from nazorg.services.slots import conversations_of

    if engine.dialect.name != "sqlite":
        pytest.skip("the plan is SQLite's")
    query = conversations_of("L1", date(2026, 3, 2))
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        plan = " ".join(str(r[-1]) for r in connection.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_followup_slot_holder_day" in plan
    # The employee's part through an index that starts with employee_number: the plain one or
    # migration 0013's (employee_number, kind, due_on, status), whichever SQLite prefers.
    assert re.search(r"USING (COVERING )?INDEX ix_followup_employee_\w+ \(employee_number=\?", plan)
    assert "SCAN" not in plan
