"""Deciding the versions that are due, exactly once.

Under a database lock, for each follow-up whose `emit_on` (or `escalate_on`) has come, the rules
of `nazorg.emission.reconcile` say which versions to send; each is recorded as an `Emission` row
with a frozen payload, and the date is cleared in the same transaction. Two runs therefore never
decide the same thing, and a unique key on (follow-up, purpose, sequence) is the last line of
defence. Only rows that are due are read (`emit_on <= today`, indexed), in batches, so cost and
memory follow the work due and not the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from nazorg.core.planning import PLANNED
from nazorg.emission.reconcile import (
    ESCALATION,
    INVITE,
    desired_versions,
    escalation_notice,
    last_version,
)
from nazorg.store.locks import lock_for_emission
from nazorg.store.models import Emission, Employee, FollowUp

if TYPE_CHECKING:
    from nazorg.settings import Settings

BATCH = 500


@dataclass
class Decided:
    """What a decide step recorded: how many versions, and (dry run only) the versions."""

    count: int = 0
    emissions: list[Emission] = field(default_factory=list)

    def __len__(self) -> int:
        return self.count


def load_people(session: Session, followups: list[FollowUp]) -> list[Employee]:
    """Read the employees of a batch and their leaders in two queries, into the session's
    identity map, so that deciding each follow-up finds them there (`session.get`) instead of
    asking the database once per person: on a server every query is a round trip. The caller
    holds the returned list while it decides: the identity map keeps only weak references."""
    numbers = {f.employee_number for f in followups}
    people = list(
        session.exec(select(Employee).where(col(Employee.personnel_number).in_(numbers))).all()
    )
    leaders = {p.leader_number for p in people if p.leader_number} - numbers
    if leaders:
        people += session.exec(
            select(Employee).where(col(Employee.personnel_number).in_(leaders))
        ).all()
    return people


def _decide_due(
    engine: Engine,
    due_column: Any,
    handle: Callable[[Session, FollowUp], list[Emission]],
    *,
    today: date,
    dry_run: bool,
) -> Decided:
    """The one mechanism behind every decision of the daily run.

    Reads the follow-ups whose date in `due_column` has come, in batches, each batch one
    transaction holding the emission lock; `handle` records the versions for one follow-up and
    clears its date. Two runs therefore never decide the same thing: the second finds the date
    cleared by the first (and the unique key on follow-up, purpose and sequence is the last line
    of defence). A dry run rolls every batch back and skips what it has seen.
    """
    decided = Decided()
    seen: set[int] = set()
    while True:
        with Session(engine, expire_on_commit=False) as session:
            lock_for_emission(session)
            query = (
                select(FollowUp)
                .where(col(due_column).is_not(None))
                .where(col(due_column) <= today)
                .order_by(col(due_column), col(FollowUp.id))
                .limit(BATCH)
            )
            if dry_run and seen:
                query = query.where(col(FollowUp.id).not_in(seen))
            followups = list(session.exec(query).all())
            if not followups:
                session.rollback()
                return decided
            _people = load_people(session, followups)  # held for the batch: the map is weak
            for followup in followups:
                assert followup.id is not None
                seen.add(followup.id)
                for emission in handle(session, followup):
                    session.add(emission)
                    decided.count += 1
                    if dry_run:  # a real run needs the count only: hold no ORM objects
                        decided.emissions.append(emission)
                session.add(followup)
            if dry_run:
                session.rollback()
            else:
                session.commit()


def decide(
    engine: Engine,
    *,
    today: date,
    now: datetime,
    settings: Settings,
    run_id: int | None = None,
    dry_run: bool = False,
) -> Decided:
    """Record the calendar versions due today (`emit_on` has come); returns how many (in a dry run
    what would be recorded)."""

    def handle(session: Session, followup: FollowUp) -> list[Emission]:
        assert followup.id is not None
        emissions = []
        # SEQUENCE -1: no version was ever decided, so there is none to read (saves a query
        # per new conversation: most of a busy day).
        last = last_version(session, followup.id) if followup.sequence >= 0 else None
        for v in desired_versions(session, followup, last, today=today, now=now, settings=settings):
            emissions.append(
                Emission(
                    followup_id=followup.id,
                    purpose=INVITE,
                    sequence=v.sequence,
                    method=v.method,
                    decided_on=today,
                    decided_at=now,
                    payload=v.to_json(),
                    run_id=run_id,
                )
            )
            followup.sequence = v.sequence
        followup.emit_on = None
        followup.updated_at = now
        return emissions

    return _decide_due(engine, FollowUp.emit_on, handle, today=today, dry_run=dry_run)


def decide_escalations(
    engine: Engine,
    *,
    today: date,
    now: datetime,
    settings: Settings,
    run_id: int | None = None,
    dry_run: bool = False,
) -> Decided:
    """Record one escalation for each open conversation that became overdue (`escalate_on`
    has come); the date is cleared so it is reported once. A conversation moved to a new date
    and overdue again is reported again (the next sequence)."""

    def handle(session: Session, followup: FollowUp) -> list[Emission]:
        followup.escalate_on = None
        if followup.status != PLANNED:
            return []
        sequence = int(
            session.exec(
                select(func.count())
                .select_from(Emission)
                .where(Emission.followup_id == followup.id)
                .where(Emission.purpose == ESCALATION)
            ).one()
        )
        notice = escalation_notice(
            session, followup, today=today, now=now, settings=settings, sequence=sequence
        )
        assert followup.id is not None
        return [
            Emission(
                followup_id=followup.id,
                purpose=ESCALATION,
                sequence=sequence,
                method="ESCALATION",
                decided_on=today,
                decided_at=now,
                payload=notice.to_json(),
                run_id=run_id,
            )
        ]

    return _decide_due(engine, FollowUp.escalate_on, handle, today=today, dry_run=dry_run)
