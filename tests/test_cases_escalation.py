"""Issue 15 follow-up: an overdue item of a report or recovery plan escalates in its own words.

The coordinator's draft names the item ("Buddy-contact", "Herstelplan: actie/evaluatie") and its
holder by their part (Buddy, Eigenaar, Houder), never as an aftercare conversation with a
leader; and like every draft it never carries the report's category or note or a measure's
description (canary). The check-in escalation keeps its wording (pinned here too).
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from nazorg.core.access import Principal
from nazorg.core.payload import EscalationNotice, Person
from nazorg.emission.reconcile import escalation_notice
from nazorg.emission.render.renderer import Renderer
from nazorg.jobs.daily import run_daily
from nazorg.services.cases import plans, reports
from nazorg.store.engine import transaction
from nazorg.store.models import FollowUp
from tests.conftest import FIXED_NOW, load_team
from tests.test_run import clock_at, outbox_files

STRICT = email.policy.default.clone(raise_on_defect=True)
VP = Principal(name="vp", roles=frozenset({"reports"}))
NOTE = "CANARY-e5c4 collega maakte seksistische grap"
DESCRIPTION = "CANARY-m3as gesprek met de dader"
FORBIDDEN = (b"CANARY", b"seksis", b"dader")


@pytest.fixture
def team(engine: Any) -> Any:
    load_team(engine)
    return engine


def _parse(raw: bytes) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a draft; the canary is checked on raw and decoded bytes."""
    for word in FORBIDDEN:
        assert word not in raw.lower()
    message = email.message_from_bytes(raw, policy=STRICT)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        if not part.is_multipart():
            decoded = part.get_payload(decode=True)
            assert isinstance(decoded, bytes)
            for word in FORBIDDEN:
                assert word not in decoded.lower()
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    text = str(plain.get_content()).replace("\r\n", "\n")
    return str(message["Subject"]), text, str(html.get_content())


def _case(session: Session, today: date, settings: Any, buddy: str | None) -> int:
    case = reports.add(
        session,
        VP,
        reports.NewCase("E1", date(2026, 9, 3), "seksisme", NOTE),
        today=today,
        now=FIXED_NOW,
        settings=settings,
    )
    assert case.id is not None
    if buddy:
        reports.investigate(
            session, VP, case.id, start=today, today=today, now=FIXED_NOW, settings=settings
        )
        reports.set_buddy(
            session, VP, case.id, employee=buddy, today=today, now=FIXED_NOW, settings=settings
        )
    return case.id


def test_an_overdue_buddy_contact_escalates_as_a_buddy_contact(team: Any, settings: Any) -> None:
    """Contact 1 of an investigation from 7 September (21 September) is not marked held: on
    6 October, 11 working days late, the coordinator gets "Buddy-contact niet als gehouden
    gemarkeerd" with the buddy as "Buddy"; no word of an aftercare conversation or a leader."""
    start = date(2026, 9, 7)
    with transaction(team) as session:
        _case(session, start, settings, buddy="E2")
    run_daily(team, today=date(2026, 9, 14), clock=clock_at(), settings=settings)
    report = run_daily(team, today=date(2026, 10, 6), clock=clock_at(), settings=settings)
    assert [e.method for e in report.emitted] == ["ESCALATION"]
    drafts = [p for p in outbox_files(settings, ".eml") if b"X-Unsent" in p.read_bytes()]
    escalation = [p.read_bytes() for p in drafts if b"niet als gehouden" in p.read_bytes()]
    assert len(escalation) == 1
    subject, text, html = _parse(escalation[0])
    assert subject == (
        "Buddy-contact niet als gehouden gemarkeerd: Eva Eerste (11 werkdagen te laat)"
    )
    assert "\n- Punt: Buddy-contact\n" in text
    assert "\n- Buddy: Jérôme Ğüneş\n" in text
    assert "<li>Buddy: Jérôme Ğüneş</li>" in html
    for body in (subject, text, html):
        assert "Leidinggevende" not in body and "nazorggesprek" not in body.lower()
    for path in outbox_files(settings, ""):
        assert all(word not in path.read_bytes().lower() for word in FORBIDDEN)


def _plan_items(team: Any, settings: Any, holder: str | None) -> dict[str, int]:
    today = date(2026, 9, 7)
    with transaction(team) as session:
        case_id = _case(session, today, settings, buddy=None)
        plan = plans.add_plan(
            session,
            VP,
            person="E1",
            case_id=case_id,
            incident_id=None,
            start=today,
            consent=False,
            holder=holder,
            today=today,
            now=FIXED_NOW,
            settings=settings,
        )
        assert plan.id is not None
        plans.add_measure(
            session,
            VP,
            plan.id,
            description=DESCRIPTION,
            owner="L2",
            target=date(2026, 9, 25),
            today=today,
            now=FIXED_NOW,
            settings=settings,
        )
    with Session(team) as session:
        rows = session.exec(select(FollowUp).where(FollowUp.plan_id == plan.id)).all()
        return {f.kind: f.id for f in rows if f.id is not None}


