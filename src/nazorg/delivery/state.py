"""The delivery state in the database: which version goes where, who is delivering it, and when
a failed one is tried again.

Rules:

- Rows are created for the versions written since the target's cursor, and only up to the first
  version not yet written: the outbox is the source of truth, so nothing is delivered that is
  not a file, and nothing is skipped when files are written out of order.
- A target configured for the first time starts with the versions decided on the run's day;
  older versions stay in the outbox only (a years-old draft in someone's Drafts folder helps
  nobody). A target that was switched off and on again continues where it stopped.
- Before talking to a server, a row is claimed with a compare-and-swap on (status, attempts):
  `attempts` rises at every claim, so two processes can never both claim the same attempt. The
  claim sets `next_attempt_at` to when it is considered abandoned (CLAIM_TIMEOUT), so a process
  that died mid-delivery leaves a row that a later run picks up again.
- The outcome is written with the same compare-and-swap, so a slow process whose claim was
  taken over cannot overwrite the newer state.
- A failure waits BACKOFF[attempts - 1] (5 minutes, 30 minutes, 2 hours, 12 hours, then daily)
  before the next automatic attempt; `--retry` tries every failed row now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, update
from sqlmodel import Session, col, select

from nazorg.store.engine import transaction
from nazorg.store.locks import lock_for_emission
from nazorg.store.models import Emission
from nazorg.store.models.delivery import (
    DELIVERED,
    DELIVERING,
    FAILED,
    PENDING,
    SUPERSEDED,
    Delivery,
    DeliveryCursor,
)
from nazorg.store.retry import run_transaction

BACKOFF = (
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
    timedelta(days=1),
)
#: A claim older than this belongs to a process that died; its row is due again. Far longer than
#: one delivery can take (every network call has a timeout of at most 10 minutes, 30 s default).
CLAIM_TIMEOUT = timedelta(minutes=15)
BATCH = 200
MAX_ERROR = 1000
#: Which versions each target takes: drafts go to IMAP, only invites are sent or put in calendars;
#: a DECLINECOUNTER (issue 13) is sent to the proposer and kept as a draft, it is no calendar item.
PURPOSES = {
    "imap": ("invite", "escalation", "declinecounter"),
    "smtp": ("invite", "declinecounter"),
    "caldav": ("invite",),
}
#: How many failures `nazorg status` lists one by one.
LISTED_FAILURES = 20


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    return BACKOFF[max(0, min(attempts, len(BACKOFF)) - 1)]


def enqueue(
    engine: Engine,
    target: str,
    destination: Any,
    *,
    today: date,
    now: datetime,
) -> int:
    """Create the delivery rows of `target` for the versions written since its cursor; returns
    how many. `destination(emission)` says where a version goes (folder, recipients, URL).

    Runs under the emission lock, so concurrent runs do not create the same rows (the unique key
    on emission and target is the last line of defence).
    """
    created = 0
    while True:
        with transaction(engine) as session:
            lock_for_emission(session)
            cursor = session.get(DeliveryCursor, target)
            if cursor is None:
                start = session.exec(
                    select(func.max(Emission.id)).where(col(Emission.decided_on) < today)
                ).one()
                cursor = DeliveryCursor(
                    target=target, emission_id=start or 0, started_at=now, updated_at=now
                )
            first_unwritten = session.exec(
                select(func.min(Emission.id))
                .where(col(Emission.id) > cursor.emission_id)
                .where(col(Emission.written_at).is_(None))
            ).one()
            query = (
                select(Emission)
                .where(col(Emission.id) > cursor.emission_id)
                .order_by(col(Emission.id))
                .limit(BATCH)
            )
            if first_unwritten is not None:
                query = query.where(col(Emission.id) < first_unwritten)
            emissions = list(session.exec(query).all())
            if not emissions:
                session.add(cursor)
                return created
            for emission in emissions:
                assert emission.id is not None
                if emission.purpose not in PURPOSES[target]:
                    continue
                session.add(
                    Delivery(
                        emission_id=emission.id,
                        followup_id=emission.followup_id,
                        sequence=emission.sequence,
                        target=target,
                        status=PENDING,
                        next_attempt_at=now,
                        destination=destination(emission)[:1000],
                        created_at=now,
                    )
                )
                created += 1
            last = emissions[-1].id
            assert last is not None
            cursor.emission_id = last
            cursor.updated_at = now
            session.add(cursor)


def due(
    engine: Engine, target: str, *, now: datetime, retry: bool, after_id: int
) -> list[Delivery]:
    """The next batch of rows of `target` to attempt, oldest first.

    Normally the rows whose `next_attempt_at` has come (pending, failed after their backoff, and
    claims of processes that died). With `retry` also every failed row, whatever its backoff.
    """
    condition = _due_condition(now, retry)
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(
            select(Delivery)
            .where(Delivery.target == target)
            .where(condition)
            .where(col(Delivery.id) > after_id)
            .order_by(col(Delivery.id))
            .limit(BATCH)
        ).all()
        return list(rows)


def _due_condition(now: datetime, retry: bool) -> Any:
    stale_or_due = and_(
        col(Delivery.next_attempt_at).is_not(None), col(Delivery.next_attempt_at) <= now
    )
    return or_(stale_or_due, col(Delivery.status).in_((PENDING, FAILED))) if retry else stale_or_due


def count_due(engine: Engine, target: str, *, now: datetime, retry: bool) -> int:
    """How many rows of `target` `due` would hand out in all (for the progress of a command)."""
    with Session(engine) as session:
        query = (
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.target == target)
            .where(_due_condition(now, retry))
        )
        return int(session.exec(query).one())


def claim(engine: Engine, row: Delivery, *, now: datetime) -> bool:
    """Take `row` for one attempt; False when another process changed it since it was read."""
    statement = (
        update(Delivery)
        .where(col(Delivery.id) == row.id)
        .where(col(Delivery.status) == row.status)
        .where(col(Delivery.attempts) == row.attempts)
        .values(
            status=DELIVERING,
            attempts=row.attempts + 1,
            claimed_at=now,
            next_attempt_at=now + CLAIM_TIMEOUT,
        )
    )
    mine = _swap(engine, statement)
    if mine:
        row.status, row.attempts, row.claimed_at = DELIVERING, row.attempts + 1, now
    return mine


def _swap(engine: Engine, statement: Any) -> bool:
    """Run one compare-and-swap update in its own transaction, again if PostgreSQL aborts it
    (`nazorg.store.retry`); True when it changed the row."""

    def work(session: Session) -> bool:
        return bool(session.execute(statement).rowcount == 1)  # type: ignore[attr-defined]

    return run_transaction(engine, work)


def _finish(engine: Engine, row: Delivery, **values: Any) -> bool:
    """Write the outcome of the attempt `row` was claimed for (compare-and-swap)."""
    return _swap(
        engine,
        update(Delivery)
        .where(col(Delivery.id) == row.id)
        .where(col(Delivery.status) == DELIVERING)
        .where(col(Delivery.attempts) == row.attempts)
        .values(**values),
    )


def mark_delivered(
    engine: Engine, row: Delivery, *, now: datetime, remote_id: str | None, note: str | None = None
) -> bool:
    return _finish(
        engine,
        row,
        destination=row.destination,
        status=DELIVERED,
        delivered_at=now,
        next_attempt_at=None,
        remote_id=remote_id[:500] if remote_id else None,
        last_error=note[:MAX_ERROR] if note else None,
    )


def mark_failed(
    engine: Engine, row: Delivery, *, now: datetime, error: str, permanent: bool = False
) -> datetime | None:
    """Record a failed attempt; returns when it is tried again (None: only with --retry)."""
    next_at = None if permanent else now + backoff(row.attempts)
    _finish(
        engine,
        row,
        destination=row.destination,
        status=FAILED,
        next_attempt_at=next_at,
        last_error=error[:MAX_ERROR],
    )
    return next_at


def supersede(engine: Engine, row: Delivery) -> bool:
    """Retire a version that a newer one of the same calendar item replaces (no network)."""
    return _swap(
        engine,
        update(Delivery)
        .where(col(Delivery.id) == row.id)
        .where(col(Delivery.status) == row.status)
        .where(col(Delivery.attempts) == row.attempts)
        .values(status=SUPERSEDED, next_attempt_at=None),
    )


def newer_versions(engine: Engine, row: Delivery) -> list[int]:
    """The emissions of higher SEQUENCEs of the same conversation at this target."""
    with Session(engine) as session:
        found = session.exec(
            select(Delivery.emission_id)
            .where(Delivery.target == row.target)
            .where(Delivery.followup_id == row.followup_id)
            .where(col(Delivery.sequence) > row.sequence)
        ).all()
    return list(found)


# --- what `nazorg status` shows -----------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    id: int
    emission_id: int
    followup_id: int
    sequence: int
    target: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "emission_id": self.emission_id,
            "followup_id": self.followup_id,
            "sequence": self.sequence,
            "target": self.target,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
        }


def summary(session: Session, *, now: datetime) -> dict[str, Any]:
    """Counts of waiting (pending or being delivered) and failed rows per target, and the most
    recent failures. Reads only rows that are not done (status is indexed)."""
    counts = session.exec(
        select(Delivery.target, Delivery.status, func.count())
        .where(col(Delivery.status).in_((PENDING, DELIVERING, FAILED)))
        .group_by(col(Delivery.target), col(Delivery.status))
    ).all()
    targets: dict[str, dict[str, int]] = {}
    for target, status, count in counts:
        entry = targets.setdefault(target, {"pending": 0, "failed": 0})
        entry["failed" if status == FAILED else "pending"] += int(count)
    failed = session.exec(
        select(Delivery)
        .where(Delivery.status == FAILED)
        .order_by(col(Delivery.id).desc())
        .limit(LISTED_FAILURES)
    ).all()
    failures = [
        Failure(
            id=row.id or 0,
            emission_id=row.emission_id,
            followup_id=row.followup_id,
            sequence=row.sequence,
            target=row.target,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
        ).as_json()
        for row in failed
    ]
    return {
        "pending": sum(t["pending"] for t in targets.values()),
        "failed": sum(t["failed"] for t in targets.values()),
        "targets": dict(sorted(targets.items())),
        "failures": failures,
    }


def summary_lines(data: dict[str, Any]) -> list[str]:
    """`nazorg status` text for the summary above (Dutch, like every user-facing text)."""
    if not data or not data.get("targets"):
        return ["afleveren:             niets wachtend of mislukt"]
    parts = [
        f"{name} {counts['pending']} wachtend, {counts['failed']} mislukt"
        for name, counts in data["targets"].items()
    ]
    lines = ["afleveren:             " + "; ".join(parts)]
    for item in data.get("failures", []):
        when = (
            f"volgende poging {item['next_attempt_at']}"
            if item["next_attempt_at"]
            else "geen automatische poging meer; 'nazorg deliver --retry'"
        )
        lines.append(
            f"  {item['target']}: gesprek {item['followup_id']} volgnr {item['sequence']}, "
            f"{item['attempts']} poging(en): {item['last_error']}; {when}"
        )
    return lines
