"""A person's records as the AVG features read and delete them: their follow-ups, incidents and
versions, in chunks; rows deleted with everything that refers to them; outbox files removed.

File deletions happen inside the database transaction, before its commit: a file that cannot be
deleted rolls the whole step back (tried again next time), and a failed commit leaves the data in
place (deleting a file twice is harmless). Nothing is ever half erased.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from nazorg.core.clock import AMSTERDAM
from nazorg.core.errors import NazorgError
from nazorg.store.models import CounterProposal, Emission, FollowUp, IncidentEmployee

CHUNK = 500


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def local_day(instant: datetime) -> date:
    return instant.astimezone(AMSTERDAM).date()


def iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is UTC:
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


def own_followups(session: Session, number: str) -> list[FollowUp]:
    return list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.employee_number == number)
            .order_by(col(FollowUp.due_on), col(FollowUp.id))
        ).all()
    )


def own_incident_ids(session: Session, number: str) -> list[int]:
    return list(
        session.exec(
            select(IncidentEmployee.incident_id)
            .where(IncidentEmployee.employee_number == number)
            .order_by(col(IncidentEmployee.incident_id))
        ).all()
    )


def emissions_of(session: Session, followup_ids: Sequence[int]) -> list[Emission]:
    found: list[Emission] = []
    for chunk in chunks(list(followup_ids)):
        found += session.exec(
            select(Emission).where(col(Emission.followup_id).in_(chunk)).order_by(col(Emission.id))
        ).all()
    return sorted(found, key=lambda e: e.id or 0)


def files_of(
    session: Session, followup_ids: Sequence[int], emissions: Sequence[Emission]
) -> list[str]:
    """The outbox files of these versions and of the DECLINECOUNTERs written for these
    conversations (issue 13), each once."""
    paths = [p for e in emissions for p in (e.ics_path, e.eml_path) if p]
    for chunk in chunks(list(followup_ids)):
        for ics, eml in session.exec(
            select(CounterProposal.ics_path, CounterProposal.eml_path).where(
                col(CounterProposal.followup_id).in_(chunk)
            )
        ).all():
            paths += [p for p in (ics, eml) if p]
    return list(dict.fromkeys(paths))


def like_pattern(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def unlink_files(paths: Iterable[str | None]) -> int:
    removed = 0
    for raw in paths:
        if not raw:
            continue
        path = Path(raw)
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise NazorgError(
                f"kan {path} niet verwijderen ({exc.strerror}); er is niets gewist, het wordt "
                "bij de volgende run opnieuw geprobeerd; controleer de rechten van de outbox"
            ) from None
    return removed


def _referring(table: sa.Table) -> list[tuple[sa.Table, sa.ForeignKey]]:
    return [
        (other, fk)
        for other in SQLModel.metadata.tables.values()
        for fk in other.foreign_keys
        if fk.column.table is table and other is not table
    ]


def delete_rows(
    session: Session, table: sa.Table, column: sa.Column[Any], values: list[Any]
) -> int:
    """Delete the rows of `table` whose `column` is in `values`, after the rows of any other
    table that refer to them (any depth, so tables added by later features are covered)."""
    if not values:
        return 0
    deleted = 0
    for chunk in chunks(values):
        for other, fk in _referring(table):
            referenced = list(
                session.execute(sa.select(fk.column).where(column.in_(chunk))).scalars()
            )
            delete_rows(session, other, fk.parent, referenced)
        result = session.execute(sa.delete(table).where(column.in_(chunk)))
        deleted += result.rowcount  # type: ignore[attr-defined]
    return deleted


def table_of(model: type[SQLModel]) -> sa.Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


def delete_followups(session: Session, followup_ids: list[int]) -> tuple[int, int]:
    """Delete follow-ups with their versions (and anything referring to those); returns counts."""
    emission = table_of(Emission)
    followup = table_of(FollowUp)
    emissions = delete_rows(session, emission, emission.c.followup_id, followup_ids)
    return delete_rows(session, followup, followup.c.id, followup_ids), emissions
