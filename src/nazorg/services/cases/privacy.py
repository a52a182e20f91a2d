"""Reports and recovery plans in the AVG features: a person's export, erasure and retention.

- Export: the reports the person made (with category and note: it is their own report), their
  recovery plans with every measure, and where they are someone else's buddy or a measure's
  owner only that fact and its dates (never the other person's category, note or measure text).
- Erasure: the person's reports and plans go with everything referring to them (their follow-ups
  and versions went first, with the person's own); where they were a buddy or owner in someone
  else's closed matter the reference becomes the pseudonym. Being the buddy of an open report or
  the owner of an open measure blocks the erasure until someone else is named.
- Retention: a closed report, and a plan whose measures are all finished, whose last date lies
  before the cutoff and whose items have nothing left to send, is deleted with its items; only
  anonymous counts remain.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from nazorg.core.cases import CLOSED, MEASURE_OPEN
from nazorg.core.planning import PLANNED
from nazorg.services.privacy.records import delete_rows, iso, table_of
from nazorg.store.models import FollowUp, PlanMeasure, RecoveryPlan, ReportCase

EXPORT_GUIDE = {
    "reports": "uw meldingen met categorie, notitie, onderzoek en buddy",
    "recovery_plans": "uw herstelplannen met de maatregelen",
    "buddy_of": "meldingen van anderen waarbij u buddy bent (alleen nummer en data)",
    "measures_owned": "maatregelen uit herstelplannen van anderen die u uitvoert (zonder inhoud)",
}


def export_cases(session: Session, number: str) -> dict[str, Any]:
    """The person's part of reports and plans, for their export (module doc)."""
    own = session.exec(
        select(ReportCase).where(ReportCase.reporter_number == number).order_by(col(ReportCase.id))
    ).all()
    plans = session.exec(
        select(RecoveryPlan)
        .where(RecoveryPlan.person_number == number)
        .order_by(col(RecoveryPlan.id))
    ).all()
    buddy = session.exec(
        select(ReportCase).where(ReportCase.buddy_number == number).order_by(col(ReportCase.id))
    ).all()
    owned = session.exec(
        select(PlanMeasure)
        .join(RecoveryPlan, col(RecoveryPlan.id) == col(PlanMeasure.plan_id))
        .where(PlanMeasure.owner_number == number)
        .where(RecoveryPlan.person_number != number)
        .order_by(col(PlanMeasure.id))
    ).all()
    return {
        "reports": [
            {
                "id": c.id,
                "date": iso(c.reported_on),
                "category": c.category,
                "note": c.note,
                "registered_by": c.registered_by,
                "registered_at": iso(c.registered_at),
                "status": c.status,
                "investigation_from": iso(c.investigation_from),
                "buddy": c.buddy_number,
                "closed_on": iso(c.closed_on),
                "outcome": c.outcome,
            }
            for c in own
        ],
        "recovery_plans": [
            {
                "id": p.id,
                "case_id": p.case_id,
                "incident_id": p.incident_id,
                "started_on": iso(p.started_on),
                "consent": p.consent,
                "measures": [
                    {
                        "id": m.id,
                        "description": m.description,
                        "owner": m.owner_number,
                        "target": iso(m.target_on),
                        "status": m.status,
                        "status_on": iso(m.status_on),
                    }
                    for m in session.exec(
                        select(PlanMeasure)
                        .where(PlanMeasure.plan_id == p.id)
                        .order_by(col(PlanMeasure.id))
                    ).all()
                ],
            }
            for p in plans
        ],
        "buddy_of": [
            {"case_id": c.id, "from": iso(c.investigation_from), "closed_on": iso(c.closed_on)}
            for c in buddy
            if c.reporter_number != number
        ],
        "measures_owned": [
            {"id": m.id, "target": iso(m.target_on), "status": m.status} for m in owned
        ],
    }


def case_blockers(session: Session, number: str) -> list[str]:
    """Why the person cannot be erased yet because of someone else's report or plan."""
    problems = []
    for case_id in session.exec(
        select(ReportCase.id)
        .where(ReportCase.buddy_number == number)
        .where(ReportCase.status != CLOSED)
        .where(ReportCase.reporter_number != number)
    ).all():
        problems.append(
            f"{number} is buddy bij melding {case_id}; wijs eerst een andere buddy toe met "
            f"'nazorg case buddy {case_id} --employee ...'"
        )
    for measure_id in session.exec(
        select(PlanMeasure.id)
        .join(RecoveryPlan, col(RecoveryPlan.id) == col(PlanMeasure.plan_id))
        .where(PlanMeasure.owner_number == number)
        .where(PlanMeasure.status == MEASURE_OPEN)
        .where(RecoveryPlan.person_number != number)
    ).all():
        problems.append(
            f"{number} is eigenaar van open maatregel {measure_id}; rond die eerst af of laat "
            f"hem vervallen met 'nazorg plan drop {measure_id}'"
        )
    return problems


