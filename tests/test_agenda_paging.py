"""The agenda's page counts no further than it needs: a total past COUNT_AHEAD reads "1000+"."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from nazorg.core.access import Principal
from nazorg.services import agenda, conversations
from nazorg.services.agenda import Filters
from tests.conftest import FIXED_NOW, load_team, register

STAFF = Principal(name="tineke", roles=frozenset({"staff"}))


def test_the_count_stops_at_the_limit_and_the_page_says_there_are_more(
    engine: Any, settings: Any, monkeypatch: Any
) -> None:
    load_team(engine)
    for employee in ("E1", "E2", "E3"):
        register(
            engine, settings, employee=employee, occurred=date(2026, 2, 2), today=date(2026, 2, 2)
        )
    with Session(engine) as session:
        everything = agenda.count(session, Filters())
        assert everything == 9  # three employees, three check-ins each
        assert agenda.count(session, Filters(), at_most=4) == 4
        assert agenda.count(session, Filters(), at_most=50) == 9

        monkeypatch.setattr(conversations, "COUNT_AHEAD", 4)
        page = conversations.search(session, STAFF, Filters(), now=FIXED_NOW, limit=2)
        assert (len(page.items), page.total, page.more) == (2, 4, True)
        last = conversations.search(session, STAFF, Filters(), now=FIXED_NOW, limit=2, offset=6)
        assert (len(last.items), last.total, last.more) == (2, 9, False)
