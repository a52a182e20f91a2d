"""Answers to invites on the web pages (issue 13): the dashboard and the conversation page show
what they ask for; only staff accept or reject a proposed time (a leader and management get 403
and nothing changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import vobject
from sqlmodel import select

from nazorg.core.workdays import WorkCalendar
from nazorg.jobs.daily import run_daily
from nazorg.services.replies import RepliesReport, process_message
from nazorg.store.engine import transaction
from nazorg.store.models import CounterProposal, FollowUp
from tests import itip_mails
from tests.webapp import NOW, Site, csrf_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _feed(site: Site, raw: bytes) -> RepliesReport:
    report = RepliesReport()
    with transaction(site.engine) as session:
        process_message(session, raw, report, now=NOW, actor="system", calendar=WorkCalendar())
    return report


def _uid(site: Site, followup_id: int) -> str:
    with transaction(site.engine) as session:
        followup = session.get(FollowUp, followup_id)
        assert followup is not None
        return followup.uid


@pytest.fixture
def answered(site: Site, monkeypatch: pytest.MonkeyPatch) -> tuple[Site, int]:
    """Invites out for E1 (leader L1) and E3 (leader L2); E1 proposes another time, L2 declines."""
    clock = iter(NOW + timedelta(seconds=n) for n in range(1000))
    run_daily(
        site.engine, today=date(2026, 3, 6), clock=lambda: next(clock), settings=site.settings
    )
    uid = _uid(site, site.e1_checkin)
    monkeypatch.setattr(itip_mails, "UID", uid)
    start = datetime(2026, 3, 24, 12, 0, tzinfo=vobject.icalendar.utc)  # Tuesday 13:00
    counter = itip_mails.google_mail(
        itip_mails.google_ics(
            method="COUNTER",
            start=start,
            end=start + timedelta(minutes=45),
            attendee="eva@politie.example",
            partstat="NEEDS-ACTION",
        ),
        method="COUNTER",
        sender="eva@politie.example",
    )
    assert _feed(site, counter).proposals == 1
    declined = itip_mails.outlook_mail(
        itip_mails.outlook_ics(
            partstat="DECLINED", attendee="lea@politie.example", uid=_uid(site, site.e3_checkin)
        ),
        sender="lea@politie.example",
    )
    assert _feed(site, declined).recorded == 1
    with transaction(site.engine) as session:
        proposal = session.exec(select(CounterProposal)).one()
        assert proposal.id is not None
        return site, proposal.id


def _state(site: Site) -> tuple[str, Any]:
    with transaction(site.engine) as session:
        proposal = session.exec(select(CounterProposal)).one()
        followup = session.get(FollowUp, site.e1_checkin)
        assert followup is not None
        return proposal.state, followup.start


def test_the_dashboard_and_the_page_show_what_answers_ask_for(answered: tuple[Site, int]) -> None:
    site, _proposal = answered
    staff = site.client("tineke")
    board = staff.get("/")
    assert board.status_code == 200
    assert "Actie nodig" in board.text
    assert "nieuwe tijd nodig" in board.text and "tijdvoorstel" in board.text
    page = staff.get(f"/gesprekken/{site.e3_checkin}")
    assert "nieuwe tijd nodig" in page.text and "afgeslagen" in page.text
    lars = site.client("lars").get("/")
    assert "tijdvoorstel" in lars.text and "nieuwe tijd nodig" not in lars.text  # not L1's


def test_only_staff_decide_a_proposal_on_the_web(answered: tuple[Site, int]) -> None:
    site, proposal_id = answered
    before = _state(site)
    path = f"/gesprekken/{site.e1_checkin}"
    lars = site.client("lars")
    page = lars.get(path)
    assert "tijdvoorstel" in page.text and "/overnemen" not in page.text
    token = csrf_of(lars, path)
    for verb in ("overnemen", "afwijzen"):
        refused = lars.post(f"{path}/tijdvoorstel/{proposal_id}/{verb}", data={"csrf_token": token})
        assert refused.status_code == 403, verb
    sector = site.client("sector")
    refused = sector.post(
        f"{path}/tijdvoorstel/{proposal_id}/overnemen", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    assert _state(site) == before

    staff = site.client("tineke")
    token = csrf_of(staff, path)
    assert f"{path}/tijdvoorstel/{proposal_id}/overnemen" in staff.get(path).text
    other = staff.post(
        f"/gesprekken/{site.e3_checkin}/tijdvoorstel/{proposal_id}/overnemen",
        data={"csrf_token": token},
    )
    assert other.status_code == 404  # a proposal of another conversation
    done = staff.post(f"{path}/tijdvoorstel/{proposal_id}/overnemen", data={"csrf_token": token})
    assert done.status_code == 303
    state, start = _state(site)
    assert state == "accepted"
    assert start.astimezone(UTC) == datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
    shown = staff.get(done.headers["location"])
    assert "Het tijdvoorstel is overgenomen" in shown.text


def test_an_answer_from_another_sender_is_shown_to_staff_only_to_review(
    answered: tuple[Site, int],
) -> None:
    from nazorg.store.models import AttendeeReply, AuditEvent

    site, _proposal = answered
    forged = itip_mails.outlook_mail(
        itip_mails.outlook_ics(
            partstat="DECLINED", attendee="lars@politie.example", uid=_uid(site, site.e1_checkin)
        ),
        sender="Secretariaat <secretariaat@politie.example>",
    )
    for _ in range(2):  # read twice: kept once
        report = _feed(site, forged)
        assert (report.recorded, [line["outcome"] for line in report.lines]) == (
            0,
            ["unverified_sender"],
        )
    with transaction(site.engine) as session:
        kept = session.exec(
            select(AuditEvent).where(AuditEvent.action == "followup.reply.unverified")
        ).all()
        assert [(e.entity_id, e.actor) for e in kept] == [(str(site.e1_checkin), "system")]
        assert not session.exec(
            select(AttendeeReply).where(AttendeeReply.attendee == "lars@politie.example")
        ).all()  # nothing acted on
    path = f"/gesprekken/{site.e1_checkin}"
    page = site.client("tineke").get(path)
    assert page.status_code == 200
    assert "Te beoordelen" in page.text and "secretariaat@politie.example" in page.text
    assert "nieuwe tijd nodig" not in page.text  # the forged decline changes nothing
    lars = site.client("lars").get(path)
    assert lars.status_code == 200
    assert "Te beoordelen" not in lars.text and "secretariaat@" not in lars.text
    sector = site.client("sector").get(path)
    assert "secretariaat@" not in sector.text


def test_the_dashboard_reads_the_answers_once_for_its_three_lists(
    answered: tuple[Site, int],
) -> None:
    from sqlalchemy import event

    from nazorg.core.access import Principal
    from nazorg.services import dashboard

    site, _proposal = answered
    staff = Principal(name="tineke", roles=frozenset({"staff"}))
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with transaction(site.engine) as session:
        event.listen(site.engine, "before_cursor_execute", record)
        try:
            board = dashboard.overview(
                session, staff, today=date(2026, 3, 16), now=NOW, settings=site.settings
            )
        finally:
            event.remove(site.engine, "before_cursor_execute", record)
    labels = {i.followup.id: i.attention for i in board.this_week.items}
    assert labels == {site.e1_checkin: ("tijdvoorstel",), site.e3_checkin: ("nieuwe tijd nodig",)}
    # Once for the three lists, once for the list needing action (and once to find its rows).
    assert len([s for s in seen if "FROM attendee_reply" in s]) == 3
