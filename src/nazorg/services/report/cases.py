"""The report's table of investigations, buddy contacts and recovery plans (issue 15).

Rules:
- The counts are `nazorg.services.cases.figures.case_figures` for the period: a report counts
  for the team its reporter belongs to now, a contact moment and a plan for the team of the
  person they are about. No name, date, kind or note: counts only.
- The rows are the main table's rows: the same small teams merged into "overige teams", then the
  total row, which sums every column.
- `buddy_contacts_not_on_time` is `buddy_contacts_due` minus those held on time (published, so
  that the three form a partition the suppression protects as an equation).
- The same suppression as the rest of the report (`nazorg.core.suppression`): 1..k-1 reads `<k`,
  secondary suppression down each column against the total and across the partition; a figure
  the labels alone would give away is hidden too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlmodel import Session

from nazorg.core.suppression import (
    OTHER_TEAMS,
    Cell,
    Partition,
    Table,
    add_total_row,
    suppress_in_blocks,
)
from nazorg.core.workdays import WorkCalendar
from nazorg.services.cases.figures import case_figures
from nazorg.services.report.period import Period

NOT_ON_TIME = "buddy_contacts_not_on_time"
COLUMNS = (
    "open_investigations",
    "buddy_contacts_due",
    "buddy_contacts_held_on_time",
    NOT_ON_TIME,
    "plans_started",
    "plans_completed",
)
BUDDY = Partition("buddy_contacts_due", ("buddy_contacts_held_on_time", NOT_ON_TIME))


@dataclass(frozen=True)
class CaseRow:
    team: str  # a team code, "overige teams" or the total row's name
    name: str
    cells: Mapping[str, Cell]


def case_table(
    session: Session,
    period: Period,
    *,
    rows: Iterable[str],
    names: Mapping[str, str],
    total: str,
    k: int,
    overdue_workdays: int,
    calendar: WorkCalendar,
) -> dict[str, CaseRow]:
    """The suppressed rows (module doc) for the main table's team rows `rows` (team codes and
    perhaps "overige teams", which takes every team without a row of its own), then `total`."""
    wanted = list(rows)
    per_team = case_figures(
        session,
        period.first,
        period.last,
        overdue_workdays=overdue_workdays,
        calendar=calendar,
    )
    counts = {name: dict.fromkeys(COLUMNS, 0) for name in wanted}
    for code, figures in per_team.items():
        name = code if code in counts else OTHER_TEAMS
        if name not in counts:
            continue  # a team with no row at all (none in "overige teams"): not in the report
        row = counts[name]
        for column, value in figures.items():
            if column in row:
                row[column] += value
        row[NOT_ON_TIME] += figures["buddy_contacts_due"] - figures["buddy_contacts_held_on_time"]
    table = Table(
        add_total_row(counts, COLUMNS, total), COLUMNS, total_row=total, partitions=(BUDDY,)
    )
    published = suppress_in_blocks(table, k=k)
    return {
        name: CaseRow(name, names[name], {c: published.cell(name, c) for c in COLUMNS})
        for name in table.rows
    }
