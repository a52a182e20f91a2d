"""What `nazorg status` reports: the last run, what is due and whether the cron is alive."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from nazorg.delivery.state import summary as delivery_summary
from nazorg.services import audit
from nazorg.services.agenda import needing_attention, overdue
from nazorg.store.models import Emission, FollowUp, Run

#: A daily job that has not succeeded for this long is considered dead (a day plus slack).
STALE_AFTER = timedelta(hours=26)


@dataclass(frozen=True)
class Status:
    now: datetime
    last_run: Run | None
    last_ok: Run | None
    due: int
    unwritten: int
    delivery: dict[str, Any]
    overdue: list[dict[str, Any]]
    # Open conversations whose answers ask for action (a leader or employee declined, a
    # proposed new time): issue 13.
    attention: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        if self.last_ok is None or self.last_ok.finished_at is None:
            return True
        return self.now - self.last_ok.finished_at > STALE_AFTER

    def as_json(self) -> dict[str, Any]:
        def run(r: Run | None) -> dict[str, Any] | None:
            if r is None:
                return None
            return {
                "id": r.id,
                "today": r.today.isoformat(),
                "started_at": r.started_at.isoformat(),
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                "outcome": r.outcome,
                "decided": r.decided,
                "written": r.written,
                "error": r.error,
                "node": r.node,
            }

        return {
            "last_run": run(self.last_run),
            "last_successful_run": run(self.last_ok),
            "due": self.due,
            "unwritten": self.unwritten,
            "stale": self.stale,
            "overdue": self.overdue,
            "attention": self.attention,
            "delivery": self.delivery,
        }


def status(
    session: Session,
    *,
    today: date,
    now: datetime,
    overdue_workdays: int = 10,
    reader: str | None = None,
) -> Status:
    """The last run, what is due, the overdue conversations and the deliveries. With a `reader`,
    showing the overdue conversations (names) is audited."""
    last = session.exec(select(Run).order_by(col(Run.id).desc()).limit(1)).first()
    last_ok = session.exec(
        select(Run).where(Run.outcome == "ok").order_by(col(Run.id).desc()).limit(1)
    ).first()
    due = session.exec(
        select(func.count()).select_from(FollowUp).where(col(FollowUp.emit_on) <= today)
    ).one()
    unwritten = session.exec(
        select(func.count()).select_from(Emission).where(col(Emission.written_at).is_(None))
    ).one()

    items = overdue(session, today=today, overdue_workdays=overdue_workdays)
    asking = needing_attention(session)
    if reader is not None:
        audit.audit_reads(
            session,
            now=now,
            actor=reader,
            action="status.show",
            entity="followup",
            seen=[(i.employee.personnel_number, i.followup.id) for i in items + asking],
        )
    late = [item.as_json() for item in items]
    return Status(
        now,
        last,
        last_ok,
        int(due),
        int(unwritten),
        delivery_summary(session, now=now),
        late,
        [item.as_json() for item in asking],
    )
