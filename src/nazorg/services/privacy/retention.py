"""Retention (`nazorg purge`): incidents and follow-ups whose last conversation was closed more
than `retention_months` ago are deleted, and so are closed reports and finished recovery plans
(`nazorg.services.cases.privacy`); only counts per month, kind, status and outcome remain
(`RetentionCount`), without any person. Open conversations are never purged. Outbox files older
than the same period are removed. The audit trail is append-only and not purged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from nazorg.core.planning import PLANNED
from nazorg.core.progress import Progress, tick
from nazorg.core.workdays import add_months
from nazorg.services import audit
from nazorg.services.audit import clean_actor, day_start
from nazorg.services.cases import privacy as cases_privacy
from nazorg.services.privacy.records import (
    delete_followups,
    delete_rows,
    emissions_of,
    files_of,
    local_day,
    table_of,
    unlink_files,
)
from nazorg.store.locks import lock_for_emission
from nazorg.store.models import FollowUp, Incident, IncidentEmployee, RetentionCount

#: Outbox files nazorg writes (and the temporary files of an interrupted write).
OUTBOX_FILE = re.compile(r"^\.?nazorg-.*\.(ics|eml|tmp)$")
DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class PurgeReport:
    cutoff: date
    dry_run: bool
    incidents: int = 0
    followups: int = 0
    emissions: int = 0
    files: int = 0
    outbox_files: int = 0
    counts: Counter[tuple[str, str, str, str, str]] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "incidents": self.incidents,
            "followups": self.followups,
            "emissions": self.emissions,
            "files": self.files,
            "outbox_files": self.outbox_files,
        }


def _closed_day(f: FollowUp) -> date:
    """The day a closed conversation was closed (a skipped one: its planned day)."""
    return local_day(f.closed_at) if f.closed_at is not None else f.due_on


def _purgeable(session: Session, followups: Sequence[FollowUp], cutoff: date) -> bool:
    """Closed, nothing left to send, and closed before the cutoff."""
    for f in followups:
        if f.status == PLANNED or f.emit_on is not None or _closed_day(f) >= cutoff:
            return False
    ids = [f.id for f in followups if f.id is not None]
    return not any(e.written_at is None for e in emissions_of(session, ids))


def _old_outbox_files(outbox: Path | None, before: datetime) -> list[Path]:
    """nazorg's own files in the outbox last written before `before`."""
    if outbox is None or not outbox.is_dir():
        return []
    limit = before.timestamp()
    found = []
    for path in sorted(outbox.rglob("*")):
        try:
            if OUTBOX_FILE.match(path.name) and path.is_file() and path.stat().st_mtime < limit:
                found.append(path)
        except OSError:
            continue
    return found


