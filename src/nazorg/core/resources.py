"""Files that ship with nazorg: templates, migrations and the demo organisation.

In an installed wheel they live inside the package (pyproject force-includes the top-level
`templates/` and `migrations/` folders); in an editable checkout they are at the repository's top.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # src/nazorg (core/ is one level down)
_CHECKOUT = _PACKAGE.parents[1]


def _resource(name: str) -> Path:
    packaged = _PACKAGE / name
    if packaged.is_dir():
        return packaged
    return _CHECKOUT / name


def templates_dir() -> Path:
    return _resource("templates")


def migrations_dir() -> Path:
    return _resource("migrations")


def demo_dir() -> Path:
    return _PACKAGE / "demo"
