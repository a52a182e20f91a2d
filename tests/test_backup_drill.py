"""The restore drill of the README (issue 16), run once against the real PostgreSQL server.

Back up as the README says (`pg_dump` of the database plus a copy of the outbox folder), lose
both, restore them (the dump into a new database with `pg_restore`, the folder to its path),
point nazorg at the new database and run the daily run again: nothing already emitted is emitted
again, and what falls due later is emitted exactly once. The dump and restore tools are the ones
of the PostgreSQL installation the suite's server runs from (tests/pgserver.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from nazorg.settings import Settings
from nazorg.store.engine import make_engine
from tests.conftest import Cli, load_team, register

pytestmark = pytest.mark.postgres


def _emissions(url: str) -> list[tuple[int, int, str]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT followup_id, sequence, eml_path FROM emission ORDER BY id")
        ).all()
    engine.dispose()
    return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]


def test_dump_restore_and_the_next_run_emits_nothing_twice(
    postgres_server: Any, pg_url: str, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    cli = Cli(
        {
            "NAZORG_DATABASE_URL": pg_url,
            "NAZORG_OUTBOX": str(outbox),
            "NAZORG_USER": "tester",
            "NAZORG_CYCLE_KINDS": "[]",
        },
        CliRunner(),
    )
    assert cli("init").exit_code == 0
    engine = make_engine(pg_url)
    settings = Settings(database_url=pg_url, outbox=outbox, cycle_kinds=())
    load_team(engine)
    for employee in ("E1", "E2"):  # invites due 19 March
        register(
            engine, settings, employee=employee, occurred=date(2026, 3, 2), today=date(2026, 3, 2)
        )
    register(engine, settings, employee="E3", occurred=date(2026, 3, 9), today=date(2026, 3, 9))
    engine.dispose()
    first = cli("run", "--json", today="2026-03-19")
    assert first.exit_code == 0, first.output
    assert len(json.loads(first.stdout)["emitted"]) == 2

    # The backup: the database with pg_dump, the outbox folder as a copy.
    database = pg_url.rsplit("/", 1)[1]
    dump = tmp_path / "backup" / "nazorg.dump"
    dump.parent.mkdir()
    subprocess.run(
        [str(postgres_server.bin_dir / "pg_dump"), "--format=custom", f"--file={dump}",
         f"--dbname={postgres_server.conninfo(database)}"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    shutil.copytree(outbox, tmp_path / "backup" / "outbox")
    files_before = sorted(p.relative_to(outbox) for p in outbox.rglob("*") if p.is_file())

    # The server is lost; restore into a new database and the folder to its path.
    shutil.rmtree(outbox)
    restored_url = postgres_server.create_database(database[:40] + "_restored")
    try:
        subprocess.run(
            [str(postgres_server.bin_dir / "pg_restore"), "--no-owner", "--exit-on-error",
             f"--dbname={postgres_server.conninfo(restored_url.rsplit('/', 1)[1])}", str(dump)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        shutil.copytree(tmp_path / "backup" / "outbox", outbox)
        cli.env["NAZORG_DATABASE_URL"] = restored_url
        assert cli("init").output.endswith("is bijgewerkt (versie " + _head() + ")\n")

        again = cli("run", "--json", today="2026-03-19")
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["emitted"] == []
        later = cli("run", "--json", today="2026-03-26")
        assert later.exit_code == 0, later.output
        assert [e["followup_id"] for e in json.loads(later.stdout)["emitted"]] == [
            row[0] for row in _emissions(restored_url)[2:]
        ]
        emissions = _emissions(restored_url)
        assert len(emissions) == 3
        assert len({(f, s) for f, s, _ in emissions}) == 3
        assert all(Path(path).is_file() for _, _, path in emissions)
        files_after = sorted(p.relative_to(outbox) for p in outbox.rglob("*") if p.is_file())
        assert set(files_before) < set(files_after)
        assert len(files_after) == len(files_before) + 2  # one new .ics and .eml
        assert cli("status").exit_code == 0
    finally:
        postgres_server.drop_database(restored_url.rsplit("/", 1)[1])


def _head() -> str:
    from nazorg.store.migrate import head_revision

    head = head_revision(make_engine("sqlite://"))
    assert head is not None
    return head