def _escalate(team: Any, settings: Any, followup_id: int) -> bytes:
    """The escalation draft of one item, as the daily run builds and renders it."""
    with Session(team) as session:
        followup = session.get(FollowUp, followup_id)
        assert followup is not None
        notice = escalation_notice(
            session,
            followup,
            today=date(2026, 12, 1),
            now=FIXED_NOW,
            settings=settings,
            sequence=0,
        )
    assert notice.recipients[0].email == str(settings.cases.coordinator.email)
    return Renderer(settings).render_escalation(notice)


@pytest.mark.parametrize(
    ("language", "kind", "holder", "subject", "lines"),
    [
        (
            "nl",
            "plan_action",
            "E3",
            "Herstelplan: actie niet als gedaan gemarkeerd: Eva Eerste",
            ("- Punt: Herstelplan: actie", "- Eigenaar: Lea Leider"),
        ),
        (
            "nl",
            "plan_review",
            "E3",
            "Herstelplan: evaluatie niet als gehouden gemarkeerd: Eva Eerste",
            ("- Punt: Herstelplan: evaluatie", "- Houder: Els Derde"),
        ),
        (
            "en",
            "plan_action",
            "E3",
            "Recovery plan: action not marked done: Eva Eerste",
            ("- Item: Recovery plan: action", "- Owner: Lea Leider"),
        ),
        (
            "en",
            "plan_review",
            "E3",
            "Recovery plan: review not marked held: Eva Eerste",
            ("- Item: Recovery plan: review", "- Holder: Els Derde"),
        ),
    ],
)
def test_an_overdue_plan_item_escalates_with_its_owner_or_holder(
    team: Any,
    settings: Any,
    language: str,
    kind: str,
    holder: str,
    subject: str,
    lines: tuple[str, ...],
) -> None:
    settings = settings.model_copy(update={"language": language})
    items = _plan_items(team, settings, holder)
    got_subject, text, html = _parse(_escalate(team, settings, items[kind]))
    assert got_subject.startswith(subject + " (")
    for line in lines:
        assert f"\n{line}\n" in text
        assert f"<li>{line[2:]}</li>" in html
    for body in (got_subject, text, html):
        for word in ("Leidinggevende", "Leader", "nazorggesprek", "aftercare"):
            assert word.lower() not in body.lower()


def _notice(kind: str, language: str, leader: Person | None) -> EscalationNotice:
    return EscalationNotice(
        followup_id=7,
        uid="u-1@nazorg.example",
        dtstamp=datetime(2026, 10, 6, 5, tzinfo=UTC),
        start=datetime(2026, 9, 21, 10, tzinfo=ZoneInfo("Europe/Amsterdam")),
        tzid="Europe/Amsterdam",
        organizer=Person("Meldingen", "meldingen@politie.example"),
        recipients=(Person("Coördinator", "c@politie.example"),),
        employee=Person("Eva Eerste", "eva@politie.example"),
        leader=leader,
        kind=kind,
        workdays_late=10,
        language=language,
        message_id="m-1@nazorg.example",
    )


@pytest.mark.parametrize(
    ("language", "kind", "subject", "line"),
    [
        (
            "nl",
            "buddy_contact",
            "Buddy-contact niet als gehouden gemarkeerd: Eva Eerste (10 werkdagen te laat)",
            "- Buddy: (niemand toegewezen)",
        ),
        (
            "en",
            "buddy_contact",
            "Buddy contact not marked held: Eva Eerste (10 working days late)",
            "- Buddy: (nobody assigned)",
        ),
        (
            "nl",
            "checkin_1m",
            "Nazorg niet gehouden: Nazorggesprek (1 maand) met Eva Eerste (10 werkdagen te laat)",
            "- Leidinggevende: (geen leidinggevende bekend)",
        ),
        (
            "en",
            "checkin_3m",
            "Aftercare not held: Aftercare conversation (3 months) with Eva Eerste"
            " (10 working days late)",
            "- Leader: (no leader known)",
        ),
    ],
)
def test_escalation_wording_per_kind_without_a_holder(
    settings: Any, language: str, kind: str, subject: str, line: str
) -> None:
    """Without a holder a case item says nobody is assigned; a check-in keeps its own words."""
    settings = settings.model_copy(update={"language": language})
    raw = Renderer(settings).render_escalation(_notice(kind, language, None))
    got_subject, text, _html = _parse(raw)
    assert got_subject == subject
    assert f"\n{line}\n" in text
