"""What one page request writes: the audit trail of what it showed (one record per person, with
the logged-in user, in one statement and in the page's transaction) and the session's last-seen
time (at most once a minute, without the write lock when nothing is due)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from nazorg.services import audit
from nazorg.store.engine import transaction
from nazorg.store.models import AuditEvent, WebSession
from tests.webapp import NOW, TODAY, Site

PARAMETERS: dict[str, Any] = {}


@contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block (one per executemany)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))
        PARAMETERS[seen[-1]] = parameters

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _events(site: Site, after: int = 0) -> list[AuditEvent]:
    with transaction(site.engine) as session:
        query = select(AuditEvent).where(col(AuditEvent.id) > after).order_by(col(AuditEvent.id))
        return list(session.exec(query).all())


def _last_id(site: Site) -> int:
    return max((e.id or 0 for e in _events(site)), default=0)


def test_a_page_audits_every_person_shown_with_its_user_in_one_statement(site: Site) -> None:
    client = site.client("tineke")
    before = _last_id(site)
    with statements(site.engine) as seen:
        page = client.get("/gesprekken?van=2026-03-01")
    assert page.status_code == 200
    assert "Eva Eerste" in page.text and "Els Derde" in page.text
    inserts = [s for s in seen if s.startswith("INSERT INTO audit_event")]
    assert len(inserts) == 1, inserts
    shown = [(e.actor, e.action, e.entity, e.employee_number) for e in _events(site, before)]
    assert shown == [
        ("tineke", "agenda.show", "followup", "E1"),
        ("tineke", "agenda.show", "followup", "E3"),
    ]
    e1 = next(e for e in _events(site, before) if e.employee_number == "E1")
    assert e1.details is not None and str(site.e1_checkin) in e1.details.split(" ", 1)[1]
    assert e1.at == NOW


def test_the_dashboard_audits_the_people_it_shows_with_each_user(site: Site) -> None:
    from nazorg.web.app import create_app

    # The week of 16 March 2026 holds the first check-ins of E1 (held by L1) and E3 (L2).
    site.app = create_app(
        site.settings, engine=site.engine, clock=lambda: NOW, today=lambda: date(2026, 3, 16)
    )
    for user, people in (("tineke", {"E1", "E3"}), ("lars", {"E1"})):
        client = site.client(user)
        before = _last_id(site)
        with statements(site.engine) as seen:
            assert client.get("/").status_code == 200
        shown = {(e.actor, e.action, e.employee_number) for e in _events(site, before)}
        assert shown == {(user, "agenda.show", number) for number in people}
        # One statement per list shown (this week, next week, overdue, needing attention).
        assert len([s for s in seen if s.startswith("INSERT INTO audit_event")]) <= 4


def test_audited_reads_are_rolled_back_with_their_transaction_and_keep_their_order(
    engine: Any,
) -> None:
    seen = [("E1", 1), ("E1", 2), ("E3", 7), ("E3", 7), ("E4", None)]
    with pytest.raises(RuntimeError), transaction(engine) as session:
        audit.audit_reads(
            session, now=NOW, actor="tineke", action="agenda.show", entity="followup", seen=seen
        )
        raise RuntimeError("the page failed")
    with transaction(engine) as session:
        assert session.exec(select(AuditEvent)).all() == []
    with transaction(engine) as session:
        audit.record(session, now=NOW, actor="tineke", action="x", entity="y", entity_id=1)
        written = audit.audit_reads(
            session, now=NOW, actor="tineke", action="agenda.show", entity="followup", seen=seen
        )
    assert written == 3
    with transaction(engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    rows = [(e.action, e.employee_number, e.entity_id, e.details) for e in events]
    assert rows == [
        ("x", None, "1", None),  # written before the reads, so listed before them
        ("agenda.show", "E1", "*", "followup 1, 2"),
        ("agenda.show", "E3", "7", "followup 7"),
        ("agenda.show", "E4", "*", None),
    ]


@pytest.fixture
def clocked(site: Site) -> Iterator[tuple[Site, list[Any]]]:
    """The site with a clock the test moves (`clock[0]`)."""
    from nazorg.web.app import create_app

    clock = [NOW]
    site.app = create_app(
        site.settings, engine=site.engine, clock=lambda: clock[0], today=lambda: TODAY
    )
    yield site, clock


def _last_seen(site: Site) -> list[Any]:
    with transaction(site.engine) as session:
        return [w.last_seen_at for w in session.exec(select(WebSession)).all()]


def test_the_session_is_written_at_most_once_a_minute(clocked: tuple[Site, list[Any]]) -> None:
    site, clock = clocked
    client = site.client("lars")  # logged in at NOW
    assert _last_seen(site) == [NOW]
    clock[0] = NOW + timedelta(seconds=59)
    with statements(site.engine) as seen:
        assert client.get("/").status_code == 200
    assert not [s for s in seen if "web_session" in s and not s.startswith("SELECT")]
    assert "BEGIN IMMEDIATE" not in seen[: seen.index(next(s for s in seen if "web_session" in s))]
    assert _last_seen(site) == [NOW]
    clock[0] = NOW + timedelta(minutes=1)
    with statements(site.engine) as seen:
        assert client.get("/").status_code == 200
    assert len([s for s in seen if s.startswith("UPDATE web_session")]) == 1
    assert _last_seen(site) == [NOW + timedelta(minutes=1)]
    clock[0] = NOW + timedelta(minutes=1, seconds=30)
    assert client.get("/gesprekken").status_code == 200
    assert _last_seen(site) == [NOW + timedelta(minutes=1)]


def test_idle_time_counts_from_the_last_written_request(clocked: tuple[Site, list[Any]]) -> None:
    site, clock = clocked
    idle = timedelta(minutes=site.settings.web.session_idle_minutes)
    client = site.client("lars")
    clock[0] = NOW + idle  # exactly the idle time: still alive, and now written
    assert client.get("/").status_code == 200
    assert _last_seen(site) == [NOW + idle]
    clock[0] = NOW + idle + timedelta(seconds=30)  # within the minute: read only
    assert client.get("/").status_code == 200
    clock[0] = NOW + 2 * idle + timedelta(seconds=1)
    gone = client.get("/")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert _last_seen(site) == []  # the idle session is ended, not only refused


def test_dates_are_formatted_per_amsterdam_day_whatever_the_time() -> None:
    from datetime import UTC, datetime

    from nazorg.web.format import filters

    nl, en = filters("nl"), filters("en")
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # already Monday 2 March in Amsterdam
    for _ in range(2):  # the second time from the cache
        assert nl["short_date"](late) == "ma 2 mrt"
        assert nl["short_date"](datetime(2026, 3, 2, 8, 0, tzinfo=UTC)) == "ma 2 mrt"
        assert nl["long_date"](date(2026, 3, 16)) == "maandag 16 maart 2026"
        assert en["long_date"](date(2026, 3, 16)) == "Monday 16 March 2026"
        assert nl["moment"](late) == "ma 2 mrt 00:30"


def test_the_answers_to_review_are_read_through_their_own_index(engine: Any) -> None:
    """A conversation's page reads the few unverified answers, not the whole audit trail (which
    grows with every page shown)."""
    from nazorg.services import reply_state
    from nazorg.store.models.audit import UNVERIFIED

    assert f"action = '{reply_state.TO_REVIEW}'" == UNVERIFIED
    with transaction(engine) as session:
        audit.audit_reads(
            session, now=NOW, actor="t", action="followup.show", entity="followup", seen=[("E1", 7)]
        )
        audit.record(
            session,
            now=NOW,
            actor="t",
            action=reply_state.TO_REVIEW,
            entity="followup",
            entity_id=7,
            details="antwoord van een ander adres",
        )
    with transaction(engine) as session, statements(engine) as seen:
        found = reply_state.to_review(session, 7)
        assert [r.details for r in found] == ["antwoord van een ander adres"]
        assert reply_state.to_review(session, 8) == []
        query = next(s for s in seen if s.startswith("SELECT audit_event.at"))
        explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = session.connection().exec_driver_sql(explain + query, PARAMETERS[query]).all()
    assert "ix_audit_event_unverified" in " ".join(str(row) for row in plan), plan
