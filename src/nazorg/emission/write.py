"""Writing decided versions to the outbox, exactly once.

Render each decided but unwritten version from its payload and write the `.ics` and `.eml`
atomically; mark it written with an optimistic update, so two concurrent runs never both count it
and a run killed halfway leaves it for the next, which writes the same bytes again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from nazorg.core.payload import EscalationNotice, InviteVersion
from nazorg.core.progress import Progress, tick
from nazorg.emission.reconcile import ESCALATION
from nazorg.emission.render.renderer import Renderer
from nazorg.store.models import Emission
from nazorg.store.retry import run_transaction

BATCH = 500


@dataclass(frozen=True, slots=True)
class Emitted:
    """One version written by this run (for the summary and --json)."""

    followup_id: int
    kind: str
    method: str
    uid: str
    sequence: int
    recipients: tuple[str, ...]
    ics: str | None  # None for an escalation: a draft without an invite
    eml: str

    def as_json(self) -> dict[str, Any]:
        return {
            "followup_id": self.followup_id,
            "kind": self.kind,
            "method": self.method,
            "uid": self.uid,
            "sequence": self.sequence,
            "recipients": list(self.recipients),
            "ics": self.ics,
            "eml": self.eml,
        }


def file_stem(emission: Emission, version: InviteVersion) -> str:
    """A name that is the same however often the version is written, and sorts sensibly."""
    return (
        f"{emission.decided_on.isoformat()}/nazorg-{emission.followup_id}-"
        f"{version.kind}-{version.sequence:03d}-{version.method.lower()}"
    )


def _pending(engine: Engine, after_id: int) -> list[Emission]:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(
            select(Emission)
            .where(col(Emission.written_at).is_(None))
            .where(col(Emission.id) > after_id)
            .order_by(col(Emission.id))
            .limit(BATCH)
        ).all()
        return list(rows)


def pending_emissions(engine: Engine) -> Iterator[Emission]:
    """Every decided, unwritten version, oldest first, read in batches."""
    after = 0
    while True:
        batch = _pending(engine, after)
        if not batch:
            return
        yield from batch
        after = batch[-1].id or after


#: Versions written between two syncs of the outbox and two commits (one each per batch).
WRITE_BATCH = 100


def count_pending(engine: Engine) -> int:
    """How many decided versions are not written yet."""
    with Session(engine) as session:
        query = select(func.count()).select_from(Emission).where(col(Emission.written_at).is_(None))
        return int(session.exec(query).one())


def write(
    engine: Engine,
    *,
    outbox: Path,
    renderer: Renderer,
    now: datetime,
    progress: Progress | None = None,
) -> list[Emitted]:
    """Write every pending version to the outbox; returns the ones this process marked written.

    Files are written before they are marked: a crash in between means the next run writes the
    same bytes again (deterministic rendering), never that a version is lost. Per batch of
    WRITE_BATCH versions the files are made durable with one sync and marked in one transaction
    (an optimistic update per version, so of two concurrent runs only one counts each); that
    transaction is run again when PostgreSQL aborts it (`nazorg.store.retry`). `progress` hears
    (versions handled, versions pending at the start) after every batch.
    """
    from nazorg.emission.outbox import sync_files

    written: list[Emitted] = []
    batch: list[tuple[Emission, Emitted]] = []
    total = count_pending(engine) if progress is not None else None
    handled = 0
    tick(progress, 0, total)

    def mark_batch(session: Session) -> list[Emitted]:
        marked = []
        for emission, item in batch:
            result = session.execute(
                update(Emission)
                .where(col(Emission.id) == emission.id)
                .where(col(Emission.written_at).is_(None))
                .values(written_at=now, ics_path=item.ics, eml_path=item.eml)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                marked.append(item)
        return marked

    def mark() -> None:
        nonlocal handled
        sync_files([Path(p) for _, item in batch for p in (item.ics, item.eml) if p])
        written.extend(run_transaction(engine, mark_batch))
        handled += len(batch)
        batch.clear()
        tick(progress, handled, max(total, handled) if total is not None else None)

    for emission in pending_emissions(engine):
        batch.append((emission, _write_one(emission, outbox=outbox, renderer=renderer)))
        if len(batch) >= WRITE_BATCH:
            mark()
    if batch:
        mark()
    return written


def _write_one(emission: Emission, *, outbox: Path, renderer: Renderer) -> Emitted:
    from nazorg.emission.outbox import write_atomic

    if emission.purpose == ESCALATION:
        notice = EscalationNotice.from_json(emission.payload)
        eml_path = outbox / (
            f"{emission.decided_on.isoformat()}/nazorg-{emission.followup_id}-"
            f"{notice.kind}-escalatie-{emission.sequence:03d}.eml"
        )
        write_atomic(eml_path, renderer.render_escalation(notice), durable=False)
        return Emitted(
            emission.followup_id,
            notice.kind,
            "ESCALATION",
            notice.uid,
            emission.sequence,
            tuple(p.email for p in notice.recipients),
            None,
            str(eml_path),
        )
    version = InviteVersion.from_json(emission.payload)
    ics, eml = renderer.render(version)
    stem = outbox / file_stem(emission, version)
    ics_path = stem.with_name(stem.name + ".ics")
    eml_path = stem.with_name(stem.name + ".eml")
    write_atomic(ics_path, ics, durable=False)
    write_atomic(eml_path, eml, durable=False)
    return Emitted(
        emission.followup_id,
        version.kind,
        version.method,
        version.uid,
        version.sequence,
        tuple(p.email for p in version.attendees),
        str(ics_path),
        str(eml_path),
    )


def describe(emission: Emission) -> Emitted:
    """An emission that was decided but not written (for --dry-run)."""
    if emission.purpose == ESCALATION:
        notice = EscalationNotice.from_json(emission.payload)
        return Emitted(
            emission.followup_id,
            notice.kind,
            "ESCALATION",
            notice.uid,
            emission.sequence,
            tuple(p.email for p in notice.recipients),
            None,
            "",
        )
    version = InviteVersion.from_json(emission.payload)
    return Emitted(
        emission.followup_id,
        version.kind,
        version.method,
        version.uid,
        version.sequence,
        tuple(p.email for p in version.attendees),
        "",
        "",
    )
