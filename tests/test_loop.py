"""Closing the loop (issue 4): every change reaches calendars as the right REQUEST or CANCEL."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import vobject

from nazorg.core.errors import NotFoundError, ValidationError
from nazorg.core.workdays import WorkCalendar
from nazorg.emission.write import Emitted
from nazorg.jobs.daily import run_daily
from nazorg.services import employees, followups
from nazorg.store.engine import transaction
from tests.conftest import FIXED_NOW, Cli, load_team, register

STRICT = email.policy.default.clone(raise_on_defect=True)
CAL = WorkCalendar()


class World:
    """A team in a database, a clock, and the daily run on any day."""

    def __init__(self, engine: Any, settings: Any) -> None:
        self.engine = engine
        self.settings = settings
        self.now = FIXED_NOW
        load_team(engine)

    def clock(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def run(self, day: date) -> list[Emitted]:
        return run_daily(self.engine, today=day, clock=self.clock, settings=self.settings).emitted

    def register(self, employee: str, occurred: date, today: date | None = None) -> list[int]:
        registration = register(
            self.engine,
            self.settings,
            employee=employee,
            occurred=occurred,
            today=today or occurred,
        )
        return [f.id for f in registration.followups]

    def change(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        with transaction(self.engine) as session:
            return fn(session, *args, **kwargs)


@pytest.fixture
def world(engine: Any, settings: Any) -> World:
    return World(engine, settings)


def parse(item: Emitted) -> Any:
    assert item.ics is not None
    calendar = vobject.readOne(Path(item.ics).read_text(encoding="utf-8"), validate=True)
    return calendar


def chain_of(items: list[Emitted]) -> list[tuple[str, int, str, str]]:
    """(METHOD, SEQUENCE, STATUS, attendee e-mails) of each version, checked as one chain."""
    result = []
    uids = set()
    stamps = []
    for item in items:
        cal = parse(item)
        event = cal.vevent
        uids.add(event.uid.value)
        stamps.append(event.dtstamp.value)
        attendees = ",".join(a.value.removeprefix("mailto:") for a in event.attendee_list)
        result.append((cal.method.value, int(event.sequence.value), event.status.value, attendees))
        message = email.message_from_bytes(Path(item.eml).read_bytes(), policy=STRICT)
        methods = {
            p.get_param("method") for p in message.walk() if p.get_content_type() == "text/calendar"
        }
        assert methods == {cal.method.value}
    assert len(uids) == 1, "one UID for the life of the conversation"
    sequences = [s for _m, s, _st, _a in result]
    assert sequences == sorted(set(sequences)), "SEQUENCE strictly rising"
    assert stamps == sorted(stamps), "DTSTAMP never goes back"
    return result


def test_request_update_and_cancel_of_one_conversation_form_a_valid_chain(world: World) -> None:
    first, *_ = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    sent = world.run(date(2026, 2, 20))
    world.change(
        followups.reschedule,
        first,
        at="2026-03-05 14:30",
        actor="TCO",
        today=date(2026, 2, 23),
        now=world.clock(),
        plan_for=world.settings.plan,
        calendar=CAL,
    )
    sent += world.run(date(2026, 2, 23))
    world.change(followups.decline, first, actor="TCO", today=date(2026, 2, 24), now=world.clock())
    sent += world.run(date(2026, 2, 24))
    assert chain_of([s for s in sent if s.followup_id == first]) == [
        ("REQUEST", 0, "CONFIRMED", "lars@politie.example,eva@politie.example"),
        ("REQUEST", 1, "CONFIRMED", "lars@politie.example,eva@politie.example"),
        ("CANCEL", 2, "CANCELLED", "lars@politie.example,eva@politie.example"),
    ]
    moved = parse(sent[1]).vevent.dtstart.value
    assert moved.strftime("%Y-%m-%d %H:%M %Z") == "2026-03-05 14:30 CET"
    assert world.run(date(2026, 2, 25)) == []


def test_a_leader_change_cancels_for_the_old_leader_and_invites_the_new_one_once(
    world: World,
) -> None:
    _first, second, _third = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    world.run(date(2026, 2, 20))  # only the first is sent
    world.change(
        employees.update,
        "E1",
        employees.EmployeeChange(leader="L2"),
        actor="HR",
        now=world.clock(),
        today=date(2026, 2, 23),
    )
    after = world.run(date(2026, 2, 23))
    assert chain_of(after) == [
        ("CANCEL", 1, "CANCELLED", "lars@politie.example"),
        ("REQUEST", 2, "CONFIRMED", "lea@politie.example,eva@politie.example"),
    ]
    assert world.run(date(2026, 2, 23)) == [] and world.run(date(2026, 2, 24)) == []
    # The conversation not yet sent simply goes to the new leader when due.
    later = [e for e in world.run(date(2026, 4, 20)) if e.method != "ESCALATION"]
    assert [(e.followup_id, e.method, e.sequence, e.recipients) for e in later] == [
        (second, "REQUEST", 0, ("lea@politie.example", "eva@politie.example"))
    ]


def test_a_leader_who_leaves_hands_the_conversations_to_the_teamchef(world: World) -> None:
    _first, *_ = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    world.run(date(2026, 2, 20))
    world.change(
        employees.update,
        "L1",
        employees.EmployeeChange(left_on=date(2026, 2, 28)),
        actor="HR",
        now=world.clock(),
        today=date(2026, 2, 23),
    )
    after = world.run(date(2026, 2, 23))
    assert [(e.method, e.recipients) for e in after] == [
        ("CANCEL", ("lars@politie.example",)),
        ("REQUEST", ("tineke@politie.example", "eva@politie.example")),
    ]


def test_an_employee_who_leaves_has_the_later_conversations_cancelled(world: World) -> None:
    _first, second, third = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    world.run(date(2026, 4, 20))  # the first two are sent
    changed = world.change(
        employees.update,
        "E1",
        employees.EmployeeChange(left_on=date(2026, 4, 1)),
        actor="HR",
        now=world.clock(),
        today=date(2026, 4, 21),
    )
    assert [f.id for f in changed[2]] == [second, third]
    after = world.run(date(2026, 4, 21))
    assert [(e.followup_id, e.method) for e in after] == [(second, "CANCEL")]
    assert world.run(date(2026, 8, 1)) == []  # the third was never sent: nothing to cancel


def test_declining_cancels_this_and_the_later_checkins_and_cannot_be_repeated(
    world: World,
) -> None:
    first, second, third = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    world.run(date(2026, 2, 20))
    world.change(
        followups.mark_held,
        first,
        outcome="goed",
        note=None,
        stop=False,
        actor="L1",
        today=date(2026, 3, 2),
        now=world.clock(),
    )
    world.run(date(2026, 4, 20))
    changed = world.change(
        followups.decline, second, actor="TCO", today=date(2026, 4, 21), now=world.clock()
    )
    assert [f.id for f in changed] == [second, third]
    assert [(e.followup_id, e.method) for e in world.run(date(2026, 4, 21))] == [(second, "CANCEL")]
    with pytest.raises(ValidationError, match="al afgezegd"):
        world.change(
            followups.decline, second, actor="TCO", today=date(2026, 4, 22), now=world.clock()
        )
    with pytest.raises(ValidationError, match="is al gehouden; afzeggen kan niet meer"):
        world.change(
            followups.decline, first, actor="TCO", today=date(2026, 4, 22), now=world.clock()
        )


def test_a_held_conversation_sends_nothing_and_stop_cancels_the_rest(world: World) -> None:
    _first, second, third = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    world.run(date(2026, 4, 20))
    changed = world.change(
        followups.mark_held,
        second,
        outcome="verwezen",
        note="bedrijfsarts",
        stop=True,
        actor="L1",
        today=date(2026, 5, 4),
        now=world.clock(),
    )
    assert [f.status for f in changed] == ["held", "cancelled"]
    assert world.run(date(2026, 5, 4)) == []  # third never sent, second held: nothing
    with pytest.raises(ValidationError, match="vervallen; als gehouden markeren kan niet meer"):
        world.change(
            followups.mark_held,
            third,
            outcome="goed",
            note=None,
            stop=False,
            actor="L1",
            today=date(2026, 5, 5),
            now=world.clock(),
        )
    with pytest.raises(NotFoundError, match="onbekend gesprek 999"):
        world.change(
            followups.mark_held,
            999,
            outcome="goed",
            note=None,
            stop=False,
            actor="L1",
            today=date(2026, 5, 5),
            now=world.clock(),
        )


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2026-03-07 10:00", "2026-03-07 valt in het weekend; kies een werkdag"),
        ("2026-04-27 10:00", "2026-04-27 is een feestdag (Koningsdag); kies een werkdag"),
        ("2026-02-27 10:00", "2026-02-27 10:00 ligt in het verleden"),
        ("2026-03-05", "--at: '2026-03-05' is geen geldig tijdstip"),
    ],
)
def test_reschedule_refuses_days_off_and_the_past(world: World, at: str, message: str) -> None:
    first, *_ = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        world.change(
            followups.reschedule,
            first,
            at=at,
            actor="TCO",
            today=date(2026, 3, 2),
            now=world.clock(),
            plan_for=world.settings.plan,
            calendar=CAL,
        )


def test_a_corrected_incident_date_replans_and_updates_what_was_sent(world: World) -> None:
    first, second, _third = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    world.run(date(2026, 2, 20))
    changed = world.change(
        followups.replan_incident,
        1,
        occurred_on=date(2026, 2, 9),
        actor="TCO",
        today=date(2026, 2, 23),
        now=world.clock(),
        plan_for=world.settings.plan,
        calendar=CAL,
    )
    assert [(f.id, f.due_on) for f in changed] == [
        (first, date(2026, 3, 9)),
        (second, date(2026, 5, 11)),
        (second + 1, date(2026, 8, 10)),
    ]
    after = world.run(date(2026, 2, 23))
    assert [(e.followup_id, e.method, e.sequence) for e in after] == [(first, "REQUEST", 1)]
    start = parse(after[0]).vevent.dtstart.value
    assert start.strftime("%Y-%m-%d %H:%M") == "2026-03-09 10:00"


def test_an_overdue_conversation_is_escalated_once_to_the_teamchef(world: World) -> None:
    first, *_ = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    world.run(date(2026, 2, 20))
    # Conversation Monday 2 March; 10 working days later is Monday 16 March: not yet overdue.
    assert world.run(date(2026, 3, 16)) == []
    escalated = world.run(date(2026, 3, 17))
    assert [(e.followup_id, e.method, e.ics, e.recipients) for e in escalated] == [
        (first, "ESCALATION", None, ("tineke@politie.example", "nazorg@politie.example"))
    ]
    message = email.message_from_bytes(Path(escalated[0].eml).read_bytes(), policy=STRICT)
    assert "11 werkdagen te laat" in str(message["Subject"])
    assert not [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Eva Eerste" in text and "Lars Leider" in text and "geweld" not in text
    assert world.run(date(2026, 3, 18)) == []


def test_a_held_conversation_is_never_escalated(world: World) -> None:
    first, *_ = world.register("E1", date(2026, 2, 2), date(2026, 2, 3))
    world.change(
        followups.mark_held,
        first,
        outcome="goed",
        note=None,
        stop=False,
        actor="L1",
        today=date(2026, 3, 2),
        now=world.clock(),
    )
    assert [e.method for e in world.run(date(2026, 3, 20))] == []


# --- through the CLI --------------------------------------------------------------------------


def test_followup_commands_say_what_the_next_run_sends(cli_team: Cli) -> None:
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
    assert cli_team("run", today="2026-02-20").exit_code == 0
    moved = cli_team(
        "followup", "reschedule", "1", "--at", "2026-03-05 14:30", "--by", "TCO", today="2026-02-23"
    )
    assert (moved.exit_code, moved.stdout) == (
        0,
        (
            "gesprek 1 verzet naar 2026-03-05 14:30\n"
            "volgende run: gesprek 1: REQUEST (volgnummer 1) aan lars@politie.example, "
            "eva@politie.example\n"
        ),
    )
    leader = cli_team("employee", "update", "E1", "--leader", "L2", "--json", today="2026-02-23")
    assert json.loads(leader.stdout)["next_run"] == [
        {
            "followup_id": 1,
            "method": "CANCEL",
            "sequence": 1,
            "recipients": ["lars@politie.example"],
            "send_on": None,
        },
        {
            "followup_id": 1,
            "method": "REQUEST",
            "sequence": 2,
            "recipients": ["lea@politie.example", "eva@politie.example"],
            "send_on": None,
        },
    ]
    done = cli_team(
        "followup", "done", "2", "--outcome", "verwezen", "--stop", "--by", "L2", today="2026-02-23"
    )
    assert done.stdout == (
        "gesprek 2 gehouden (uitkomst verwezen); 1 volgend(e) gesprek(ken) vervallen\n"
        "volgende run: niets te versturen\n"
    )
    again = cli_team("followup", "done", "2", "--outcome", "goed", "--by", "L2")
    assert (again.exit_code, again.stderr) == (
        1,
        "fout: gesprek 2 is al gehouden; als gehouden markeren kan niet meer\n",
    )
    bad = cli_team("followup", "done", "1", "--outcome", "prima", "--by", "L2")
    assert bad.stderr == "fout: onbekende uitkomst 'prima'; kies uit goed, aandacht, verwezen\n"


def test_agenda_overdue_and_status_list_late_conversations(cli_team: Cli) -> None:
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
    assert cli_team("agenda", "--overdue", today="2026-03-16").stdout == (
        "geen gesprekken te laat\n"
    )
    late = cli_team("agenda", "--overdue", "--json", today="2026-03-17")
    assert [(d["id"], d["due"]) for d in json.loads(late.stdout)] == [(1, "2026-03-02")]
    cli_team("run", today="2026-03-17")
    status = cli_team("status", "--json", today="2026-03-17")
    assert [d["id"] for d in json.loads(status.stdout)["overdue"]] == [1]
