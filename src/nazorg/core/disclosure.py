"""What a reader can work out from a suppressed table: which hidden figures are pinned down.

The reader model. Someone reading the published report knows:

- every figure that is shown;
- the equations of the table: in every row the parts of a partition add up to its total, and down
  every summed column the team rows add up to the total row;
- what a hidden figure's label says. A `<k` figure is a count from 1 to k-1 (a primary
  suppression). Zero is always shown and 1..k-1 always reads `<k`, so any other hidden figure (a
  secondary suppression) is a count of at least k.

A hidden figure is *pinned* when those facts leave it exactly one possible value. The rule this
module decides is: a hidden figure is safe iff some other table, with the same shown figures, the
same equations and every hidden figure within its label's bounds, gives it a different value.

How it decides (exact, not a heuristic). Every cell of a two-way table with margins is in at most
two equations: its row's partition and its column's sum. Give every equation a sign (+1 or -1) so
that each cell counts +1 in one of its equations and -1 in the other; that is possible exactly
because the table is two-way, and a table where it is not raises `ValueError`. Then the equations
are the nodes of a network and each hidden cell is an arc from the equation where it counts +1 to
the one where it counts -1 (a cell in one equation only, such as a figure that is summed down its
column but belongs to no partition, runs to a ground node that has no equation). A change to the
hidden figures that keeps every equation true is a circulation in that network. A hidden figure can
rise by one iff a path leads back from its head to its tail through arcs that can move: forward
through a hidden figure below its upper bound (it rises), backward through one above its lower
bound (it falls). It can fall by one iff the mirror path exists. The constraint matrix of a network
is totally unimodular, so a feasible integer change exists iff such a one-step cycle exists:
searching for the two paths is the whole test.

The same search answers "which shown figures should be hidden so that this one is safe": let shown
figures be arcs too, at a cost, and take the cheapest path (`ReaderModel.partners`). That is the
network approach to cell suppression in two-way tables known from the statistics literature.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

CellRef = tuple[str, str]
"""A cell of the table: (row name, figure name)."""

GROUND = -1
"""The node for the equation-free end of a cell that is in only one equation."""


@dataclass(frozen=True, slots=True)
class Equation:
    """A published equation: the `parts` add up to `total`."""

    name: str
    parts: tuple[CellRef, ...]
    total: CellRef


@dataclass(frozen=True, slots=True)
class Bounds:
    """What a hidden figure's label tells the reader: `low <= value <= high` (`None`: no limit)."""

    low: int
    high: int | None

    def below_high(self, value: int) -> bool:
        return self.high is None or value < self.high


