"""Hostile and broken input (issue 6): never a traceback, a clear message for what is refused,
and the database unchanged after a refused command.

Property-based (hypothesis): every command is driven with random and hostile values (control
characters, line breaks, very long strings, right-to-left marks, invalid UTF-8 as it reaches
Python from a command line, SQL fragments, template syntax, impossible dates), on SQLite and on
PostgreSQL. Then the broken surroundings: a corrupt or unreadable configuration file, a full or
unwritable outbox, and names that look like templates.
"""

from __future__ import annotations

import email
import email.policy
import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import TEAM_CSV, Cli
from tests.test_privacy import dump

STRICT = email.policy.default.clone(raise_on_defect=True)

HOSTILE_VALUES = [
    "",
    " ",
    "\t",
    "\x00",
    "a\nb",
    "a\r\nBcc: evil@example.org",
    "\x1b[31mrood\x1b[0m",
    "\x85\x0b\x0c",
    "regel\u2028regel\u2029",
    "\u202eevil\u202c",
    "\u200fשלום\u200e",
    "\ufeffE1",
    "'; DROP TABLE employee; --",
    "' OR '1'='1",
    "E1' --",
    "1; DELETE FROM audit_event",
    "{{ 7*7 }}",
    "{% for x in range(99999999) %}x{% endfor %}",
    "${7*7}",
    "=?utf-8?q?x=0D=0ABcc:_evil@x?=",
    "<script>alert(1)</script>",
    "%s%n%x",
    "../../../etc/passwd",
    "2025-02-30",
    "2026-13-01",
    "0000-00-00",
    "2026-2-3",
    "+2026-02-03",
    "2026-02-03T10:00",
    "9999-12-31",
    "0001-01-01",
    "-1",
    "99999999999999999999999",
    "x" * 5000,
    "é" * 300,
    "😀" * 120,
    "e\u0301" * 50,
    "\udcff\udcfe",  # invalid UTF-8 bytes as Python decodes them from argv (surrogateescape)
    "E1\udc80",
    "E1",
    "L1",
    "T1",
    "BT1",
    "geweld",
    "goed",
    "medewerker",
    "leidinggevende",
    "2026-02-02",
    "2026-03-10 14:00",
    "eva@politie.example",
    "nieuw@politie.example",
]

hostile = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(max_size=40),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Cs"]), max_size=8),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE_VALUES), st.text(max_size=10)),
)
ids = st.one_of(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=2**70))

