"""The outbox folder: files appear whole or not at all, readable by their owner only."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from nazorg.core.errors import OutboxError


def ensure_dir(path: Path) -> None:
    """Create `path` and any missing parent as 0700 (`mkdir(parents=True)` would give the
    parents the default mode, leaving the outbox itself readable by others)."""
    try:
        for folder in reversed([p for p in (path, *path.parents) if not p.is_dir()]):
            folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise OutboxError(
            f"outbox-map {path} kan niet worden aangemaakt ({exc.strerror}); de versies "
            "blijven klaarstaan voor de volgende run; controleer NAZORG_OUTBOX en de rechten"
        ) from None


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` via a temporary file and a rename, so no reader and no crash ever
    sees a half-written file; an existing file with the same name is replaced in one step.

    `durable=False` leaves the flush to disk to a later `sync_files` (per batch: the folder is
    synced once instead of once per file); the caller must not rely on the file before that."""
    ensure_dir(path.parent)
    fd = -1
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        Path(tmp).replace(path)
        tmp = ""
        if not durable:
            return
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise OutboxError(
            f"kan {path} niet schrijven ({exc.strerror}); de versie blijft klaarstaan voor de "
            "volgende run; controleer de ruimte en rechten van NAZORG_OUTBOX"
        ) from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()


def sync_files(paths: list[Path]) -> None:
    """Make files written with `durable=False`, and their names, durable: an fsync of each file
    and of each folder once (a batch's names share a folder or two)."""
    try:
        for target in [*paths, *{p.parent for p in paths}]:
            fd = os.open(target, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    except OSError as exc:
        raise OutboxError(
            f"kan de outbox niet naar schijf schrijven ({exc.strerror}); de versies blijven "
            "klaarstaan voor de volgende run; controleer de ruimte en rechten van NAZORG_OUTBOX"
        ) from None
