"""An installed nazorg (a wheel, not the checkout) creates its database and renders templates."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("nazorg-*.whl")
    return built


def test_the_wheel_ships_templates_migrations_and_the_demo(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "nazorg/migrations/env.py" in names
    assert any(n.startswith("nazorg/migrations/versions/") and n.endswith(".py") for n in names)
    assert any(n.startswith("nazorg/templates/nl/") for n in names)
    assert any(n.startswith("nazorg/templates/en/") for n in names)
    assert "nazorg/demo/employees.csv" in names
    assert "nazorg/py.typed" in names


@pytest.mark.slow
def test_an_installed_nazorg_works_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "NAZORG_DATABASE_URL": f"sqlite:///{work / 'nazorg.db'}",
        "NAZORG_OUTBOX": str(work / "outbox"),
        "NAZORG_TODAY": "2026-03-02",
    }

    def nazorg(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "nazorg", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import nazorg.core.resources as r; print(r.__file__); print(r.templates_dir()); "
            "print(r.migrations_dir())",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(path.startswith(str(site)) for path in where), where
    assert "aangemaakt" in nazorg("init")
    assert "bijgewerkt" in nazorg("init")
    assert nazorg("demo", "load").startswith("demo geladen")
    out = nazorg("run")
    assert out.startswith("run voor 2026-03-02: ")
    assert list((work / "outbox").rglob("*.ics")) and list((work / "outbox").rglob("*.eml"))
