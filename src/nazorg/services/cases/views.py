"""A recovery plan as a permitted reader sees it (`plans.may_see`), with its measures and the
dates of its review; the read, and any refusal, is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from nazorg.core.access import LEADER, REPORTS, STAFF, Principal
from nazorg.core.cases import MEASURE_STATUS_NL, PLAN_REVIEW
from nazorg.core.errors import NotFoundError
from nazorg.services.cases import guard, plans
from nazorg.store.models import Employee, FollowUp, PlanMeasure, RecoveryPlan


@dataclass(frozen=True)
class PlanView:
    plan: RecoveryPlan
    person: Employee
    measures: list[tuple[PlanMeasure, Employee | None]]
    reviews: list[FollowUp]
    may_change: bool

    def as_json(self) -> dict[str, Any]:
        p = self.plan
        return {
            "id": p.id,
            "person": p.person_number,
            "person_name": self.person.name,
            "case_id": p.case_id,
            "incident_id": p.incident_id,
            "started_on": p.started_on.isoformat(),
            "consent": p.consent,
            "measures": [
                {
                    "id": m.id,
                    "description": m.description,
                    "owner": m.owner_number,
                    "owner_name": owner.name if owner else None,
                    "target": m.target_on.isoformat(),
                    "status": m.status,
                    "status_nl": MEASURE_STATUS_NL.get(m.status, m.status),
                    "status_on": m.status_on.isoformat() if m.status_on else None,
                }
                for m, owner in self.measures
            ],
            "reviews": [
                {"id": f.id, "due": f.due_on.isoformat(), "status": f.status} for f in self.reviews
            ],
        }


def show(session: Session, principal: Principal, plan_id: int, *, now: datetime) -> PlanView:
    """One plan for a permitted reader. A role without plans (management) is refused before
    anything is read; anyone else who may not see this plan is told it does not exist; both
    refusals are audited."""
    if not any(principal.has(r) for r in (REPORTS, STAFF, LEADER)):
        guard.refuse(session, principal, now=now, what=f"herstelplan {plan_id}", entity="plan")
    plan = session.get(RecoveryPlan, plan_id) if 0 < plan_id < 2**31 else None
    if plan is None or not plans.may_see(session, principal, plan):
        guard.refuse(
            session,
            principal,
            now=now,
            what=f"herstelplan {plan_id}",
            entity="plan",
            entity_id=plan_id,
            error=NotFoundError(f"onbekend herstelplan {plan_id}"),
        )
    assert plan is not None
    person = session.get(Employee, plan.person_number)
    assert person is not None
    measures = [
        (m, session.get(Employee, m.owner_number)) for m in plans.measures_of(session, plan)
    ]
    reviews = list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.plan_id == plan.id)
            .where(FollowUp.kind == PLAN_REVIEW)
            .order_by(col(FollowUp.id))
        ).all()
    )
    guard.audit_read(
        session,
        principal,
        now=now,
        action="plan.show",
        entity="plan",
        seen=[(plan.person_number, plan.id)],
    )
    may_change = principal.has(REPORTS) or (plan.case_id is None and principal.has(STAFF))
    return PlanView(plan, person, measures, reviews, may_change)
