"""Answers to invites read back (issue 13): REPLY and COUNTER recorded per attendee, what they
change in `status`, the agenda and escalation, hostile and stale answers ignored, proposals
accepted or rejected (DECLINECOUNTER checked with vobject). The IMAP round trips through a real
Dovecot are in tests/test_replies_imap.py.

The mails come from tests/itip_mails.py (Outlook, Google and Thunderbird shapes, built with
vobject and the standard library), with the UID of a real conversation.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, func, select

from nazorg.core.access import Principal, operator
from nazorg.core.errors import AccessDenied, ValidationError
from nazorg.core.workdays import WorkCalendar
from nazorg.jobs.daily import run_daily
from nazorg.services import agenda, counters, followups
from nazorg.services.agenda import Filters
from nazorg.services.replies import RepliesReport, process_message
from nazorg.services.reply_state import CONTACT_EMPLOYEE, NEEDS_NEW_TIME, PROPOSAL
from nazorg.services.status import status
from nazorg.settings import Settings
from nazorg.store.engine import make_engine, transaction
from nazorg.store.migrate import upgrade
from nazorg.store.models import AttendeeReply, AuditEvent, CounterProposal, Emission, FollowUp
from tests import itip_mails
from tests.conftest import FIXED_NOW, load_team, register

STRICT = email.policy.default.clone(raise_on_defect=True)
INVITE_DAY = date(2026, 3, 19)  # incident 2 March -> conversation Thursday 2 April 10:00
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
LEADER = "lars@politie.example"
EMPLOYEE = "eva@politie.example"


class Clock:
    def __init__(self, start: datetime = FIXED_NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class World:
    engine: Any
    settings: Settings
    followup_id: int
    uid: str
    clock: Clock
    monkeypatch: pytest.MonkeyPatch

    def feed(self, raw: bytes, now: datetime = NOW, actor: str = "system") -> RepliesReport:
        report = RepliesReport()
        with transaction(self.engine) as session:
            process_message(session, raw, report, now=now, actor=actor, calendar=WorkCalendar())
        return report

    def count(self, model: Any) -> int:
        with transaction(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(model)).one())

    def attention(self) -> tuple[str, ...]:
        with transaction(self.engine) as session:
            [item] = [
                i for i in agenda.find(session, Filters()) if i.followup.id == self.followup_id
            ]
            return item.attention

    def status_attention(self) -> list[dict[str, Any]]:
        with transaction(self.engine) as session:
            return status(session, today=INVITE_DAY, now=NOW).attention

    def run(self, today: date) -> Any:
        return run_daily(self.engine, today=today, clock=self.clock, settings=self.settings)

    def outlook(self, partstat: str, *, who: str = LEADER, sequence: int = 0, **kw: Any) -> bytes:
        ics = itip_mails.outlook_ics(
            partstat=partstat, attendee=who, uid=self.uid, sequence=sequence
        )
        return itip_mails.outlook_mail(ics, sender=kw.get("sender", f"Lars Leider <{who}>"))

    def thunderbird(self, partstat: str, *, who: str = EMPLOYEE, sequence: int = 0) -> bytes:
        self.monkeypatch.setattr(itip_mails, "UID", self.uid)
        ics = itip_mails.thunderbird_ics(partstat=partstat, attendee=who, sequence=sequence)
        return itip_mails.thunderbird_mail(ics, sender=who)

    def google_counter(
        self, start: datetime, *, who: str = EMPLOYEE, sender: str | None = None
    ) -> bytes:
        self.monkeypatch.setattr(itip_mails, "UID", self.uid)
        ics = itip_mails.google_ics(
            method="COUNTER",
            start=start,
            end=start + timedelta(minutes=45),
            attendee=who,
            partstat="NEEDS-ACTION",
        )
        return itip_mails.google_mail(ics, method="COUNTER", sender=sender or who)


@pytest.fixture
def world(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    engine = make_engine(database_url)
    upgrade(engine)
    load_team(engine)
    settings = Settings(database_url=database_url, outbox=tmp_path / "outbox", cycle_kinds=())
    first, *_ = register(
        engine, settings, occurred=date(2026, 3, 2), today=date(2026, 3, 2)
    ).followups
    clock = Clock()
    run_daily(engine, today=INVITE_DAY, clock=clock, settings=settings)
    with transaction(engine) as session:
        followup = session.get(FollowUp, first.id)
        assert followup is not None and followup.sequence == 0
        uid = followup.uid
    yield World(engine, settings, first.id, uid, clock, monkeypatch)
    engine.dispose()


def test_a_leader_who_declines_needs_a_new_time_everywhere_and_reading_twice_records_once(
    world: World,
) -> None:
    raw = world.outlook("DECLINED")
    report = world.feed(raw)
    assert (report.recorded, report.ignored) == (1, 0), report.lines
    assert world.attention() == (NEEDS_NEW_TIME,)
    [shown] = world.status_attention()
    assert shown["id"] == world.followup_id and shown["attention"] == [NEEDS_NEW_TIME]
    again = world.feed(raw)
    assert (again.recorded, [line["outcome"] for line in again.lines]) == (0, ["duplicate"])
    assert world.count(AttendeeReply) == 1
    with transaction(world.engine) as session:
        reply = session.exec(select(AttendeeReply)).one()
        assert (reply.attendee, reply.role, reply.partstat, reply.recorded_by) == (
            LEADER,
            "leader",
            "DECLINED",
            "system",
        )
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "followup.reply")).all()
        assert [a.actor for a in audit] == ["system"]


def test_a_declined_conversation_stays_unresolved_and_is_escalated_when_overdue(
    world: World,
) -> None:
    world.feed(world.outlook("DECLINED"))
    with transaction(world.engine) as session:
        followup = session.get(FollowUp, world.followup_id)
        assert followup is not None and followup.escalate_on is not None
        overdue_on = followup.escalate_on
    report = world.run(overdue_on)
    assert [e.method for e in report.emitted] == ["ESCALATION"]
    assert world.attention() == (NEEDS_NEW_TIME,)


def test_an_employee_who_declines_asks_for_contact_and_nothing_is_cancelled(world: World) -> None:
    report = world.feed(world.thunderbird("DECLINED"))
    assert report.recorded == 1, report.lines
    assert world.attention() == (CONTACT_EMPLOYEE,)
    assert world.run(date(2026, 3, 23)).emitted == []  # no CANCEL, no new version
    with transaction(world.engine) as session:
        followup = session.get(FollowUp, world.followup_id)
        assert followup is not None and followup.status == "planned"


def test_acceptance_needs_no_action_and_a_later_acceptance_overrides_a_decline(
    world: World,
) -> None:
    world.feed(world.thunderbird("DECLINED"))
    later = world.outlook("ACCEPTED", who=EMPLOYEE, sender=EMPLOYEE)  # DTSTAMP 14 March 09:15Z
    assert world.feed(later).recorded == 0  # older than the Thunderbird answer (09:45Z): stale
    ics = itip_mails.outlook_ics(
        partstat="ACCEPTED", attendee=EMPLOYEE, uid=world.uid, dtstamp="20260315T080000Z"
    )
    assert world.feed(itip_mails.outlook_mail(ics, sender=EMPLOYEE)).recorded == 1
    assert world.attention() == ()


def _nothing_changed(world: World) -> None:
    assert world.count(AttendeeReply) == 0
    assert world.count(CounterProposal) == 0
    assert world.attention() == ()
    assert world.status_attention() == []


def test_hostile_and_stale_answers_change_nothing(world: World) -> None:
    with transaction(world.engine) as session:
        events = session.exec(select(func.max(AuditEvent.id))).one() or 0
    hostile = {
        "unverified_sender": world.outlook("DECLINED", sender="Mallory <mallory@evil.example>"),
        "unknown_attendee": world.outlook("DECLINED", who="mallory@evil.example"),
        "unknown_sequence": world.outlook("DECLINED", sequence=7),
        "unknown_uid": itip_mails.outlook_mail(
            itip_mails.outlook_ics(partstat="DECLINED", attendee=LEADER, uid="other@x"),
            sender=LEADER,
        ),
        "malformed": b"From: lars@politie.example\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCAL",
    }
    for expected, raw in hostile.items():
        report = world.feed(raw)
        assert report.recorded == 0 and report.ignored >= 1, expected
        assert expected in [line["outcome"] for line in report.lines], (expected, report.lines)
    assert world.feed(b"\x00\xff garbage").recorded == 0
    _nothing_changed(world)
    # Only the wrong sender is kept, as "to review" for staff (an audit event nothing acts on).
    with transaction(world.engine) as session:
        added = session.exec(select(AuditEvent).where(col(AuditEvent.id) > events)).all()
        assert [e.action for e in added] == ["followup.reply.unverified"]
        assert "mallory@evil.example" in (added[0].details or "")

    # A reply to version 0 after version 1 went out is stale.
    with transaction(world.engine) as session:
        followups.reschedule(
            session,
            world.followup_id,
            at="2026-04-02 14:00",
            actor="TCO",
            today=INVITE_DAY,
            now=NOW,
            plan_for=world.settings.plan,
            calendar=WorkCalendar(),
        )
    assert [e.sequence for e in world.run(INVITE_DAY).emitted] == [1]
    stale = world.feed(world.outlook("DECLINED", sequence=0))
    assert [line["outcome"] for line in stale.lines] == ["stale"]
    _nothing_changed(world)


def test_a_decline_stops_counting_once_the_conversation_has_a_new_time(world: World) -> None:
    world.feed(world.outlook("DECLINED"))
    with transaction(world.engine) as session:
        followups.reschedule(
            session,
            world.followup_id,
            at="2026-04-02 14:00",
            actor="TCO",
            today=INVITE_DAY,
            now=NOW,
            plan_for=world.settings.plan,
            calendar=WorkCalendar(),
        )
    assert world.attention() == ()


def _proposal(world: World) -> int:
    start = datetime(
        2026, 4, 7, 11, 0, tzinfo=vobject.icalendar.utc
    )  # Tuesday 7 April 13:00 in Amsterdam
    report = world.feed(world.google_counter(start))
    assert (report.recorded, report.proposals) == (1, 1), report.lines
    assert world.attention() == (PROPOSAL,)
    with transaction(world.engine) as session:
        proposal = session.exec(select(CounterProposal)).one()
        assert proposal.id is not None
        return proposal.id


def test_an_invalid_counter_is_not_offered(world: World) -> None:
    past = world.feed(
        world.google_counter(datetime(2026, 3, 19, 9, 0, tzinfo=vobject.icalendar.utc))
    )
    saturday = world.feed(
        world.google_counter(datetime(2026, 4, 4, 9, 0, tzinfo=vobject.icalendar.utc))
    )
    for report in (past, saturday):
        assert [line["outcome"] for line in report.lines] == ["invalid_counter"]
    _nothing_changed(world)


def test_an_accepted_proposal_reschedules_through_the_normal_path(world: World) -> None:
    proposal_id = _proposal(world)
    with transaction(world.engine) as session:
        decision = counters.accept(
            session,
            operator("TCO"),
            proposal_id,
            today=INVITE_DAY,
            now=NOW,
            settings=world.settings,
        )
        assert [(p.method, p.sequence) for p in decision.next_run] == [("REQUEST", 1)]
    report = world.run(date(2026, 3, 20))
    [request] = report.emitted
    assert (request.method, request.sequence) == ("REQUEST", 1)
    ics = Path(request.ics or "").read_text()
    assert "DTSTART;TZID=Europe/Amsterdam:20260407T130000" in ics
    assert world.attention() == ()
    with (
        transaction(world.engine) as session,
        pytest.raises(ValidationError, match="al overgenomen"),
    ):
        counters.accept(
            session,
            operator("TCO"),
            proposal_id,
            today=INVITE_DAY,
            now=NOW,
            settings=world.settings,
        )


def test_a_rejected_proposal_sends_one_declinecounter(world: World) -> None:
    proposal_id = _proposal(world)
    with transaction(world.engine) as session:
        counters.reject(
            session,
            operator("TCO"),
            proposal_id,
            today=INVITE_DAY,
            now=NOW,
            settings=world.settings,
        )
    report = world.run(date(2026, 3, 20))
    [written] = report.emitted
    assert (written.method, written.recipients) == ("DECLINECOUNTER", (EMPLOYEE,))
    assert world.run(date(2026, 3, 23)).emitted == []  # exactly once
    cal = vobject.readOne(Path(written.ics or "").read_text(), validate=True)
    assert cal.method.value == "DECLINECOUNTER"
    event = cal.vevent
    assert event.uid.value == world.uid and event.sequence.value == "0"
    assert [a.value.lower() for a in event.contents["attendee"]] == [f"mailto:{EMPLOYEE}"]
    assert event.organizer.value.lower() == "mailto:nazorg@politie.example"
    message = email.message_from_bytes(Path(written.eml).read_bytes(), policy=STRICT)
    assert message["To"] == EMPLOYEE
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "DECLINECOUNTER"
    assert vobject.readOne(part.get_content()).vevent.uid.value == world.uid
    assert world.attention() == ()
    with transaction(world.engine) as session:
        versions = session.exec(select(Emission.purpose, Emission.method)).all()
        # The REQUEST, and the DECLINECOUNTER recorded for delivery (no new invite version).
        assert sorted(versions) == [("declinecounter", "DECLINECOUNTER"), ("invite", "REQUEST")]


def test_a_proposal_against_a_replaced_version_no_longer_asks_for_action(world: World) -> None:
    _proposal(world)
    with transaction(world.engine) as session:
        followups.reschedule(
            session,
            world.followup_id,
            at="2026-04-02 14:00",
            actor="TCO",
            today=INVITE_DAY,
            now=NOW,
            plan_for=world.settings.plan,
            calendar=WorkCalendar(),
        )
    assert world.attention() == (PROPOSAL,)  # version 0 is still what calendars hold
    world.run(INVITE_DAY)  # version 1 goes out
    assert world.attention() == ()


def test_only_staff_decide_a_proposal(world: World) -> None:
    proposal_id = _proposal(world)
    leader = Principal("lars", frozenset({"leader"}), employee_number="L1")
    manager = Principal("sector", frozenset({"management"}))
    for who in (leader, manager):
        for decide in (counters.accept, counters.reject):
            with transaction(world.engine) as session, pytest.raises(AccessDenied):
                decide(
                    session, who, proposal_id, today=INVITE_DAY, now=NOW, settings=world.settings
                )
    assert world.attention() == (PROPOSAL,)


def test_erasing_the_employee_removes_their_answers_and_proposals(world: World) -> None:
    from nazorg.services.privacy.erasure import request_erasure

    _proposal(world)
    world.feed(world.thunderbird("DECLINED"))
    with transaction(world.engine) as session:
        request_erasure(session, "E1", actor="AVG-loket", today=date(2026, 3, 20), now=NOW)
    world.run(date(2026, 3, 20))  # the CANCEL goes out; its files stay in the outbox a day
    report = world.run(date(2026, 3, 23))  # then the erasure completes
    assert report.after["privacy"]["erasures"]["completed"], report.after
    assert world.count(AttendeeReply) == 0
    assert world.count(CounterProposal) == 0


@given(st.binary(max_size=400), st.integers(min_value=0, max_value=3000))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_mutated_answer_never_raises_and_never_records_a_forged_one(
    world: World, noise: bytes, at: int
) -> None:
    """A real answer with bytes overwritten or spliced in anywhere: processing never raises,
    and whatever it records is an answer of an invitee of this conversation."""
    raw = world.outlook("DECLINED")
    mutated = raw[:at] + noise + raw[at + len(noise) // 2 :]
    world.feed(mutated)
    with transaction(world.engine) as session:
        for reply in session.exec(select(AttendeeReply)).all():
            assert reply.attendee in (LEADER, EMPLOYEE)
            assert reply.followup_id == world.followup_id
