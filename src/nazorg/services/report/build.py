"""The report as published: counts per team and in total, suppressed, with the 12-month trend.

Rules (issue 14, on top of `nazorg.core.suppression`):
- Teams with fewer than k employees (at the end of the period) are merged into "overige teams".
- The check-in outcomes are a partition of `checkins_due` in every row; every figure except
  `incidents` (an incident can touch two teams) is summed down the columns into the total row.
- The median of the registration days is shown only where the row's `incidents` is shown and at
  least k: a median of fewer incidents would come close to the dates of single incidents.
- The share held on time is shown only where both `held_on_time` and `checkins_due` are.
- The trend: 12 months ending with the period's last month, incidents of the whole organisation
  and the share held on time (each month in its state at its own end); counts from 1 to k-1
  hidden. For the report's own month the share follows the table's total row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from nazorg.core.charts import MonthFigures
from nazorg.core.errors import NazorgError
from nazorg.core.progress import Progress, tick
from nazorg.core.suppression import (
    OTHER_TEAMS,
    Cell,
    Hidden,
    Partition,
    SuppressedTable,
    Table,
    add_total_row,
    merge_small_teams,
    share,
    suppress_in_blocks,
)
from nazorg.core.workdays import WorkCalendar
from nazorg.services.report import figures, retained
from nazorg.services.report.cases import CaseRow, case_table
from nazorg.services.report.figures import PARTITION, Counts, kind_column
from nazorg.services.report.period import Period
from nazorg.store.engine import reading

TOTAL = "totaal"
_T = TypeVar("_T")


@dataclass(frozen=True)
class Row:
    team: str  # a team code, "overige teams" or "totaal"
    name: str
    cells: Mapping[str, Cell]
    registration_days_median: float | None
    held_on_time_share: float | None


@dataclass(frozen=True)
class Report:
    period: Period
    k: int
    kinds: tuple[str, ...]
    teams: tuple[Row, ...]
    total: Row
    trend: tuple[MonthFigures, ...]
    #: Investigations, buddy contacts and recovery plans (issue 15): the shown rows, then total.
    cases: tuple[CaseRow, ...] = ()


@dataclass(frozen=True)
class Options:
    """What the counts depend on besides the database (from the settings)."""

    k: int = 5
    kinds: tuple[str, ...] = ()
    overdue_workdays: int = 10
    violence_kinds: tuple[str, ...] = ("geweld",)


#: The steps of making a report, for progress: four in `build`, then rendering.
STEPS = 5


def build(
    session: Session,
    period: Period,
    options: Options,
    *,
    team: str | None = None,
    calendar: WorkCalendar | None = None,
    progress: Progress | None = None,
    beside: bool = False,
) -> Report:
    """The published report of `period` (module doc); `team`: that team's row and the total.
    `progress(done, STEPS)` hears each of its steps (counting, publishing, the trend, the reports'
    table); the caller adds the last, rendering. `beside`: read the trend's months and the R&O's
    violence point on connections of their own while the period is counted (`_read`), for
    a caller whose transaction has written nothing the report counts."""
    calendar = calendar or WorkCalendar()
    months = period.trend_months()
    if period.span == 1:
        months = months[:-1]  # the report's own month comes from its total row

    def live_trend(reader: Session) -> list[figures.TrendMonth]:
        return figures.trend(
            reader, months, overdue_workdays=options.overdue_workdays, calendar=calendar
        )

    def points(reader: Session) -> Counter[str]:
        return figures.violence_points(reader, period.first, period.last, options.violence_kinds)

    live = _read(session, live_trend, beside=beside)
    violence = _read(session, points, beside=beside)
    tick(progress, 0, STEPS)
    org = figures.organisation(session, period.last)
    if team is not None and team not in org.names:
        raise NazorgError(f"--team: onbekend team {team!r}; zie `nazorg employee list`")
    counts = raw_counts(session, period, replace(options, violence_kinds=()), calendar)
    for name, n in violence().items():
        counts.teams[name]["ro_with_violence_point"] += n
    tick(progress, 1, STEPS)
    columns = counts.columns()
    per_team = {code: {c: counts.teams[code][c] for c in columns} for code in org.names}
    merged, published = _publish(per_team, org.sizes, counts, columns, options.k)
    if team is not None and team not in merged:
        raise NazorgError(
            f"--team: team {team} is te klein om apart te tonen en staat in "
            f"'{OTHER_TEAMS}'; vraag het hele rapport op"
        )
    rows = published.table.rows
    histograms = _merged_histograms(counts, merged)
    names = {**org.names, OTHER_TEAMS: OTHER_TEAMS.capitalize(), TOTAL: "Totaal"}
    made = {name: _row(published, name, names[name], histograms[name]) for name in rows}
    shown = [made[name] for name in merged if team is None or name == team]
    tick(progress, 2, STEPS)
    trend = _trend(session, period, options, live(), made[TOTAL])
    tick(progress, 3, STEPS)
    cases = case_table(
        session,
        period,
        rows=merged,
        names=names,
        total=TOTAL,
        k=options.k,
        overdue_workdays=options.overdue_workdays,
        calendar=calendar,
    )
    shown_cases = [cases[name] for name in merged if team is None or name == team]
    tick(progress, 4, STEPS)
    return Report(
        period,
        options.k,
        tuple(counts.kinds),
        tuple(shown),
        made[TOTAL],
        trend,
        (*shown_cases, cases[TOTAL]),
    )


def _publish(
    per_team: dict[str, dict[str, int]],
    sizes: Mapping[str, int],
    counts: Counts,
    columns: list[str],
    k: int,
) -> tuple[dict[str, dict[str, int]], SuppressedTable]:
    """Merge small teams, suppress; while a hidden figure stays exposed (the labels alone give
    it away, `SuppressedTable.exposed`), merge the next smallest team into "overige teams" too.
    With one team row left, what stays exposed is hidden all the same."""
    sizes = dict(sizes)
    while True:
        merged = merge_small_teams(per_team, sizes, k=k)
        rows = add_total_row(merged, columns, TOTAL)
        unsummed = {"incidents", *(kind_column(kind) for kind in counts.kinds)}
        for column in unsummed:
            rows[TOTAL][column] = counts.total[column]
        table = Table(
            rows,
            tuple(columns),
            total_row=TOTAL,
            partitions=(Partition("checkins_due", PARTITION),),
            summed=frozenset(columns) - unsummed,
        )
        published = _suppress_in_blocks(table, k)
        separate = [t for t in merged if t != OTHER_TEAMS]
        if not published.exposed or len(merged) <= 1 or not separate:
            return merged, published
        order = {t: i for i, t in enumerate(per_team)}
        smallest = min(separate, key=lambda t: (sizes[t], order[t]))
        sizes[smallest] = 0


def _suppress_in_blocks(table: Table, k: int) -> SuppressedTable:
    """`suppress_in_blocks`: the check-in partition as one group, every other figure alone."""
    return suppress_in_blocks(table, k=k)


def raw_counts(
    session: Session, period: Period, options: Options, calendar: WorkCalendar
) -> Counts:
    counts = figures.count(
        session,
        period,
        kinds=options.kinds,
        overdue_workdays=options.overdue_workdays,
        violence_kinds=options.violence_kinds,
        calendar=calendar,
    )
    retained.add(session, counts, period)
    return counts


def _merged_histograms(counts: Counts, merged: Mapping[str, object]) -> dict[str, Counter[int]]:
    result: dict[str, Counter[int]] = {name: Counter() for name in merged}
    result[TOTAL] = Counter(counts.total_registration)
    for code, histogram in counts.registration.items():
        result[code if code in merged else OTHER_TEAMS].update(histogram)
    return result


def median(histogram: Mapping[int, int]) -> float | None:
    """The median of the values counted in `histogram` (the mean of the middle two when even)."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    values: list[int] = []
    seen = 0
    for value in sorted(histogram):
        for index in middle:
            if seen <= index < seen + histogram[value]:
                values.append(value)
        seen += histogram[value]
    return sum(values) / 2


