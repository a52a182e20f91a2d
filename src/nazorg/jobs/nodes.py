"""Which runs another node did while this one waited for the node lock (issue 16).

A node that had to wait for the lock asks, once it holds it, whether the run it waited for
finished: then the day's job is done and it skips; if that node died mid-run (its run still
`running`, the lock released by the server) it runs the job itself.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from nazorg.store.models import Run


def runs_floor(engine: Engine) -> int:
    """The id below which no run can be the one this node is about to wait for: below the newest
    run still running (the lock holder's, if it has recorded it), else the newest run (the lock
    holder records its run after this)."""
    with Session(engine) as session:
        running = session.exec(select(func.max(Run.id)).where(Run.outcome == "running")).one()
        newest = session.exec(select(func.max(Run.id))).one()
    if running is not None:
        return int(running) - 1
    return int(newest or 0)


def run_done_since(engine: Engine, floor: int, today: date) -> str | None:
    """The node of a run for `today` with an id above `floor` that ended well, if any (its node,
    or '?' when it recorded none)."""
    with Session(engine) as session:
        run = session.exec(
            select(Run)
            .where(col(Run.id) > floor)
            .where(Run.today == today)
            .where(Run.outcome == "ok")
            .order_by(col(Run.id).desc())
            .limit(1)
        ).first()
    if run is None:
        return None
    return run.node or "?"
