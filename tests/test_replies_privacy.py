"""Answers to invites are personal data (issue 13, AVG): they are in the person's export (the
employee's answers and proposals on their conversations, and a leader's answers as an invitee),
erasure removes them (tests/test_replies.py), and the retention purge removes them with their
conversation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import select

from nazorg.core.access import operator
from nazorg.services import counters, followups
from nazorg.services.privacy.export import export_employee
from nazorg.services.privacy.retention import purge
from nazorg.store.engine import transaction
from nazorg.store.models import AttendeeReply, CounterProposal, Emission, FollowUp
from tests import test_replies
from tests.test_replies import EMPLOYEE, INVITE_DAY, LEADER, NOW, World, _proposal

world = test_replies.world  # the same conversation with its first invite written


def _export(world: World, number: str) -> dict[str, Any]:
    with transaction(world.engine) as session:
        return export_employee(session, number, actor="AVG-loket", now=NOW)


def test_the_export_holds_the_answers_of_the_employee_and_of_the_leader_as_invitee(
    world: World,
) -> None:
    proposal_id = _proposal(world)  # the employee proposes another time
    world.feed(world.outlook("DECLINED"))  # the leader declines
    with transaction(world.engine) as session:
        counters.reject(
            session,
            operator("TCO"),
            proposal_id,
            today=INVITE_DAY,
            now=NOW,
            settings=world.settings,
        )
    employee = _export(world, "E1")
    assert "replies" in employee["guide"] and "proposals" in employee["guide"]
    replies = {r["attendee"]: r for r in employee["replies"]}
    assert set(replies) == {EMPLOYEE, LEADER}
    own = replies[EMPLOYEE]
    assert (own["method"], own["by_you"], own["own_conversation"]) == ("COUNTER", True, True)
    assert replies[LEADER]["answer"] == "DECLINED" and replies[LEADER]["comment"] is None
    [proposal] = employee["proposals"]
    assert (proposal["id"], proposal["state"], proposal["decided_by"]) == (
        proposal_id,
        "rejected",
        "TCO",
    )
    assert proposal["start"] == "2026-04-07T11:00:00Z" and proposal["by_you"]
    leader = _export(world, "L1")
    [answer] = leader["replies"]
    assert (answer["attendee"], answer["answer"], answer["by_you"]) == (LEADER, "DECLINED", True)
    assert answer["own_conversation"] is False and answer["followup_id"] == world.followup_id
    assert leader["proposals"] == []
    assert _export(world, "E2")["replies"] == []  # nobody else's


def test_the_purge_removes_answers_and_proposals_with_their_conversation(world: World) -> None:
    proposal_id = _proposal(world)
    world.feed(world.outlook("DECLINED"))
    with transaction(world.engine) as session:
        counters.reject(
            session,
            operator("TCO"),
            proposal_id,
            today=INVITE_DAY,
            now=NOW,
            settings=world.settings,
        )
    world.run(date(2026, 3, 20))  # the DECLINECOUNTER is written
    with transaction(world.engine) as session:
        [written] = session.exec(select(CounterProposal)).all()
        files = [written.ics_path, written.eml_path]
        assert all(files)
        for f in session.exec(select(FollowUp)).all():
            followups.close(
                f,
                "held",
                actor="TCO",
                today=date(2026, 3, 20),
                now=datetime(2026, 3, 20, 10, tzinfo=UTC),
            )
            f.outcome = "goed"
            session.add(f)
    world.run(date(2026, 3, 23))  # CANCELs of what was sent
    with transaction(world.engine) as session:
        report = purge(
            session,
            today=date(2028, 6, 1),
            now=datetime(2028, 6, 1, 9, tzinfo=UTC),
            retention_months=24,
            outbox=world.settings.outbox_dir,
            actor="beheer",
        )
    assert report.followups >= 1
    assert world.count(AttendeeReply) == 0
    assert world.count(CounterProposal) == 0
    assert world.count(Emission) == 0
    assert not any(Path(p or "").exists() for p in files)


def test_erasure_removes_the_declinecounter_files_with_the_proposal(world: World) -> None:
    from nazorg.services.privacy.erasure import request_erasure

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
    world.run(date(2026, 3, 20))  # the DECLINECOUNTER is written
    with transaction(world.engine) as session:
        [written] = session.exec(select(CounterProposal)).all()
        files = [Path(p or "") for p in (written.ics_path, written.eml_path)]
        assert all(p.exists() for p in files)
        request_erasure(session, "E1", actor="AVG-loket", today=date(2026, 3, 20), now=NOW)
    world.run(date(2026, 3, 20))  # the CANCEL goes out
    report = world.run(date(2026, 3, 23))  # then the erasure completes
    assert report.after["privacy"]["erasures"]["completed"], report.after
    assert world.count(CounterProposal) == 0
    assert not any(p.exists() for p in files)
