"""Issue 15: a report's buddy contact moments through the daily run into the outbox.

The done-when scenario: an investigation of 9 weeks with a buddy change after 4 weeks gives
exactly the versions of a hand-written table, and the report's category and note never reach a
file in the outbox (canary).
"""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from nazorg.core.access import Principal
from nazorg.jobs.daily import run_daily
from nazorg.services.cases import plans, reports
from nazorg.services.conversations import record_held
from nazorg.store.engine import transaction
from nazorg.store.models import FollowUp
from tests.conftest import FIXED_NOW, load_team
from tests.test_run import clock_at, outbox_files

STRICT = email.policy.default.clone(raise_on_defect=True)
VP = Principal(name="vp", roles=frozenset({"reports"}))
CANARY_NOTE = "CANARY-c4s3 collega maakte racistische grap"
CATEGORY = "racisme"

EVA, JEROME, ELS = "eva@politie.example", "jerome@politie.example", "els@politie.example"
COORDINATOR = "coordinator-meldingen@politie.example"
MAILBOX = "meldingen@politie.example"

#: Investigation from Monday 7 September 2026, contacts every 2 weeks (invites 7 days ahead),
#: buddy Jérôme (E2), after 4 weeks (Monday 5 October) Els (E3); closed after 9 weeks (Monday
#: 9 November). Contact 1 (21 September) is never marked held; 2 and 3 are held on their day.
#: Rows: (run day, contact number, method, SEQUENCE, recipients).
EXPECTED = [
    (date(2026, 9, 14), 1, "REQUEST", 0, (JEROME, EVA)),
    (date(2026, 9, 28), 2, "REQUEST", 0, (JEROME, EVA)),
    (date(2026, 10, 5), 2, "CANCEL", 1, (JEROME,)),  # the old buddy's open moment
    (date(2026, 10, 5), 2, "REQUEST", 2, (ELS, EVA)),  # ... goes to the new buddy
    (date(2026, 10, 6), 1, "ESCALATION", 0, (COORDINATOR, MAILBOX)),  # 10 working days late
    (date(2026, 10, 12), 3, "REQUEST", 0, (ELS, EVA)),
    (date(2026, 10, 26), 4, "REQUEST", 0, (ELS, EVA)),
    (date(2026, 11, 9), 1, "CANCEL", 1, (JEROME, EVA)),  # closing calls off what is open
    (date(2026, 11, 9), 4, "CANCEL", 1, (ELS, EVA)),
]


@pytest.fixture
def team(engine: Any) -> Any:
    load_team(engine)
    return engine


def _contacts(engine: Any) -> dict[int, int]:
    """followup id -> contact number (by date)."""
    with Session(engine) as session:
        rows = session.exec(
            select(FollowUp).where(FollowUp.kind == "buddy_contact").order_by(col(FollowUp.due_on))
        ).all()
    return {f.id: n for n, f in enumerate(rows, start=1) if f.id is not None}


def _held(engine: Any, settings: Any, day: date, number: int) -> None:
    ids = {n: i for i, n in _contacts(engine).items()}
    with transaction(engine) as session:
        record_held(
            session,
            VP,
            ids[number],
            outcome="goed",
            note=None,
            stop=False,
            today=day,
            now=FIXED_NOW,
            settings=settings,
        )


