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


def test_a_count_joins_the_employee_only_to_filter_on_them(engine: Any, settings: Any) -> None:
    from sqlalchemy import event

    load_team(engine)
    for employee in ("E1", "E2", "E3"):
        register(
            engine, settings, employee=employee, occurred=date(2026, 2, 2), today=date(2026, 2, 2)
        )
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with Session(engine) as session:
        for filters, joined in (
            (Filters(), False),
            (Filters(start=date(2026, 3, 1), employee="E1"), False),
            (Filters(team="BT1"), True),
            (Filters(teams=frozenset({"BT2"})), True),
            (Filters(holder="L1"), True),
        ):
            event.listen(engine, "before_cursor_execute", record)
            try:
                counted = agenda.count(session, filters)
            finally:
                event.remove(engine, "before_cursor_execute", record)
            assert counted == len(agenda.find(session, filters)), filters
            assert ("JOIN employee" in seen[-1]) == joined, seen[-1]
        assert 0 < agenda.count(session, Filters(holder="L1")) < agenda.count(session, Filters())
