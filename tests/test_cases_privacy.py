"""Issue 15: reports and recovery plans in the export, the erasure and retention, and the
counts per team for the monthly report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from nazorg.core.access import Principal
from nazorg.core.errors import ValidationError
from nazorg.jobs.daily import run_daily
from nazorg.services.cases import plans, reports
from nazorg.services.cases.figures import FIELDS, case_figures
from nazorg.services.conversations import record_held
from nazorg.services.privacy.erasure import complete_pending, request_erasure
from nazorg.services.privacy.export import export_employee
from nazorg.services.privacy.retention import purge
from nazorg.store.engine import transaction
from nazorg.store.models import FollowUp, PlanMeasure, RecoveryPlan, ReportCase, RetentionCount
from tests.conftest import FIXED_NOW, load_team
from tests.test_run import clock_at

VP = Principal(name="vp", roles=frozenset({"reports"}))
NOTE = "notitie over de melding"
START = date(2026, 9, 7)


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)


@pytest.fixture
def case(engine: Any, settings: Any) -> tuple[Any, int, int, int]:
    """E1's report under investigation from 7 September with buddy E2, a plan with consent and
    one measure owned by E3."""
    load_team(engine)
    with transaction(engine) as session:
        c = reports.add(
            session,
            VP,
            reports.NewCase("E1", date(2026, 9, 3), "uitsluiting", NOTE),
            today=START,
            now=at(START),
            settings=settings,
        )
        assert c.id is not None
        reports.investigate(
            session, VP, c.id, start=START, today=START, now=at(START), settings=settings
        )
        reports.set_buddy(
            session, VP, c.id, employee="E2", today=START, now=at(START), settings=settings
        )
        plan = plans.add_plan(
            session,
            VP,
            person="E1",
            case_id=c.id,
            incident_id=None,
            start=START,
            consent=True,
            holder=None,
            today=START,
            now=at(START),
            settings=settings,
        )
        assert plan.id is not None
        measure = plans.add_measure(
            session,
            VP,
            plan.id,
            description="teamgesprek",
            owner="E3",
            target=date(2026, 10, 2),
            today=START,
            now=at(START),
            settings=settings,
        )
        assert measure.id is not None
        return engine, c.id, plan.id, measure.id


def test_the_export_holds_the_reporters_report_and_only_the_fact_for_the_buddy(
    case: tuple[Any, int, int, int],
) -> None:
    engine, case_id, plan_id, _measure = case
    with transaction(engine) as session:
        own = export_employee(session, "E1", actor="tester", now=FIXED_NOW)
        buddy = export_employee(session, "E2", actor="tester", now=FIXED_NOW)
        owner = export_employee(session, "E3", actor="tester", now=FIXED_NOW)
    assert [r["id"] for r in own["reports"]] == [case_id]
    assert own["reports"][0]["note"] == NOTE and own["reports"][0]["category"] == "uitsluiting"
    assert own["recovery_plans"][0]["id"] == plan_id
    assert own["recovery_plans"][0]["measures"][0]["description"] == "teamgesprek"
    assert any(a["entity"] == "case" for a in own["audit"])
    assert buddy["reports"] == [] and [b["case_id"] for b in buddy["buddy_of"]] == [case_id]
    assert NOTE not in str(buddy) and "uitsluiting" not in str(buddy)
    assert "teamgesprek" not in str(owner) and len(owner["measures_owned"]) == 1


def test_erasure_of_the_buddy_waits_and_of_the_reporter_takes_the_report_and_plan(
    case: tuple[Any, int, int, int], settings: Any
) -> None:
    engine, case_id, plan_id, measure_id = case
    day = date(2026, 9, 14)
    run_daily(engine, today=day, clock=clock_at(at(day)), settings=settings)
    with transaction(engine) as session, pytest.raises(ValidationError, match="buddy bij melding"):
        request_erasure(session, "E2", actor="tester", today=day, now=at(day))
    with transaction(engine) as session, pytest.raises(ValidationError, match="open maatregel"):
        request_erasure(session, "E3", actor="tester", today=day, now=at(day))
    with transaction(engine) as session:
        outcome = request_erasure(session, "E1", actor="tester", today=day, now=at(day))
    assert not outcome.completed and outcome.cancelled >= 2  # the contact and the plan items
    report = run_daily(engine, today=day, clock=clock_at(at(day)), settings=settings)
    assert {e.method for e in report.emitted} == {"CANCEL"}
    later = day + timedelta(days=2)
    complete_pending(engine, today=later, now=at(later), actor="nazorg run")
    with Session(engine) as session:
        assert session.get(ReportCase, case_id) is None
        assert session.get(RecoveryPlan, plan_id) is None
        assert session.get(PlanMeasure, measure_id) is None
        assert session.exec(select(FollowUp).where(FollowUp.employee_number == "E1")).all() == []


def test_retention_purges_a_closed_report_and_a_finished_plan_keeping_counts(
    case: tuple[Any, int, int, int], settings: Any
) -> None:
    engine, case_id, plan_id, measure_id = case
    day = date(2026, 9, 28)
    with transaction(engine) as session:
        plans.finish_measure(
            session,
            VP,
            measure_id,
            status="done",
            on=day,
            today=day,
            now=at(day),
            settings=settings,
        )
        reports.close(session, VP, case_id, on=day, outcome=None, today=day, now=at(day))
    run_daily(engine, today=day, clock=clock_at(at(day)), settings=settings)
    review_day = date(2026, 10, 5)
    with transaction(engine) as session:
        review = session.exec(
            select(FollowUp)
            .where(FollowUp.plan_id == plan_id)
            .where(FollowUp.kind == "plan_review")
        ).one()
        assert review.due_on == review_day  # moved forward: every measure is done
        assert review.id is not None
        record_held(
            session,
            VP,
            review.id,
            outcome="goed",
            note=None,
            stop=False,
            today=review_day,
            now=at(review_day),
            settings=settings,
        )
    run_daily(engine, today=review_day, clock=clock_at(at(review_day)), settings=settings)
    soon = date(2027, 1, 4)
    with transaction(engine) as session:
        kept = purge(
            session, today=soon, now=at(soon), retention_months=24, outbox=None, actor="tester"
        )
    assert kept.followups == 0
    late = date(2029, 1, 8)
    with transaction(engine) as session:
        purged = purge(
            session, today=late, now=at(late), retention_months=24, outbox=None, actor="tester"
        )
        assert session.get(ReportCase, case_id) is None
        assert session.get(RecoveryPlan, plan_id) is None
        subjects = {(r.subject, r.kind) for r in session.exec(select(RetentionCount)).all()}
    assert purged.followups == 2  # the plan's action reminder and review
    assert ("case", "uitsluiting") in subjects and ("plan", "") in subjects


def test_case_figures_count_per_team_without_names(
    case: tuple[Any, int, int, int], settings: Any
) -> None:
    engine, case_id, _plan_id, measure_id = case
    day = START
    while day <= date(2026, 10, 9):
        run_daily(engine, today=day, clock=clock_at(at(day)), settings=settings)
        if day == date(2026, 9, 21):
            with transaction(engine) as session:
                first = session.exec(
                    select(FollowUp)
                    .where(FollowUp.case_id == case_id)
                    .where(FollowUp.kind == "buddy_contact")
                ).first()
                assert first is not None and first.id is not None
                record_held(
                    session,
                    VP,
                    first.id,
                    outcome="goed",
                    note=None,
                    stop=False,
                    today=day,
                    now=at(day),
                    settings=settings,
                )
                plans.finish_measure(
                    session,
                    VP,
                    measure_id,
                    status="done",
                    on=day,
                    today=day,
                    now=at(day),
                    settings=settings,
                )
        day += timedelta(days=1)
    with Session(engine) as session:
        figures = case_figures(session, date(2026, 9, 1), date(2026, 9, 30))
        october = case_figures(session, date(2026, 10, 1), date(2026, 10, 31), teams=["BT1"])
    assert set(figures) == {"BT1"} and set(figures["BT1"]) == set(FIELDS)
    assert figures["BT1"] == {
        "open_investigations": 1,
        "buddy_contacts_due": 1,  # 21 September (5 October is in October)
        "buddy_contacts_held_on_time": 1,
        "plans_started": 1,
        "plans_completed": 1,
    }
    assert october["BT1"]["buddy_contacts_due"] == 1
    assert october["BT1"]["buddy_contacts_held_on_time"] == 0
    assert october["BT1"]["plans_started"] == 0
