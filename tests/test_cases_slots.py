"""A report's items in free slots (services/cases/slotting.py): a buddy contact moment never
overlaps the buddy's or the reporter's other conversations, and a new buddy gets their own
free slot. The check is written independently: per person, every open conversation they hold
(`slot_holder` / `holder_number`) or are the employee of, at least the gap apart in UTC."""

from __future__ import annotations

import itertools
import tempfile
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from nazorg.core.access import Principal
from nazorg.core.cases import BUDDY_CONTACT
from nazorg.core.planning import PLANNED, meeting
from nazorg.services.cases import reports
from nazorg.settings import Settings
from nazorg.store.engine import make_engine, transaction
from nazorg.store.migrate import upgrade
from nazorg.store.models import FollowUp
from tests.test_slots_service import NOW, load, register

VP = Principal(name="vp", roles=frozenset({"reports"}))
GAP = timedelta(minutes=15)
START, TODAY, DAY = date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)  # contact 1 on DAY


def _checkin(session: Session, settings: Any, employee: str, holder: str, at: datetime) -> None:
    length = settings.plan().duration
    session.add(
        FollowUp(
            uid=f"u-{employee}-{at:%H%M}",
            employee_number=employee,
            kind="checkin_10d",
            slot_holder=holder,
            due_on=at.date(),
            start_local=at.replace(tzinfo=None),
            end_local=(at + length).replace(tzinfo=None),
            tzid=settings.plan().tzid,
            status=PLANNED,
            invite_on=TODAY,
            emit_on=TODAY,
            created_at=NOW,
            updated_at=NOW,
        )
    )


def _per_person(engine: Any) -> dict[str, list[tuple[datetime, datetime, int, str]]]:
    per: dict[str, list[tuple[datetime, datetime, int, str]]] = defaultdict(list)
    with Session(engine) as session:
        for f in session.exec(select(FollowUp).where(FollowUp.status == PLANNED)).all():
            assert f.id is not None
            start = f.start_local.replace(tzinfo=ZoneInfo(f.tzid)).astimezone(UTC)
            end = f.end_local.replace(tzinfo=ZoneInfo(f.tzid)).astimezone(UTC)
            for person in {f.employee_number, f.slot_holder, f.holder_number} - {None}:
                assert person is not None
                per[person].append((start, end, f.id, f.kind))
    return per


def _apart(engine: Any) -> int:
    checked = 0
    for person, items in _per_person(engine).items():
        for (s0, e0, a, _), (s1, e1, b, _) in itertools.combinations(sorted(items), 2):
            assert e0 + GAP <= s1 or e1 + GAP <= s0, f"{person}: {a} and {b} overlap"
            checked += 1
    return checked


def test_a_buddy_who_is_a_leader_and_a_reporter_with_check_ins_get_a_free_slot(
    engine: Any, settings: Any
) -> None:
    load(engine, {"L1": 1, "L2": 2})
    first, end = meeting(DAY, settings.plan())
    with transaction(engine) as session:
        _checkin(session, settings, "L1E01", "L1", first)  # the buddy's check-in at the usual time
        _checkin(session, settings, "L2E01", "L2", end + GAP)  # the reporter's, right after
        case = reports.add(
            session,
            VP,
            reports.NewCase("L2E01", date(2026, 2, 27), "racisme", None),
            today=TODAY,
            now=NOW,
            settings=settings,
        )
        assert case.id is not None
        case_id = case.id
        reports.set_buddy(
            session, VP, case_id, employee="L1", today=TODAY, now=NOW, settings=settings
        )
        _, made = reports.investigate(
            session, VP, case_id, start=START, today=TODAY, now=NOW, settings=settings
        )
        assert [(f.due_on, f.slot_holder) for f in made] == [(DAY, "L1")]
        contact_at = made[0].start_local
    assert contact_at not in (first.replace(tzinfo=None), (end + GAP).replace(tzinfo=None))
    assert _apart(engine) >= 2
    # a new buddy with a check-in at the contact's time: the contact moves to their free slot
    with transaction(engine) as session:
        zone = ZoneInfo(settings.plan().tzid)
        _checkin(session, settings, "L2E02", "L2", contact_at.replace(tzinfo=zone))
    with transaction(engine) as session:
        _, moved = reports.set_buddy(
            session, VP, case_id, employee="L2", today=TODAY, now=NOW, settings=settings
        )
        assert [(f.kind, f.slot_holder, f.holder_number) for f in moved] == [
            (BUDDY_CONTACT, "L2", "L2")
        ]
        assert moved[0].start_local != contact_at and moved[0].due_on == DAY
    assert _apart(engine) >= 3


@st.composite
def organisations_with_reports(draw: st.DrawFn) -> dict[str, Any]:
    leaders = {f"L{i}": draw(st.integers(1, 5)) for i in range(1, draw(st.integers(1, 3)) + 1)}
    people = [f"{leader}E{n:02d}" for leader, count in leaders.items() for n in range(1, count + 1)]
    everyone = people + sorted(leaders)
    incidents_ = draw(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from(people), min_size=1, max_size=len(people), unique=True),
                st.integers(0, 60),
            ),
            max_size=3,
        )
    )
    cases = draw(
        st.lists(
            st.tuples(
                st.sampled_from(everyone),  # reporter
                st.sampled_from(everyone),  # buddy
                st.integers(7, 20),  # days before today the investigation started
                st.one_of(st.none(), st.sampled_from(everyone)),  # a later buddy
            ),
            min_size=1,
            max_size=4,
        )
    )
    return {"leaders": leaders, "incidents": incidents_, "cases": cases}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(org=organisations_with_reports())
def test_nobody_ever_has_a_report_item_overlapping_another_conversation(
    org: dict[str, Any],
) -> None:
    today = date(2026, 3, 2)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/p.db"
        engine = make_engine(url)
        upgrade(engine)
        config = Settings(database_url=url, outbox=Path(folder) / "outbox", cycle_kinds=())
        load(engine, org["leaders"])
        for numbers, days_ago in org["incidents"]:
            register(engine, config, numbers, today - timedelta(days=days_ago), today)
        for reporter, buddy, days_ago, later in org["cases"]:
            with transaction(engine) as session:
                case = reports.add(
                    session,
                    VP,
                    reports.NewCase(reporter, today - timedelta(days=30), "racisme", None),
                    today=today,
                    now=NOW,
                    settings=config,
                )
                assert case.id is not None
                start = today - timedelta(days=days_ago)
                reports.investigate(
                    session, VP, case.id, start=start, today=today, now=NOW, settings=config
                )
                for who in (buddy, later):
                    if who is not None and who != reporter:
                        reports.set_buddy(
                            session, VP, case.id, employee=who, today=today, now=NOW,
                            settings=config,
                        )  # fmt: skip
        _apart(engine)
        engine.dispose()
