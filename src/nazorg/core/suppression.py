"""Small-count suppression for the monthly anonymous report to sector leadership.

The report is a table: one row per basic team plus a total row, one column per figure. Sector
leadership sees aggregated figures with small counts hidden (DOMAIN.md, "Who may see what"). The
rules, in the order they are applied:

1. Small teams. A team with fewer than k employees is not reported on its own: its counts go into
   the row "overige teams" (`merge_small_teams`), before anything else.
2. Zero is shown. A 0 tells nobody anything about a person here (no one was, say, overdue), and
   hiding it would only force more hiding elsewhere; so 0 is never hidden.
3. Primary suppression. A count from 1 to k-1 is hidden and reads `<k` (`<5` for the default
   k = 5) in every format.
4. Secondary suppression. No hidden figure may follow from the shown ones by subtraction. Every
   row's partition (the check-in outcomes adding up to `checkins_due`) and every summed column (the
   team rows adding up to the total row) is an equation. Whenever an equation has exactly one
   hidden figure, a second one is hidden: the smallest shown non-zero part (ties: table order)
   that leaves the first figure more than one possible value within this equation, else simply the
   smallest shown non-zero part, else the equation's total. Rows before columns, top to bottom and
   left to right, starting over after every new hidden figure, until stable. A secondary figure
   reads `x`.
5. Bounds and chains. Step 4 is what statistics offices do, but it is not enough on its own: the
   labels tell the reader something (`<5` is 1..4, `x` is at least 5), and equations can be
   combined. Two `<5` figures that are the only hidden ones of a row which adds up to 2 are both 1.
   So after step 4 every hidden figure is checked against the reader model of
   `nazorg.core.disclosure` (exact: all equations at once, with the labels' bounds). The first
   pinned figure (table order) gets the cheapest set of shown non-zero figures whose hiding lets it
   take another value: the fewest figures, then the smallest sum (one cycle through the table's
   equations; `ReaderModel.partners`). Then back to step 4.
6. Exposure. A figure that stays pinned even if every non-zero figure were hidden cannot be
   protected by suppression (a tiny table whose labels alone give it away). It is hidden and
   listed in `SuppressedTable.exposed`; the caller must then merge teams or leave the table out.
7. Shares. A percentage is shown only when both its numerator and its denominator are (`share`).

Everything is deterministic: the same table gives the same hidden cells, ties broken by row order
(as given) and then column order (as given).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from nazorg.core.disclosure import Bounds, CellRef, Equation, ReaderModel

DEFAULT_K = 5
OTHER_TEAMS = "overige teams"
SuppressionKind = Literal["primary", "secondary"]


@dataclass(frozen=True, slots=True)
class Hidden:
    """A figure left out of the report. It carries no value, so no renderer can leak it."""

    kind: SuppressionKind
    k: int

    @property
    def label(self) -> str:
        """`<k` for a small count (1..k-1); `x` for a figure hidden to protect another."""
        return f"<{self.k}" if self.kind == "primary" else "x"

    def __str__(self) -> str:
        return self.label


Cell = int | Hidden
"""A published figure: the count, or `Hidden`."""


@dataclass(frozen=True, slots=True)
class Partition:
    """Figures that add up to a total in every row (the check-in outcomes to `checkins_due`)."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """The report's counts: `rows` maps row name to {figure: count}, the total row included.

    `summed` names the figures whose total row is the sum of the team rows (default: all). Every
    partition's figures must be summed. The constructor checks that the counts obey all equations.
    """

    rows: Mapping[str, Mapping[str, int]]
    columns: tuple[str, ...]
    total_row: str = "totaal"
    partitions: tuple[Partition, ...] = ()
    summed: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.total_row not in self.rows:
            raise ValueError(f"the table has no total row {self.total_row!r}")
        for name, row in self.rows.items():
            if set(row) != set(self.columns):
                raise ValueError(f"row {name!r} does not have exactly the figures {self.columns}")
            if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in row.values()):
                raise ValueError(f"row {name!r} has a figure that is not a count")
        in_partition = [c for p in self.partitions for c in (*p.parts, p.total)]
        if len(set(in_partition)) != len(in_partition):
            raise ValueError("a figure is in two partitions")
        if not set(in_partition) <= self.summed_columns:
            raise ValueError("every figure of a partition must be summed in the total row")
        for equation in self.equations():
            parts = sum(self.value(cell) for cell in equation.parts)
            if parts != self.value(equation.total):
                raise ValueError(f"the figures do not add up: {equation.name}")

    @property
    def summed_columns(self) -> frozenset[str]:
        return frozenset(self.columns) if self.summed is None else self.summed

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(name for name in self.rows if name != self.total_row)

    def value(self, cell: CellRef) -> int:
        return self.rows[cell[0]][cell[1]]

    def cells(self) -> Iterator[CellRef]:
        """Every cell in table order: rows as given, then columns as given."""
        for row in self.rows:
            for column in self.columns:
                yield (row, column)

    def equations(self) -> list[Equation]:
        """Row equations (each row's partitions), then column equations (summed figures)."""
        result = [
            Equation(
                f"the {p.total} of row {row!r}", tuple((row, c) for c in p.parts), (row, p.total)
            )
            for row in self.rows
            for p in self.partitions
        ]
        result += [
            Equation(
                f"the column {column!r}",
                tuple((team, column) for team in self.teams),
                (self.total_row, column),
            )
            for column in self.columns
            if column in self.summed_columns
        ]
        return result


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a cell is hidden: `kind`, and in words which rule did it."""

    kind: SuppressionKind
    why: str


@dataclass(frozen=True)
class SuppressedTable:
    """The outcome of `suppress`: what to publish, and which cells are hidden and why."""

    table: Table
    k: int
    hidden: Mapping[CellRef, Reason]
    exposed: frozenset[CellRef] = field(default_factory=frozenset)

    def cell(self, row: str, column: str) -> Cell:
        reason = self.hidden.get((row, column))
        return self.table.rows[row][column] if reason is None else Hidden(reason.kind, self.k)

    def label(self, row: str, column: str) -> str:
        """The text to print: the count, `<k` or `x`."""
        return str(self.cell(row, column))

    def rows(self) -> dict[str, dict[str, Cell]]:
        return {r: {c: self.cell(r, c) for c in self.table.columns} for r in self.table.rows}


def suppress(table: Table, *, k: int = DEFAULT_K) -> SuppressedTable:
    """Hide small counts and whatever would give them away (rules 2-6 of the module docstring)."""
    if k < 3:
        raise ValueError("k must be at least 3: with k = 2 the label '<2' would read as 1")
    return _Suppressor(table, k).run()


class _Suppressor:
    def __init__(self, table: Table, k: int) -> None:
        self.table = table
        self.k = k
        self.values = {cell: table.value(cell) for cell in table.cells()}
        self.position = {cell: index for index, cell in enumerate(table.cells())}
        self.equations = table.equations()
        self.model = ReaderModel(self.equations)
        self.single = [ReaderModel((equation,)) for equation in self.equations]
        self.hidden: dict[CellRef, Reason] = {
            cell: Reason("primary", f"a count from 1 to {k - 1}")
            for cell, value in self.values.items()
            if 0 < value < k
        }
        self.exposed: set[CellRef] = set()
        self.free: set[CellRef] = set()
        """Hidden cells known not to be pinned. Hiding only ever adds cells, each with fixed
        bounds and value, so every path that freed a cell stays: a free cell stays free."""

    def run(self) -> SuppressedTable:
        while self._lone_figure_step() or self._pinned_figure_step():
            pass
        return SuppressedTable(self.table, self.k, dict(self.hidden), frozenset(self.exposed))

    def bounds(self, extra: Sequence[CellRef] = ()) -> dict[CellRef, Bounds]:
        """What the labels tell the reader, with `extra` cells hidden as secondaries."""
        result = {
            cell: Bounds(1, self.k - 1) if reason.kind == "primary" else Bounds(self.k, None)
            for cell, reason in self.hidden.items()
        }
        result.update({cell: Bounds(self.k, None) for cell in extra})
        return result

    def shown_nonzero(self, cells: Sequence[CellRef]) -> list[CellRef]:
        """The cells that may still be hidden as partners, smallest first, ties in table order."""
        candidates = [c for c in cells if c not in self.hidden and self.values[c] > 0]
        return sorted(candidates, key=lambda c: (self.values[c], self.position[c]))

    def _lone_figure_step(self) -> bool:
        """Rule 4: give the first equation with exactly one hidden figure a second one."""
        for index, equation in enumerate(self.equations):
            hidden = [c for c in (*equation.parts, equation.total) if c in self.hidden]
            if len(hidden) != 1:
                continue
            parts = self.shown_nonzero(equation.parts)
            lone = hidden[0]
            freeing = [
                c
                for c in parts
                if not self.single[index].pinned(lone, self.values, self.bounds([c]))
            ]
            choices = freeing or parts or self.shown_nonzero([equation.total])
            if choices:
                self._hide(choices[0], f"second hidden figure in {equation.name}")
                return True
        return False

    def _pinned_figure_step(self) -> bool:
        """Rules 5 and 6: give the first pinned hidden figure its cheapest partners, or mark it."""
        bounds = self.bounds()
        optional = {
            cell: Bounds(self.k, None)
            for cell, value in self.values.items()
            if value > 0 and cell not in self.hidden
        }
        network = self.model.network(self.values, bounds)
        for cell in sorted(self.hidden, key=self.position.__getitem__):
            if cell in self.exposed or cell in self.free:
                continue
            if not self.model.pinned(cell, self.values, bounds, network):
                self.free.add(cell)
                continue
            partners = self.model.partners(cell, self.values, bounds, optional)
            if partners is None:
                self.exposed.add(cell)
                continue
            for partner in partners:
                self._hide(partner, f"lets {cell} take another value")
            return True
        return False

    def _hide(self, cell: CellRef, why: str) -> None:
        self.hidden[cell] = Reason("secondary", why)


def suppress_in_blocks(table: Table, *, k: int = DEFAULT_K) -> SuppressedTable:
    """`suppress` on each group of figures that share an equation, put back together.

    The groups: each partition's total with its parts; every other figure alone (with its
    column equation when summed). No equation links two groups, so a reader learns nothing more
    from the whole than from the groups, and each group is far quicker to protect than the whole.
    """
    grouped = [(p.total, *p.parts) for p in table.partitions]
    in_group = {c for block in grouped for c in block}
    blocks = grouped + [(c,) for c in table.columns if c not in in_group]
    hidden: dict[CellRef, Reason] = {}
    exposed: set[CellRef] = set()
    for block in blocks:
        part = Table(
            {name: {c: row[c] for c in block} for name, row in table.rows.items()},
            block,
            total_row=table.total_row,
            partitions=tuple(p for p in table.partitions if p.total == block[0]),
            summed=frozenset(block) & table.summed_columns,
        )
        result = suppress(part, k=k)
        hidden.update(result.hidden)
        exposed |= result.exposed
    return SuppressedTable(table, k, hidden, frozenset(exposed))


def share(numerator: Cell, denominator: Cell) -> float | None:
    """The percentage numerator / denominator (0-100), or `None` where it may not be shown.

    Rule: a share is shown only when both its numerator and its denominator are shown (a share
    next to one hidden count gives that count away), and not for a zero denominator.
    """
    if isinstance(numerator, Hidden) or isinstance(denominator, Hidden) or denominator == 0:
        return None
    return 100 * numerator / denominator


def add_total_row(
    teams: Mapping[str, Mapping[str, int]], columns: Sequence[str], name: str = "totaal"
) -> dict[str, dict[str, int]]:
    """The team rows followed by a total row `name` that sums every figure in `columns`."""
    if name in teams:
        raise ValueError(f"a team is called {name!r}, the name of the total row")
    rows = {team: {c: row[c] for c in columns} for team, row in teams.items()}
    rows[name] = {c: sum(row[c] for row in teams.values()) for c in columns}
    return rows


def merge_small_teams(
    teams: Mapping[str, Mapping[str, int]],
    sizes: Mapping[str, int],
    *,
    k: int = DEFAULT_K,
    merged: str = OTHER_TEAMS,
) -> dict[str, dict[str, int]]:
    """Rule 1: every team with fewer than `k` employees goes into the row `merged`, counts summed.

    `sizes` gives each team's number of employees (the caller knows them; this module does not).
    If the merged teams together still have fewer than `k` employees, the smallest remaining team
    (fewest employees, ties in the given order) joins them, and so on, so that the merged row never
    stands for fewer than k people. The merged row comes after the other teams; without small
    teams the rows come back unchanged.
    """
    if merged in teams:
        raise ValueError(f"a team is already called {merged!r}")
    missing = [team for team in teams if team not in sizes]
    if missing:
        raise ValueError(f"no team size for {missing}")
    small = [team for team in teams if sizes[team] < k]
    if not small:
        return {team: dict(row) for team, row in teams.items()}
    order = {team: index for index, team in enumerate(teams)}
    rest = sorted((t for t in teams if t not in small), key=lambda t: (sizes[t], order[t]))
    while sum(sizes[t] for t in small) < k and rest:
        small.append(rest.pop(0))
    result = {team: dict(row) for team, row in teams.items() if team not in small}
    columns = next(iter(teams.values())).keys()
    result[merged] = {c: sum(teams[t][c] for t in small) for c in columns}
    return result
