"""Progress of long work, reported through a callback so that no layer below the command line
knows about terminals.

A long-running service takes `progress: Progress | None = None` and calls it as
`progress(done, total)`: `done` items finished so far, `total` the number it expects (None when
not known beforehand). It calls it at least at the start (done 0) and at the end (done ==
total), and otherwise as often as it likes: the command line's reporter (`nazorg.cli.progress`)
decides what to show, on a terminal only.
"""

from __future__ import annotations

from collections.abc import Callable

#: `progress(done, total)`; see the module.
Progress = Callable[[int, int | None], None]


def tick(progress: Progress | None, done: int, total: int | None) -> None:
    """Report `done` of `total` when there is someone to report to."""
    if progress is not None:
        progress(done, total)