class ReaderModel:
    """The equations of one table as a network, to ask which hidden figures are pinned."""

    def __init__(self, equations: Sequence[Equation]) -> None:
        """Build the network; `ValueError` when the equations are not those of a two-way table."""
        self.equations = tuple(equations)
        coefficients: dict[CellRef, list[tuple[int, int]]] = {}
        for index, equation in enumerate(self.equations):
            cells = (*equation.parts, equation.total)
            if len(set(cells)) != len(cells):
                raise ValueError(f"equation {equation.name!r} names a cell twice")
            for cell in equation.parts:
                coefficients.setdefault(cell, []).append((index, 1))
            coefficients.setdefault(equation.total, []).append((index, -1))
        for cell, entries in coefficients.items():
            if len(entries) > 2:
                raise ValueError(f"cell {cell} is in more than two equations")
        signs = self._signs(coefficients)
        self._ends: dict[CellRef, tuple[int, int]] = {}
        self._cells_at: dict[int, list[CellRef]] = {GROUND: []}
        for cell, entries in coefficients.items():
            first, first_coefficient = entries[0]
            other = entries[1][0] if len(entries) == 2 else GROUND
            if signs[first] * first_coefficient == 1:
                self._ends[cell] = (first, other)
            else:
                self._ends[cell] = (other, first)
            for node in (first, other):
                self._cells_at.setdefault(node, []).append(cell)

    def _signs(self, coefficients: Mapping[CellRef, list[tuple[int, int]]]) -> dict[int, int]:
        """A sign per equation such that every shared cell counts +1 in one and -1 in the other."""
        cells_of: dict[int, list[CellRef]] = {}
        for cell, entries in coefficients.items():
            for index, _ in entries:
                cells_of.setdefault(index, []).append(cell)
        signs: dict[int, int] = {}
        for start in range(len(self.equations)):
            if start in signs:
                continue
            signs[start] = 1
            queue = deque([start])
            while queue:
                node = queue.popleft()
                for cell in cells_of.get(node, []):
                    entries = coefficients[cell]
                    if len(entries) < 2:
                        continue
                    here = next(c for i, c in entries if i == node)
                    other, there = next((i, c) for i, c in entries if i != node)
                    wanted = -signs[node] * here * there
                    if other not in signs:
                        signs[other] = wanted
                        queue.append(other)
                    elif signs[other] != wanted:
                        raise ValueError("the equations do not form a two-way table")
        return signs

    def pinned(
        self,
        cell: CellRef,
        values: Mapping[CellRef, int],
        hidden: Mapping[CellRef, Bounds],
        network: Mapping[int, list[tuple[int, CellRef]]] | None = None,
    ) -> bool:
        """Whether hidden `cell` has only one value consistent with the shown figures.

        `values` holds the true figures (the search needs them to know which way each can move);
        `hidden` maps every hidden cell to what its label tells the reader. `network` is
        `self.network(values, hidden)`, to pass when asking about many cells of the same `hidden`.
        """
        bounds = hidden[cell]
        value = values[cell]
        if cell not in self._ends:
            return not (bounds.high is None or bounds.low < bounds.high)
        arcs = self.network(values, hidden) if network is None else network
        tail, head = self._ends[cell]
        if bounds.below_high(value) and _reaches(head, tail, arcs, cell):
            return False
        return not (value > bounds.low and _reaches(tail, head, arcs, cell))

    def network(
        self, values: Mapping[CellRef, int], hidden: Mapping[CellRef, Bounds]
    ) -> dict[int, list[tuple[int, CellRef]]]:
        """The moves open to the hidden cells, from each equation node: (next node, cell), for
        each hidden cell below its upper bound (it rises: tail to head) and above its lower bound
        (it falls: head to tail). Only hidden cells can move: a plain search over them answers
        what `partners` would with nothing optional, without walking the shown cells at every
        node (large tables). Pass it to `pinned` when asking about many cells of one table."""
        arcs: dict[int, list[tuple[int, CellRef]]] = {}
        for cell, bounds in hidden.items():
            if cell not in self._ends:
                continue
            tail, head = self._ends[cell]
            if bounds.below_high(values[cell]):
                arcs.setdefault(tail, []).append((head, cell))
            if values[cell] > bounds.low:
                arcs.setdefault(head, []).append((tail, cell))
        return arcs

    def partners(
        self,
        cell: CellRef,
        values: Mapping[CellRef, int],
        hidden: Mapping[CellRef, Bounds],
        optional: Mapping[CellRef, Bounds],
    ) -> tuple[CellRef, ...] | None:
        """The cheapest shown cells to hide so that hidden `cell` is no longer pinned.

        `optional` maps the shown cells that may be hidden to the bounds their label would give.
        Returns `()` when `cell` is not pinned, `None` when no choice of optional cells helps.
        Cheapest means the fewest cells, then the smallest sum of their values; of equally cheap
        choices the search keeps the first it finds (rising before falling, then the order of the
        equations), so the answer is deterministic.
        """
        bounds = hidden[cell]
        value = values[cell]
        if cell not in self._ends:  # in no equation: only its label limits it
            return () if bounds.high is None or bounds.low < bounds.high else None
        tail, head = self._ends[cell]
        found: list[tuple[tuple[int, int], tuple[CellRef, ...]]] = []
        if bounds.below_high(value):  # rise: back from head to tail
            found += self._cheapest(head, tail, cell, values, hidden, optional)
        if value > bounds.low:  # fall: the mirror path
            found += self._cheapest(tail, head, cell, values, hidden, optional)
        return min(found, key=lambda option: option[0])[1] if found else None

    def _cheapest(
        self,
        source: int,
        target: int,
        avoid: CellRef,
        values: Mapping[CellRef, int],
        hidden: Mapping[CellRef, Bounds],
        optional: Mapping[CellRef, Bounds],
    ) -> list[tuple[tuple[int, int], tuple[CellRef, ...]]]:
        """Dijkstra from `source` to `target` over movable cells; [] when `target` is unreachable.

        A hidden cell costs nothing; an optional one costs (1, its value).
        """
        best: dict[int, tuple[int, int]] = {source: (0, 0)}
        came_from: dict[int, tuple[int, CellRef]] = {}
        queue: list[tuple[tuple[int, int], int, int]] = [((0, 0), 0, source)]
        pushed = 1
        while queue:
            cost, _, node = heapq.heappop(queue)
            if cost > best[node]:
                continue
            if node == target:
                path: list[CellRef] = []
                while node != source:
                    node, step_cell = came_from[node]
                    path.append(step_cell)
                return [(cost, tuple(c for c in reversed(path) if c not in hidden))]
            for cell in self._cells_at.get(node, []):
                bounds = hidden.get(cell) or optional.get(cell)
                if cell == avoid or bounds is None:
                    continue
                tail, head = self._ends[cell]
                if node == tail and bounds.below_high(values[cell]):
                    step = head
                elif node == head and values[cell] > bounds.low:
                    step = tail
                else:
                    continue
                extra = (0, 0) if cell in hidden else (1, values[cell])
                new_cost = (cost[0] + extra[0], cost[1] + extra[1])
                if step not in best or new_cost < best[step]:
                    best[step] = new_cost
                    came_from[step] = (node, cell)
                    heapq.heappush(queue, (new_cost, pushed, step))
                    pushed += 1
        return []


def _reaches(
    source: int, target: int, arcs: Mapping[int, list[tuple[int, CellRef]]], without: CellRef
) -> bool:
    """Whether the moves of hidden cells other than `without` lead from `source` to `target`."""
    if source == target:
        return True
    seen = {source}
    queue = deque([source])
    while queue:
        for step, cell in arcs.get(queue.popleft(), ()):
            if step in seen or cell == without:
                continue
            if step == target:
                return True
            seen.add(step)
            queue.append(step)
    return False