def test_nine_weeks_with_a_buddy_change_gives_exactly_the_table(team: Any, settings: Any) -> None:
    start, end = date(2026, 9, 7), date(2026, 11, 9)
    with transaction(team) as session:
        case = reports.add(
            session,
            VP,
            reports.NewCase("E1", date(2026, 9, 3), CATEGORY, CANARY_NOTE),
            today=start,
            now=FIXED_NOW,
            settings=settings,
        )
        case_id = case.id
        assert case_id is not None
        reports.investigate(
            session, VP, case_id, start=start, today=start, now=FIXED_NOW, settings=settings
        )
        reports.set_buddy(
            session, VP, case_id, employee="E2", today=start, now=FIXED_NOW, settings=settings
        )
    seen: list[tuple[date, int, str, int, tuple[str, ...]]] = []
    day = start
    while day <= end:
        if day == date(2026, 10, 5):
            with transaction(team) as session:
                reports.set_buddy(
                    session, VP, case_id, employee="E3", today=day, now=FIXED_NOW, settings=settings
                )
        if day == end:
            with transaction(team) as session:
                reports.close(
                    session, VP, case_id, on=day, outcome="afgerond", today=day, now=FIXED_NOW
                )
        report = run_daily(team, today=day, clock=clock_at(), settings=settings)
        numbers = _contacts(team)
        seen += [
            (day, numbers[e.followup_id], e.method, e.sequence, e.recipients)
            for e in report.emitted
        ]
        if day in (date(2026, 10, 5), date(2026, 10, 19)):
            _held(team, settings, day, {date(2026, 10, 5): 2, date(2026, 10, 19): 3}[day])
        day += timedelta(days=1)
    assert seen == EXPECTED
    # Delivered like any invite: every version is a file pair (the escalation a draft only).
    assert len(outbox_files(settings, ".ics")) == 8
    assert len(outbox_files(settings, ".eml")) == 9
    # Canary: nothing of the report's category or note reaches any outbox file.
    for path in outbox_files(settings, ""):
        raw = path.read_bytes()
        assert b"CANARY" not in raw and b"racis" not in raw.lower()
        if path.suffix == ".eml":
            message = email.message_from_bytes(raw, policy=STRICT)
            for part in message.walk():
                if not part.is_multipart():
                    decoded = part.get_payload(decode=True)
                    assert b"CANARY" not in decoded and b"racis" not in decoded.lower()
    summaries = [p.read_text(encoding="utf-8") for p in outbox_files(settings, ".ics")]
    assert all("SUMMARY:Buddy-contact – Eva Eerste" in s for s in summaries)


def test_plan_texts_never_carry_the_measure_or_the_note(team: Any, settings: Any) -> None:
    """Canary for recovery plans: an action reminder and the review say "Herstelplan: actie"
    and "Herstelplan: evaluatie" with names and a date, never the measure's description."""
    today = date(2026, 9, 7)
    with transaction(team) as session:
        case = reports.add(
            session,
            VP,
            reports.NewCase("E1", date(2026, 9, 3), "seksisme", CANARY_NOTE),
            today=today,
            now=FIXED_NOW,
            settings=settings,
        )
        assert case.id is not None
        plan = plans.add_plan(
            session,
            VP,
            person="E1",
            case_id=case.id,
            incident_id=None,
            start=today,
            consent=False,
            holder=None,
            today=today,
            now=FIXED_NOW,
            settings=settings,
        )
        assert plan.id is not None
        measure = plans.add_measure(
            session,
            VP,
            plan.id,
            description="CANARY-m3as gesprek met de dader over seksisme",
            owner="L2",
            target=date(2026, 9, 25),
            today=today,
            now=FIXED_NOW,
            settings=settings,
        )
    day = today
    while day <= date(2026, 10, 9):
        if day == date(2026, 9, 28):
            with transaction(team) as session:
                assert measure.id is not None
                plans.finish_measure(
                    session,
                    VP,
                    measure.id,
                    status="done",
                    on=day,
                    today=day,
                    now=FIXED_NOW,
                    settings=settings,
                )
        run_daily(team, today=day, clock=clock_at(), settings=settings)
        day += timedelta(days=1)
    texts = [p.read_bytes() for p in outbox_files(settings, "")]
    ics = [t.decode() for t in texts if b"BEGIN:VCALENDAR" in t]
    assert any("SUMMARY:Herstelplan: actie – Eva Eerste" in t for t in ics)
    assert any("SUMMARY:Herstelplan: evaluatie – Eva Eerste" in t for t in ics)
    for raw in texts:
        assert b"CANARY" not in raw and b"seksisme" not in raw and b"dader" not in raw
