"""Progress of long work (issue 16): the terminal reporter's exact text, its silence without a
terminal and with --json, and the counts the import and the daily run pass to it."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest

from nazorg.cli import progress as cli_progress
from nazorg.cli.progress import TerminalProgress, duration, progress_for
from nazorg.settings import Settings
from tests.conftest import FIXED_NOW, load_team, register


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_shows_counts_rate_and_estimate() -> None:
    out, clock = FakeTty(), Clock()
    bar = TerminalProgress("medewerkers importeren", out, clock=clock)
    bar(0, 65000)
    clock.now += 10
    bar(13000, 65000)
    clock.now += 0.1
    bar(13500, 65000)  # within the interval: not drawn
    clock.now += 39.9
    bar(65000, 65000)
    bar.close()
    assert out.getvalue().split("\r")[1:] == [
        "medewerkers importeren: [....................] 0/65.000 (0%)\x1b[K",
        "medewerkers importeren: [####................] 13.000/65.000 (20%), 1.300/s, "
        "nog 40 s\x1b[K",
        "medewerkers importeren: [####################] 65.000/65.000 (100%), 1.300/s, "
        "nog 0 s\x1b[K",
        "medewerkers importeren: [####################] 65.000/65.000 (100%), 1.300/s, "
        "klaar in 50 s\x1b[K\n",
    ]


def test_without_a_total_the_bar_counts_only() -> None:
    out, clock = FakeTty(), Clock()
    bar = TerminalProgress("afleveren", out, clock=clock)
    bar(0, None)
    clock.now += 4
    bar(10, None)
    assert out.getvalue().split("\r")[-1] == "afleveren: 10, 2/s\x1b[K"


def test_durations_read_as_people_say_them() -> None:
    assert [duration(s) for s in (0.4, 59, 61, 3599, 3720)] == [
        "0 s",
        "59 s",
        "1 min 01 s",
        "59 min 59 s",
        "1 u 02 min",
    ]


def test_silent_without_a_terminal_and_with_json() -> None:
    plain = io.StringIO()
    with progress_for("x", stream=plain) as progress:
        assert progress is None
    tty = FakeTty()
    with progress_for("x", json=True, stream=tty) as progress:
        assert progress is None
    assert plain.getvalue() == tty.getvalue() == ""
    with progress_for("x", stream=tty) as progress:
        assert progress is not None
        progress(1, 2)
    assert tty.getvalue().startswith("\rx: [##########..........] 1/2 (50%)")
    assert tty.getvalue().endswith("\n")


def test_the_line_is_ended_when_the_command_fails() -> None:
    tty = FakeTty()
    with pytest.raises(RuntimeError), progress_for("x", stream=tty) as progress:
        assert progress is not None
        progress(1, 3)
        raise RuntimeError("stuk")
    assert tty.getvalue().endswith("\n")


def _csv(count: int) -> bytes:
    lines = [
        "personnel_number,name,email,team,leader,role",
        "T1,Tea Chef,t@p.example,BT1,,teamchef",
    ]
    lines += [f"E{n},Medewerker {n},e{n}@p.example,BT1,T1,medewerker" for n in range(count - 1)]
    return ("\n".join(lines) + "\n").encode()


def test_the_import_passes_its_counts(sqlite_url: str) -> None:
    from nazorg.services import employees
    from nazorg.store.engine import make_engine, transaction
    from nazorg.store.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    heard: list[tuple[int, int | None]] = []
    with transaction(engine) as session:
        employees.import_employees(
            session,
            employees.read_csv(_csv(1200)),
            filename="groot.csv",
            actor="tester",
            now=FIXED_NOW,
            progress=lambda done, total: heard.append((done, total)),
        )
    assert heard == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]


def test_the_run_passes_the_versions_it_writes(sqlite_url: str, tmp_path: Any) -> None:
    from nazorg.jobs.daily import run_daily
    from nazorg.store.engine import make_engine
    from nazorg.store.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    settings = Settings(database_url=sqlite_url, outbox=tmp_path / "outbox", cycle_kinds=())
    load_team(engine)
    for employee in ("E1", "E2", "E3"):
        register(
            engine,
            settings,
            employee=employee,
            occurred=date(2026, 3, 2),
            today=date(2026, 3, 2),
        )
    heard: list[tuple[int, int | None]] = []
    report = run_daily(
        engine,
        today=date(2026, 3, 19),
        clock=lambda: datetime(2026, 3, 19, 5, tzinfo=FIXED_NOW.tzinfo),
        settings=settings,
        progress=lambda done, total: heard.append((done, total)),
    )
    assert len(report.emitted) == 3
    assert heard == [(0, 3), (3, 3)]


def test_nothing_to_do_draws_nothing() -> None:
    out = FakeTty()
    bar = TerminalProgress("versies schrijven", out, clock=Clock())
    bar(0, 0)
    bar.close()
    assert out.getvalue() == ""


def test_the_import_command_shows_progress_on_a_terminal_only(
    cli: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "groot.csv"
    source.write_bytes(_csv(600))
    quiet = cli("employee", "import", str(source))
    assert quiet.exit_code == 0 and quiet.stderr == ""
    monkeypatch.setattr(cli_progress, "is_terminal", lambda stream: True)
    shown = cli("employee", "import", str(source))
    assert shown.exit_code == 0, shown.output
    assert "\rmedewerkers importeren: [....................] 0/600 (0%)" in shown.stderr
    assert "600/600 (100%)" in shown.stderr and "klaar in" in shown.stderr
    assert shown.stdout == "groot.csv: 0 nieuw, 0 bijgewerkt, 600 ongewijzigd, 0 nieuwe team(s)\n"
    as_json = cli("employee", "import", str(source), "--json")
    assert as_json.exit_code == 0 and as_json.stderr == ""


def test_run_purge_and_deliver_stay_silent_without_a_terminal(cli: Any) -> None:
    for args in (("run",), ("purge",), ("run", "--json"), ("purge", "--json")):
        result = cli(*args)
        assert result.exit_code == 0, result.output
        assert result.stderr == "", args


def test_the_report_command_shows_its_steps_on_a_terminal_only(
    cli_team: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`nazorg report` (12 months at national scale take seconds): counting, publishing, the
    trend, the reports' table and rendering as five steps; silent without a terminal and with
    --json; the report itself on stdout either way."""
    quiet = cli_team("report", "--format", "csv")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    monkeypatch.setattr(cli_progress, "is_terminal", lambda stream: True)
    shown = cli_team("report", "--months", "12", "--until", "2026-02", "--format", "csv")
    assert shown.exit_code == 0, shown.output
    assert "\rrapportage maken: [....................] 0/5 (0%)" in shown.stderr
    assert "5/5 (100%)" in shown.stderr
    assert shown.stdout.startswith("team,name,incidents,")
    as_json = cli_team("report", "--json")
    assert as_json.exit_code == 0 and as_json.stderr == ""