def purge(
    session: Session,
    *,
    today: date,
    now: datetime,
    retention_months: int,
    outbox: Path | None,
    actor: str,
    dry_run: bool = False,
    overdue_workdays: int = 10,
    violence_kinds: Sequence[str] = ("geweld",),
    progress: Progress | None = None,
) -> PurgeReport:
    """Delete incidents and conversations closed more than `retention_months` ago, keeping only
    anonymous counts, and remove outbox files older than that (see the module doc).
    `progress(done, total)` hears the old incidents examined, every 200, and the end."""
    actor = clean_actor(actor)
    cutoff = add_months(today, -retention_months)
    report = PurgeReport(cutoff=cutoff, dry_run=dry_run)
    if not dry_run:
        lock_for_emission(session)
    # Reports and recovery plans (issue 15) go as a whole; an incident stays while a plan for it
    # lives.
    case_ids, plan_ids, doomed_followups, case_counts = cases_privacy.purgeable(session, cutoff)
    report.counts.update(case_counts)
    kept = cases_privacy.live_plan_incidents(session, except_plans=plan_ids)
    doomed_incidents: list[Incident] = []
    candidates = session.exec(
        select(Incident).where(col(Incident.occurred_on) < cutoff).order_by(col(Incident.id))
    ).all()
    for done, incident in enumerate(candidates):
        if done % 200 == 0:
            tick(progress, done, len(candidates))
        followups = list(
            session.exec(select(FollowUp).where(FollowUp.incident_id == incident.id)).all()
        )
        if (not followups and local_day(incident.registered_at) >= cutoff) or incident.id in kept:
            continue
        if _purgeable(session, followups, cutoff):
            doomed_incidents.append(incident)
            doomed_followups += followups
    cycle_items = session.exec(
        select(FollowUp)
        .where(col(FollowUp.incident_id).is_(None))
        .where(col(FollowUp.case_id).is_(None))
        .where(col(FollowUp.plan_id).is_(None))
        .where(FollowUp.status != PLANNED)
        .where(col(FollowUp.due_on) < cutoff)
    ).all()
    # This year's cycle items stay: the daily run generates an item only where none exists.
    doomed_followups += [
        f
        for f in cycle_items
        if (f.cycle_year is None or f.cycle_year < today.year) and _purgeable(session, [f], cutoff)
    ]
    for incident in doomed_incidents:
        report.counts[
            (incident.occurred_on.strftime("%Y-%m"), "incident", incident.kind, "", "")
        ] += 1
    for f in doomed_followups:
        if f.case_id is not None or f.plan_id is not None:
            continue  # counted with their report or plan
        report.counts[
            (f.due_on.strftime("%Y-%m"), "followup", f.kind, f.status, f.outcome or "")
        ] += 1
    followup_ids = [f.id for f in doomed_followups if f.id is not None]
    emissions = emissions_of(session, followup_ids)
    report.incidents = len(doomed_incidents)
    report.followups = len(followup_ids)
    report.emissions = len(emissions)
    paths = files_of(session, followup_ids, emissions)
    known = set(paths)
    old_files = [p for p in _old_outbox_files(outbox, day_start(cutoff)) if str(p) not in known]
    report.files = sum(1 for p in paths if Path(p).exists())
    report.outbox_files = len(old_files)
    tick(progress, len(candidates), len(candidates))
    if dry_run:
        return report
    # The monthly report keeps counting them (issue 14): fold them in before they go.
    from nazorg.services.report.retained import fold

    fold(
        session,
        doomed_incidents,
        doomed_followups,
        overdue_workdays=overdue_workdays,
        violence_kinds=violence_kinds,
    )
    delete_followups(session, followup_ids)
    cases_privacy.delete_purged(session, case_ids, plan_ids)
    incident_ids = [i.id for i in doomed_incidents if i.id is not None]
    link = table_of(IncidentEmployee)
    delete_rows(session, link, link.c.incident_id, incident_ids)
    incidents = table_of(Incident)
    delete_rows(session, incidents, incidents.c.id, incident_ids)
    for (month, subject, kind, status, outcome), count in sorted(report.counts.items()):
        row = session.exec(
            select(RetentionCount)
            .where(RetentionCount.month == month)
            .where(RetentionCount.subject == subject)
            .where(RetentionCount.kind == kind)
            .where(RetentionCount.status == status)
            .where(RetentionCount.outcome == outcome)
        ).first()
        if row is None:
            row = RetentionCount(
                month=month, subject=subject, kind=kind, status=status, outcome=outcome
            )
        row.count += count
        session.add(row)
    audit.record(
        session,
        now=now,
        actor=actor,
        action="retention.purge",
        entity="retention",
        entity_id=cutoff.isoformat(),
        details=(
            f"afgesloten voor {cutoff.isoformat()}: {report.incidents} incident(en), "
            f"{report.followups} gesprek(ken), {report.emissions} versie(s), "
            f"{report.files + report.outbox_files} bestand(en) verwijderd"
        ),
    )
    session.flush()
    # Last, so that a failure before leaves every file in place; a failure here rolls back.
    unlink_files(paths)
    unlink_files(str(p) for p in old_files)
    _remove_empty_date_folders(outbox)
    return report


def _remove_empty_date_folders(outbox: Path | None) -> None:
    if outbox is None or not outbox.is_dir():
        return
    for folder in sorted(outbox.iterdir()):
        if folder.is_dir() and DATE_FOLDER.match(folder.name):
            try:
                folder.rmdir()
            except OSError:
                continue  # not empty, or not ours to remove


def retention_counts(session: Session) -> list[RetentionCount]:
    return list(
        session.exec(
            select(RetentionCount).order_by(
                col(RetentionCount.month), col(RetentionCount.subject), col(RetentionCount.kind)
            )
        ).all()
    )
