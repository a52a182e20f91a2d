"""The command line as a user meets it: exact output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli


def test_every_command_has_help_text() -> None:
    from typer.main import get_command

    from nazorg.cli import app

    def walk(command: object, path: str) -> list[str]:
        missing = []
        if not getattr(command, "help", None):
            missing.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            missing += walk(sub, f"{path} {name}")
        return missing

    assert walk(get_command(app), "nazorg") == []


def test_help_does_not_import_the_heavy_stack() -> None:
    code = (
        "import sys; from nazorg.cli import app; "
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'icalendar', 'jinja2', "
        "'holidays', 'pydantic', 'apscheduler') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_init_is_idempotent(cli: Cli, tmp_path: Path) -> None:
    result = cli("init")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"database sqlite:///{tmp_path / 'cli.db'} is bijgewerkt")


def test_a_command_before_init_names_the_fix(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    runner = Cli({"NAZORG_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}, CliRunner())
    result = runner("agenda")
    assert result.exit_code == 1
    assert result.stderr.endswith("is niet bijgewerkt; voer eerst 'nazorg init' uit\n")


def test_import_creates_and_reports(cli: Cli, team_csv: Path) -> None:
    result = cli("employee", "import", str(team_csv))
    assert (result.exit_code, result.stdout) == (
        0,
        "team.csv: 6 nieuw, 0 bijgewerkt, 0 ongewijzigd, 1 nieuwe team(s)\n",
    )
    result = cli("employee", "import", str(team_csv))
    assert result.stdout == "team.csv: 0 nieuw, 0 bijgewerkt, 6 ongewijzigd, 0 nieuwe team(s)\n"


def test_an_import_with_bad_rows_writes_nothing_and_lists_every_bad_row(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "personnel_number,name,email,team,leader,role\n"
        "T1,Tineke Chef,tineke@politie.example,BT1,,teamchef\n"  # 2 fine
        "L1,Lars,lars@politie.example,BT1,X9,leidinggevende\n"  # 3 unknown leader
        "E1,Eva,eva@politie.example,BT1,T1,medewerker\n"  # 4 fine
        "E1,Eva twee,eva2@politie.example,BT1,T1,medewerker\n"  # 5 duplicate
        "E2,Els,geen-adres,BT1,T1,medewerker\n"  # 6 bad email
        "A1,Anna,anna@politie.example,BT1,A2,leidinggevende\n"  # 7 cycle
        "A2,Ali,ali@politie.example,BT1,A1,leidinggevende\n"  # 8 cycle
        "E3,Els,els@politie.example,BT1,T1,baas\n"  # 9 unknown role
        "E4,,e4@politie.example,BT1,T1,medewerker\n"  # 10 missing name
        "E5,Eef,eef@politie.example,BT1,E1,medewerker\n"  # 11 leader without leader role
    )
    result = cli("employee", "import", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    message = result.stderr
    assert message.count("\n") == 1
    assert message.startswith("fout: bad.csv: niets geïmporteerd, 9 foute regel(s): ")
    for expected in (
        "regel 3: onbekende leidinggevende X9",
        "regel 5: personeelsnummer E1 staat ook op regel 4",
        "regel 6: e-mailadres 'geen-adres' is ongeldig",
        "regel 7: leidinggevende-kring: A1 → A2 → A1",
        "regel 8: leidinggevende-kring: A2 → A1 → A2",
        "regel 9: onbekende rol 'baas'",
        "regel 10: naam ontbreekt",
        "regel 11: leidinggevende E1 heeft geen leidinggevende rol (medewerker)",
    ):
        assert expected in message
    listed = cli("employee", "list", "--json")
    assert json.loads(listed.stdout) == []


def test_an_import_in_a_bad_encoding_names_the_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        b"personnel_number,name,email,team,leader,role\n"
        b"T1,Ren\xe9 Chef,rene@politie.example,BT1,,teamchef\n"
    )
    result = cli("employee", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        "fout: latin1.csv: niets geïmporteerd, 1 foute regel(s): "
        "regel 2: geen geldige UTF-8; sla het bestand op als CSV UTF-8\n"
    )


def test_an_import_accepts_excel_semicolons_and_bom(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffpersonnel_number;name;email;team;leader;role\r\n"
        "T1;René Chef;rene@politie.example;BT1;;teamchef\r\n".encode()
    )
    result = cli("employee", "import", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(cli("employee", "show", "T1", "--json").stdout)["name"] == "René Chef"


def test_a_missing_column_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("personnel_number,name,email,team\nT1,A,a@politie.example,BT1\n")
    result = cli("employee", "import", str(path))
    assert result.exit_code == 1
    assert "kolom(men) ontbreken: leader, role" in result.stderr


def test_a_leader_cannot_lead_themselves_indirectly(cli_team: Cli) -> None:
    result = cli_team("employee", "update", "T1", "--leader", "L1")
    assert result.exit_code == 1
    assert result.stderr == "fout: T1: leidinggevende-kring: T1 → L1 → T1\n"


def test_employee_update_changes_the_leader(cli_team: Cli) -> None:
    result = cli_team("employee", "update", "E1", "--leader", "L2")
    assert (result.exit_code, result.stdout) == (0, "medewerker E1 bijgewerkt: leader_number\n")
    assert json.loads(cli_team("employee", "show", "E1", "--json").stdout)["leader"] == "L2"


def test_incident_add_prints_the_plan_as_json(cli_team: Cli) -> None:
    result = cli_team(
        "incident",
        "add",
        "--employee",
        "E1",
        "--employee",
        "E2",
        "--date",
        "2026-01-31",
        "--kind",
        "geweld",
        "--note",
        "geheim",
        "--by",
        "TCO Rotterdam",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["incident_id"] == 1
    e1 = [f for f in data["followups"] if f["employee"] == "E1"]
    assert [(f["kind"], f["due"], f["start"], f["end"], f["status"]) for f in e1] == [
        (
            "checkin_1m",
            "2026-03-04",
            "2026-03-04T10:00:00+01:00",
            "2026-03-04T10:45:00+01:00",
            "planned",
        ),
        (
            "checkin_3m",
            "2026-04-30",
            "2026-04-30T10:00:00+02:00",
            "2026-04-30T10:45:00+02:00",
            "planned",
        ),
        (
            "checkin_6m",
            "2026-07-31",
            "2026-07-31T10:00:00+02:00",
            "2026-07-31T10:45:00+02:00",
            "planned",
        ),
    ]
    assert e1[0]["late_registration"] is True  # 2 March is too soon: registered 2 March
    assert len(data["followups"]) == 6


def test_incident_add_prints_a_table(cli_team: Cli) -> None:
    result = cli_team(
        "incident",
        "add",
        "--employee",
        "E3",
        "--date",
        "2026-03-02",
        "--kind",
        "bedreiging",
        "--by",
        "VGW",
    )
    assert result.exit_code == 0
    assert result.stdout == (
        "incident 1 geregistreerd; geplande gesprekken:\n"
        "Id  Medewerker  Gesprek           Gepland           Status\n"
        "1   E3          nazorg 1 maand    2026-04-02 10:00  gepland\n"
        "2   E3          nazorg 3 maanden  2026-06-02 10:00  gepland\n"
        "3   E3          nazorg 6 maanden  2026-09-02 10:00  gepland\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--employee", "X1", "--date", "2026-03-01", "--kind", "geweld"],
            "fout: onbekende medewerker X1; zie 'nazorg employee list'\n",
        ),
        (
            ["--employee", "E1", "--date", "2026-03-03", "--kind", "geweld"],
            "fout: incidentdatum 2026-03-03 ligt in de toekomst (vandaag is 2026-03-02)\n",
        ),
        (
            ["--employee", "E1", "--date", "2026-02-30", "--kind", "geweld"],
            "fout: --date: '2026-02-30' is geen geldige datum; gebruik JJJJ-MM-DD, "
            "bijvoorbeeld 2026-03-02\n",
        ),
        (
            ["--employee", "E1", "--date", "2026-03-01", "--kind", "brand"],
            "fout: onbekende soort 'brand'; kies uit geweld, schokkende-gebeurtenis, bedreiging, "
            "ongeval, overlijden, overig\n",
        ),
    ],
)
def test_incident_add_refuses_bad_input_and_writes_nothing(
    cli_team: Cli, args: list[str], message: str
) -> None:
    result = cli_team("incident", "add", *args, "--by", "TCO")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
    assert json.loads(cli_team("incident", "list", "--json").stdout) == []


def test_an_employee_who_left_gets_no_incident(cli_team: Cli) -> None:
    assert cli_team("employee", "update", "E3", "--left-on", "2026-02-01").exit_code == 0
    result = cli_team(
        "incident",
        "add",
        "--employee",
        "E3",
        "--date",
        "2026-01-15",
        "--kind",
        "geweld",
        "--by",
        "TCO",
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "fout: medewerker E3 is uit dienst sinds 2026-02-01; registreer geen nazorg\n"
    )


def test_the_same_incident_twice_needs_force(cli_team: Cli) -> None:
    args = [
        "incident",
        "add",
        "--employee",
        "E1",
        "--date",
        "2026-03-01",
        "--kind",
        "geweld",
        "--by",
        "TCO",
    ]
    assert cli_team(*args).exit_code == 0
    again = cli_team(*args)
    assert again.exit_code == 1
    assert again.stderr == (
        "fout: incident 1 is al geregistreerd voor E1 op 2026-03-01 (geweld); "
        "gebruik --force voor een tweede\n"
    )
    assert cli_team(*args, "--force").exit_code == 0


def test_agenda_lists_conversations_in_date_order(cli_team: Cli) -> None:
    cli_team(
        "incident",
        "add",
        "--employee",
        "E3",
        "--date",
        "2026-03-02",
        "--kind",
        "overig",
        "--by",
        "TCO",
    )
    cli_team(
        "incident",
        "add",
        "--employee",
        "E2",
        "--date",
        "2026-02-20",
        "--kind",
        "geweld",
        "--by",
        "TCO",
    )
    result = cli_team("agenda", "--to", "2026-06-30")
    assert result.exit_code == 0
    assert result.stdout == (
        "Datum       Tijd   Medewerker         Leidinggevende  Gesprek           Id\n"
        "2026-03-20  10:00  Jérôme Ğüneş (E2)  Lars Leider     nazorg 1 maand    4\n"
        "2026-04-02  10:00  Els Derde (E3)     Lea Leider      nazorg 1 maand    1\n"
        "2026-05-20  10:00  Jérôme Ğüneş (E2)  Lars Leider     nazorg 3 maanden  5\n"
        "2026-06-02  10:00  Els Derde (E3)     Lea Leider      nazorg 3 maanden  2\n"
    )
    data = json.loads(cli_team("agenda", "--json").stdout)
    assert [d["id"] for d in data] == [4, 1, 5, 2, 6, 3]
    assert data[0]["leader"] == "L1"


def test_incident_show_includes_the_note_for_tco(cli_team: Cli) -> None:
    cli_team(
        "incident",
        "add",
        "--employee",
        "E1",
        "--date",
        "2026-03-02",
        "--kind",
        "overig",
        "--note",
        "Interne notitie",
        "--by",
        "TCO",
    )
    result = cli_team("incident", "show", "1")
    assert "notitie:        Interne notitie" in result.stdout
    assert cli_team("incident", "show", "99").stderr == (
        "fout: onbekend incident 99; zie 'nazorg incident list'\n"
    )


def test_a_bad_nazorg_today_is_one_line(cli: Cli) -> None:
    result = cli("agenda", today="2026-13-01")
    assert result.exit_code == 1
    assert result.stderr == (
        "fout: NAZORG_TODAY: '2026-13-01' is geen geldige datum; gebruik JJJJ-MM-DD, "
        "bijvoorbeeld 2026-03-02\n"
    )


def test_a_bad_database_url_is_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    runner = Cli({"NAZORG_DATABASE_URL": "mysql://u:geheim@h/db"}, CliRunner())
    result = runner("init")
    assert result.exit_code == 1
    assert result.stderr == (
        "fout: ongeldige instelling 'database_url': mysql wordt niet ondersteund; "
        "gebruik sqlite of postgresql\n"
    )


def test_an_unreachable_database_never_shows_its_password() -> None:
    from typer.testing import CliRunner

    runner = Cli(
        {"NAZORG_DATABASE_URL": "postgresql+psycopg://nazorg:geheim@127.0.0.1:1/nazorg"},
        CliRunner(),
    )
    result = runner("init")
    assert result.exit_code == 1
    assert "geheim" not in result.output
    assert result.stderr.startswith("fout: database (postgresql+psycopg://nazorg:***@127.0.0.1:1")
    assert result.stderr.count("\n") == 1


def test_the_demo_loads_and_shows_its_agenda(cli: Cli) -> None:
    result = cli("demo", "load")
    assert result.stdout == "demo geladen: 30 medewerkers, 6 incidenten, 27 gesprekken gepland\n"
    agenda = cli("agenda", "--to", "2026-03-16").stdout.splitlines()
    assert agenda[1].split() == [
        "2026-03-02",
        "10:00",
        "Gijs",
        "van",
        "den",
        "Berg",
        "(M007)",
        "Ahmed",
        "Bouzid",
        "nazorg",
        "3",
        "maanden",
        "*",
        "5",
    ]
    assert len(agenda) == 6  # header, four conversations, footnote