def _row(published: SuppressedTable, name: str, label: str, histogram: Counter[int]) -> Row:
    cells = {c: published.cell(name, c) for c in published.table.columns}
    incidents = cells["incidents"]
    days = median(histogram) if isinstance(incidents, int) and incidents >= published.k else None
    return Row(
        team=name,
        name=label,
        cells=cells,
        registration_days_median=days,
        held_on_time_share=share(cells["held_on_time"], cells["checkins_due"]),
    )


def _primary(value: int, k: int) -> Cell:
    return Hidden("primary", k) if 0 < value < k else value


def _trend(
    session: Session,
    period: Period,
    options: Options,
    live: list[figures.TrendMonth],
    total: Row,
) -> tuple[MonthFigures, ...]:
    """The trend's months: the live figures (`live`, the report's own month left out for a
    one-month report) with the purge's retained counts; the report's own month from `total`."""
    result = []
    for index, month in enumerate(period.trend_months()):
        if period.span == 1 and month == period.until:
            result.append(MonthFigures(month, total.cells["incidents"], total.held_on_time_share))
            continue
        figures_of_month = live[index]
        kept = Counts(kinds=list(options.kinds))
        retained.add(session, kept, Period(month))
        incidents = figures_of_month.incidents + kept.total["incidents"]
        on_time = figures_of_month.held_on_time + sum(
            row["held_on_time"] for row in kept.teams.values()
        )
        due = figures_of_month.checkins_due + sum(
            row["checkins_due"] for row in kept.teams.values()
        )
        result.append(
            MonthFigures(
                month,
                _primary(incidents, options.k),
                share(_primary(on_time, options.k), _primary(due, options.k)),
            )
        )
    return tuple(result)


def _read(session: Session, work: Callable[[Session], _T], *, beside: bool) -> Callable[[], _T]:
    """The way to ask for `work`'s result: run in `session` when asked, or (`beside`) started
    now on a thread of its own, in a read-only session on a second connection. The database
    reads both connections at once (SQLite lets a reader run beside the writer in WAL mode and
    releases Python's lock while it reads; PostgreSQL is a server), so the trend's twelve months
    cost no time of their own. Where a second connection cannot see the same data (an in-memory
    SQLite database, a session bound to a connection), `work` runs in `session` when asked."""
    bind = session.get_bind()
    if not beside or not isinstance(bind, Engine) or not _shared_by_connections(bind):
        return lambda: work(session)
    engine = bind

    def in_reading() -> _T:
        with reading(engine) as reader:
            return work(reader)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report")
    future = pool.submit(in_reading)
    pool.shutdown(wait=False)
    return future.result


def _shared_by_connections(engine: Engine) -> bool:
    """Whether a second connection reads the same database: a server, or an SQLite file."""
    if engine.dialect.name != "sqlite":
        return True
    database = engine.url.database or ""
    return database not in ("", ":memory:") and Path(database).is_file()