def erase_cases(session: Session, number: str, pseudonym: str) -> dict[str, int]:
    """Delete the person's reports and plans; other references become the pseudonym."""
    plan_table = table_of(RecoveryPlan)
    case_table = table_of(ReportCase)
    plans = delete_rows(session, plan_table, plan_table.c.person_number, [number])
    cases = delete_rows(session, case_table, case_table.c.reporter_number, [number])
    session.execute(
        update(ReportCase)
        .where(col(ReportCase.buddy_number) == number)
        .values(buddy_number=pseudonym)
    )
    session.execute(
        update(PlanMeasure)
        .where(col(PlanMeasure.owner_number) == number)
        .values(owner_number=pseudonym)
    )
    session.execute(
        update(RecoveryPlan)
        .where(col(RecoveryPlan.holder_number) == number)
        .values(holder_number=pseudonym)
    )
    session.execute(
        update(FollowUp)
        .where(col(FollowUp.holder_number) == number)
        .values(holder_number=pseudonym)
    )
    return {"reports": cases, "recovery_plans": plans}


def _plan_done_on(session: Session, plan: RecoveryPlan) -> date | None:
    """The last day of a plan whose measures are all finished (None while one is open)."""
    measures = session.exec(select(PlanMeasure).where(PlanMeasure.plan_id == plan.id)).all()
    if any(m.status == MEASURE_OPEN for m in measures):
        return None
    days = [m.status_on for m in measures if m.status_on is not None] + [plan.started_on]
    return max(days)


def _items_settled(items: list[FollowUp], cutoff: date) -> bool:
    return all(f.status != PLANNED and f.emit_on is None and f.due_on < cutoff for f in items)


def purgeable(
    session: Session, cutoff: date
) -> tuple[list[int], list[int], list[FollowUp], Counter[tuple[str, str, str, str, str]]]:
    """The reports and plans past retention (module doc): their ids, their items, and the
    anonymous counts that remain (month, subject, category or '', status, '')."""
    counts: Counter[tuple[str, str, str, str, str]] = Counter()
    case_ids: list[int] = []
    plan_ids: list[int] = []
    items: list[FollowUp] = []
    doomed_cases: set[int] = set()
    for case in session.exec(
        select(ReportCase)
        .where(ReportCase.status == CLOSED)
        .where(col(ReportCase.closed_on) < cutoff)
        .order_by(col(ReportCase.id))
    ).all():
        own = list(session.exec(select(FollowUp).where(FollowUp.case_id == case.id)).all())
        plans = session.exec(select(RecoveryPlan).where(RecoveryPlan.case_id == case.id)).all()
        if not _items_settled(own, cutoff) or any(
            (_plan_done_on(session, p) or cutoff) >= cutoff for p in plans
        ):
            continue
        assert case.id is not None
        case_ids.append(case.id)
        doomed_cases.add(case.id)
        items += own
        counts[(case.reported_on.strftime("%Y-%m"), "case", case.category, CLOSED, "")] += 1
        for p in plans:
            counts[(p.started_on.strftime("%Y-%m"), "plan", "", "finished", "")] += 1
    for plan in session.exec(
        select(RecoveryPlan)
        .where(col(RecoveryPlan.case_id).is_(None))
        .where(col(RecoveryPlan.started_on) < cutoff)
    ).all():
        done_on = _plan_done_on(session, plan)
        own = list(session.exec(select(FollowUp).where(FollowUp.plan_id == plan.id)).all())
        if done_on is None or done_on >= cutoff or not _items_settled(own, cutoff):
            continue
        assert plan.id is not None
        plan_ids.append(plan.id)
        items += own
        counts[(plan.started_on.strftime("%Y-%m"), "plan", "", "finished", "")] += 1
    return case_ids, plan_ids, items, counts


def delete_purged(session: Session, case_ids: list[int], plan_ids: list[int]) -> None:
    """Delete the reports and plans `purgeable` chose (their items and versions went first)."""
    plan_table = table_of(RecoveryPlan)
    case_table = table_of(ReportCase)
    delete_rows(session, plan_table, plan_table.c.id, plan_ids)
    delete_rows(session, case_table, case_table.c.id, case_ids)


def live_plan_incidents(session: Session, *, except_plans: list[int]) -> set[int]:
    """Incidents with a recovery plan (other than those being purged): retention keeps them
    while the plan lives."""
    return {
        i
        for i in session.exec(
            select(RecoveryPlan.incident_id)
            .where(col(RecoveryPlan.incident_id).is_not(None))
            .where(col(RecoveryPlan.id).not_in(except_plans))
        ).all()
        if i is not None
    }