#: Modest by default so the suite stays fast; NAZORG_HYPOTHESIS_EXAMPLES=1000 for a deep search.
PROPERTY = settings(
    max_examples=int(os.environ.get("NAZORG_HYPOTHESIS_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Cli:
    """The CLI on SQLite and PostgreSQL with the test team, an incident and sent invites."""
    env = {
        "NAZORG_DATABASE_URL": database_url,
        "NAZORG_OUTBOX": str(tmp_path / "outbox"),
        "NAZORG_TODAY": "2026-02-03",
        "NAZORG_USER": "tester",
        "NAZORG_CYCLE_KINDS": "[]",
    }
    cli = Cli(env, CliRunner())
    team = tmp_path / "team.csv"
    team.write_text(TEAM_CSV, encoding="utf-8")
    for args in (
        ("init",),
        ("employee", "import", str(team)),
        ("incident", "add", "--employee=E1", "--employee=E2", "--date=2026-02-02", "--kind=geweld"),
        ("run",),
    ):
        result = cli(*args, today="2026-02-20" if args == ("run",) else None)
        assert result.exit_code == 0, result.output
    return cli


def engine_of(cli: Cli) -> Any:
    from nazorg.store.engine import make_engine

    return make_engine(cli.env["NAZORG_DATABASE_URL"])


def check(cli: Cli, args: list[str], env: dict[str, str] | None = None) -> Any:
    """Run one command; assert it ended as a program should, and that a refusal wrote nothing."""
    engine = engine_of(cli)
    try:
        before = dump(engine)
        runner = Cli({**cli.env, **(env or {})}, cli.runner)
        result = runner(*args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            repr(result.exception),
        )
        assert result.exit_code in (0, 1), (args, result.exit_code, result.output)
        assert "Traceback" not in result.output, (args, result.output)
        assert "onverwachte fout" not in result.stderr, (args, result.stderr)
        if result.exit_code == 1:
            lines = result.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("fout: "), (args, result.stderr)
            assert len(lines[0]) < 2000, args
            assert dump(engine) == before, args
        return result
    finally:
        engine.dispose()


def opt(name: str, value: str | None) -> list[str]:
    return [] if value is None else [f"--{name}={value}"]


maybe = st.none() | hostile


@PROPERTY
@given(
    number=hostile,
    name=hostile,
    mail=hostile,
    team=hostile,
    leader=maybe,
    role=hostile,
    by=maybe,
)
def test_employee_add_survives_anything(
    world: Cli,
    number: str,
    name: str,
    mail: str,
    team: str,
    leader: str | None,
    role: str,
    by: str | None,
) -> None:
    check(
        world,
        [
            "employee",
            "add",
            *opt("name", name),
            *opt("email", mail),
            *opt("team", team),
            *opt("leader", leader),
            *opt("role", role),
            *opt("by", by),
            "--",
            number,
        ],
    )


@PROPERTY
@given(
    number=hostile,
    name=maybe,
    mail=maybe,
    leader=maybe,
    role=maybe,
    left_on=maybe,
    command=st.sampled_from(["update", "show", "list"]),
)
def test_employee_update_show_and_list_survive_anything(
    world: Cli,
    number: str,
    name: str | None,
    mail: str | None,
    leader: str | None,
    role: str | None,
    left_on: str | None,
    command: str,
) -> None:
    if command == "update":
        args = [
            *opt("name", name),
            *opt("email", mail),
            *opt("leader", leader),
            *opt("role", role),
            *opt("left-on", left_on),
            "--",
            number,
        ]
    elif command == "show":
        args = ["--", number]
    else:
        args = opt("team", name)
    check(world, ["employee", command, *args])


@PROPERTY
@given(
    employees=st.lists(hostile, min_size=0, max_size=3),
    day=hostile,
    kind=hostile,
    note=maybe,
    by=maybe,
    force=st.booleans(),
)
def test_incident_add_survives_anything(
    world: Cli,
    employees: list[str],
    day: str,
    kind: str,
    note: str | None,
    by: str | None,
    force: bool,
) -> None:
    args = ["incident", "add", *opt("date", day), *opt("kind", kind), *opt("note", note)]
    for number in employees:
        args += opt("employee", number)
    args += opt("by", by) + (["--force"] if force else [])
    if not employees:
        args += ["--employee=E3"]
    check(world, args)


@PROPERTY
@given(
    incident=ids,
    followup=ids,
    text=maybe,
    day=maybe,
    command=st.sampled_from(
        ["show", "list", "update", "done", "decline", "reschedule", "agenda", "audit"]
    ),
)
def test_incident_followup_and_agenda_commands_survive_anything(
    world: Cli,
    incident: int,
    followup: int,
    text: str | None,
    day: str | None,
    command: str,
) -> None:
    args = {
        "show": ["incident", "show", str(incident)],
        "list": ["incident", "list", *opt("employee", text), *opt("from", day)],
        "update": ["incident", "update", str(incident), f"--date={day or ''}"],
        "done": ["followup", "done", str(followup), f"--outcome={text or ''}", *opt("note", day)],
        "decline": ["followup", "decline", str(followup), *opt("by", text)],
        "reschedule": ["followup", "reschedule", str(followup), f"--at={day or ''}"],
        "agenda": ["agenda", *opt("from", day), *opt("to", text)],
        "audit": ["audit", *opt("employee", text), *opt("from", day)],
    }[command]
    check(world, args)


@PROPERTY
@given(
    number=hostile,
    by=maybe,
    name=st.sampled_from(["export.json", "a\nb.json", "\x00", "", "x" * 300, "\udcff.json"]),
    command=st.sampled_from(["export", "export-file", "erase", "purge"]),
)
def test_the_avg_commands_survive_anything(
    world: Cli, tmp_path: Path, number: str, by: str | None, name: str, command: str
) -> None:
    args = {
        "export": ["export", f"--employee={number}", *opt("by", by)],
        "export-file": [
            "export",
            "--employee=E1",
            f"--output={tmp_path / 'exports' / name}",
            *opt("by", by),
        ],
        "erase": ["erase", f"--employee={number}", *opt("by", by), "--yes"],
        "purge": ["purge", "--dry-run", *opt("by", by)],
    }[command]
    (tmp_path / "exports").mkdir(exist_ok=True)
    check(world, args)


@PROPERTY
@given(today=hostile, user=hostile, command=st.sampled_from(["agenda", "run", "incident list"]))
def test_hostile_environment_values_are_refused_cleanly(
    world: Cli, today: str, user: str, command: str
) -> None:
    # What an environment can hold: no NUL, and invalid UTF-8 only as Python decodes it.
    env = {"NAZORG_TODAY": today, "NAZORG_USER": user}
    for key, value in env.items():
        env[key] = value.replace("\x00", "")
        try:
            env[key].encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            env[key] = env[key].encode("utf-8", "replace").decode("utf-8")
    check(world, command.split(), env=env)


csv_cell = st.one_of(
    st.sampled_from(HOSTILE_VALUES).map(lambda v: v.encode("utf-8", "surrogateescape")),
    st.binary(max_size=20),
    st.text(max_size=20).map(lambda v: v.encode("utf-8", "surrogatepass")),
)


@PROPERTY
@given(
    rows=st.lists(st.lists(csv_cell, min_size=0, max_size=7), min_size=0, max_size=4),
    header=st.sampled_from([True, False]),
    delimiter=st.sampled_from([b",", b";", b"\t"]),
    ending=st.sampled_from([b"\n", b"\r\n", b"\r", b"\x00"]),
)
def test_the_csv_import_survives_anything(
    world: Cli,
    tmp_path: Path,
    rows: list[list[bytes]],
    header: bool,
    delimiter: bytes,
    ending: bytes,
) -> None:
    lines = [b"personnel_number,name,email,team,leader,role"] if header else []
    lines += [delimiter.join(cells) for cells in rows]
    path = tmp_path / "hostile.csv"
    path.write_bytes(ending.join(lines))
    check(world, ["employee", "import", str(path)])


# --- specific hostile cases ---------------------------------------------------------------------


def test_names_with_template_syntax_are_printed_literally(world: Cli, tmp_path: Path) -> None:
    name = "{{ 7*7 }} {% if true %}ja{% endif %} ${7*7} #{7*7}"
    result = world(
        "employee",
        "add",
        "E7",
        f"--name={name}",
        "--email=e7@politie.example",
        "--team=BT1",
        "--leader=L1",
    )
    assert result.exit_code == 0, result.output
    result = world("incident", "add", "--employee=E7", "--date=2026-02-02", "--kind=geweld")
    assert result.exit_code == 0, result.output
    result = world("run", "--json", today="2026-02-21")
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)["emitted"]
    ics = re.sub(r"\r\n[ \t]", "", Path(item["ics"]).read_bytes().decode("utf-8"))
    message = email.message_from_bytes(Path(item["eml"]).read_bytes(), policy=STRICT)
    parts = {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if part.get_content_maintype() == "text"
    }
    assert f"SUMMARY:Nazorggesprek (1 maand) – {name}\r\n" in ics
    assert f"Beste {name},\r\n" in parts["text/plain"]
    assert f"<p>Beste {name},</p>" in parts["text/html"]
    for text in [ics, str(message["Subject"]), *parts.values()]:
        assert "49 ja" not in text  # what the name would become if it were evaluated


def test_a_corrupt_config_file_is_refused_with_a_clear_message(world: Cli, tmp_path: Path) -> None:
    cases = {
        "kapot.toml": b"database_url = 'sqlite:///x\n[[[",
        "latin1.toml": b"language = 'nl' # caf\xe9\n",
        "leeg-maar-fout.toml": b"lead_days = 'veertien'\n",
        "onbekend.toml": b"wachtwoord = 'geheim'\n",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = check(world, ["--config", str(path), "agenda"])
        assert result.exit_code == 1, name
        assert str(path) in result.stderr or "ongeldige instelling" in result.stderr, name
    folder = tmp_path / "map.toml"
    folder.mkdir()
    result = check(world, ["--config", str(folder), "agenda"])
    assert "is een map" in result.stderr
    result = check(world, ["--config", str(tmp_path / "weg.toml"), "agenda"])
    assert "bestaat niet" in result.stderr


def test_an_unreadable_config_file_is_refused(
    world: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "geheim.toml"
    path.write_text("language = 'nl'\n")
    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    result = check(world, ["--config", str(path), "agenda"])
    assert result.stderr == (
        f"fout: configuratiebestand {path} is niet leesbaar; controleer de rechten\n"
    )


def run_with_broken_outbox(world: Cli, break_it: Callable[[], None]) -> Any:
    """A run whose files cannot be written: exit 1, a clear message, the versions pending."""
    assert world("followup", "reschedule", "1", "--at=2026-03-11 10:00").exit_code == 0
    break_it()
    result = world("run", today="2026-02-21")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.count("\n") == 1
    assert "klaarstaan voor de volgende run" in result.stderr
    status = json.loads(world("status", "--json", today="2026-02-21").stdout)
    assert status["unwritten"] == 1
    return result


def test_a_full_outbox_keeps_the_versions_for_the_next_run(
    world: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nazorg.emission.outbox

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    result = run_with_broken_outbox(
        world, lambda: monkeypatch.setattr(nazorg.emission.outbox.os, "fsync", full)
    )
    assert "No space left on device" in result.stderr
    outbox = Path(world.env["NAZORG_OUTBOX"])
    assert not list(outbox.rglob(".*.tmp"))  # no half-written file is left
    monkeypatch.undo()
    result = world("run", "--json", today="2026-02-22")
    assert result.exit_code == 0, result.output
    assert [(e["followup_id"], e["method"]) for e in json.loads(result.stdout)["emitted"]] == [
        (1, "REQUEST")
    ]


def test_an_unwritable_outbox_keeps_the_versions_for_the_next_run(
    world: Cli, tmp_path: Path
) -> None:
    blocked = tmp_path / "geen-map"
    blocked.write_text("een bestand waar de outbox zou moeten staan")
    world.env["NAZORG_OUTBOX"] = str(blocked / "outbox")
    run_with_broken_outbox(world, lambda: None)
    world.env["NAZORG_OUTBOX"] = str(tmp_path / "outbox")
    result = world("run", "--json", today="2026-02-22")
    assert [e["method"] for e in json.loads(result.stdout)["emitted"]] == ["REQUEST"]
