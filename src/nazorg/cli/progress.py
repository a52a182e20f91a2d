"""Progress of long commands on the terminal: a bar with counts, rate and an estimate on stderr.

Rules: shown only when stderr is a terminal and the command was not asked for `--json`; in cron,
a pipe or a test runner nothing is written at all, and the services are then handed no callback
(so they do not even count). The line is redrawn in place (carriage return, erase to the end)
at most every `interval` seconds, and always at the end; closing ends the line, also when the
command fails, so an error message starts on a line of its own. Services report through
`nazorg.core.progress.Progress`; this module is the only one that knows about terminals.

Use in a command::

    with progress_for("medewerkers importeren", json=json) as progress:
        result = employees.import_employees(session, rows, ..., progress=progress)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from nazorg.core.progress import Progress


def number(value: float) -> str:
    """A count in Dutch notation: 65.000."""
    return f"{round(value):,}".replace(",", ".")


def duration(seconds: float) -> str:
    """A duration as people read it: 8 s, 3 min 05 s, 1 u 02 min."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} u {whole % 3600 // 60:02d} min"


class TerminalProgress:
    """Draws `label: [#####.....] done/total pct%, rate/s, nog eta` on `stream` (see module)."""

    def __init__(
        self,
        label: str,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.2,
        width: int = 20,
    ) -> None:
        self.label = label
        self.stream = stream
        self.clock = clock
        self.interval = interval
        self.width = width
        self.started: float | None = None
        self.drawn_at: float | None = None
        self.done = 0
        self.total: int | None = None
        self.pending = False

    def __call__(self, done: int, total: int | None) -> None:
        if total == 0 and self.started is None:
            return  # nothing to do: no bar at all
        now = self.clock()
        if self.started is None:
            self.started = now
        self.done, self.total, self.pending = done, total, True
        finished = total is not None and done >= total
        if self.drawn_at is None or finished or now - self.drawn_at >= self.interval:
            self._draw(now, closing=False)

    def close(self) -> None:
        """Draw the last state (with the time it took) and end the line."""
        if self.started is None:
            return
        self._draw(self.clock(), closing=True)
        self.stream.write("\n")
        self.stream.flush()

    def line(self, now: float, *, closing: bool = False) -> str:
        """The text of the line at `now` (without the control characters)."""
        elapsed = now - (self.started if self.started is not None else now)
        rate = self.done / elapsed if elapsed > 0 else None
        parts = [f"{self.label}: "]
        if self.total:
            fraction = min(1.0, self.done / self.total)
            filled = int(fraction * self.width)
            parts.append(f"[{'#' * filled}{'.' * (self.width - filled)}] ")
            parts.append(f"{number(self.done)}/{number(self.total)} ({int(fraction * 100)}%)")
        else:
            parts.append(number(self.done))
        if rate is not None:
            parts.append(f", {number(rate)}/s")
        if closing:
            parts.append(f", klaar in {duration(elapsed)}")
        elif self.total and rate:
            parts.append(f", nog {duration((self.total - self.done) / rate)}")
        return "".join(parts)

    def _draw(self, now: float, *, closing: bool) -> None:
        self.stream.write("\r" + self.line(now, closing=closing) + "\x1b[K")
        self.stream.flush()
        self.drawn_at = now
        self.pending = False


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        return False


@contextmanager
def progress_for(
    label: str, *, json: bool = False, stream: TextIO | None = None
) -> Iterator[Progress | None]:
    """A progress callback for a service, or None (silence) when `json` is asked for or stderr
    is not a terminal; the line is ended when the block ends, however it ends."""
    out = stream if stream is not None else sys.stderr
    if json or not is_terminal(out):
        yield None
        return
    bar = TerminalProgress(label, out)
    try:
        yield bar
    finally:
        bar.close()
