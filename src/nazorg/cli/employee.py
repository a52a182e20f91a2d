"""`nazorg employee ...`: the people nazorg plans for, and their leaders."""

from __future__ import annotations

from pathlib import Path

import typer

from nazorg.cli.common import describe_pending, env, parse_date_option, print_json, table

app = typer.Typer(help="Medewerkers en hun leidinggevenden.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Uitvoer als JSON.")
BY = typer.Option(None, "--by", help="Wie dit doet (anders NAZORG_USER of de systeemgebruiker).")


def _employee_json(e: object) -> dict[str, object]:
    from nazorg.store.models import Employee

    assert isinstance(e, Employee)
    return {
        "personnel_number": e.personnel_number,
        "name": e.name,
        "email": e.email,
        "team": e.team_code,
        "leader": e.leader_number,
        "role": e.role,
        "left_on": e.left_on.isoformat() if e.left_on else None,
    }


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="CSV met kolommen personnel_number,name,email,team,leader,role."
    ),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Importeer of werk medewerkers bij uit een CSV-bestand: alles of niets."""
    from nazorg.cli.progress import progress_for
    from nazorg.core.errors import ImportRowsError, ValidationError
    from nazorg.services import employees

    e = env(ctx)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{file}: niet te lezen ({exc.strerror})") from None
    try:
        rows = employees.read_csv(raw)
        with progress_for("medewerkers importeren", json=json) as progress, e.transaction() as s:
            result = employees.import_employees(
                s, rows, filename=file.name, actor=e.actor(by), now=e.now, progress=progress
            )
    except ImportRowsError as exc:
        exc.filename = file.name
        raise ImportRowsError(file.name, exc.problems) from None
    if json:
        print_json(result.__dict__)
    else:
        typer.echo(
            f"{file.name}: {result.created} nieuw, {result.updated} bijgewerkt, "
            f"{result.unchanged} ongewijzigd, {result.teams_created} nieuwe team(s)"
        )


@app.command()
def add(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="Personeelsnummer."),
    name: str = typer.Option(..., "--name", help="Volledige naam."),
    email: str = typer.Option(..., "--email", help="E-mailadres."),
    team: str = typer.Option(..., "--team", help="Code van het basisteam."),
    leader: str = typer.Option(None, "--leader", help="Personeelsnummer van de leidinggevende."),
    role: str = typer.Option(
        "medewerker", "--role", help="medewerker, leidinggevende of teamchef."
    ),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Voeg één medewerker toe."""
    from nazorg.services import employees

    e = env(ctx)
    with e.transaction() as session:
        employee = employees.add(
            session,
            employees.EmployeeIn(number, name, email, team, leader, role),
            actor=e.actor(by),
            now=e.now,
        )
        data = _employee_json(employee)
    if json:
        print_json(data)
    else:
        typer.echo(f"medewerker {data['personnel_number']} toegevoegd")


@app.command()
def update(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="Personeelsnummer."),
    name: str = typer.Option(None, "--name", help="Nieuwe naam."),
    email: str = typer.Option(None, "--email", help="Nieuw e-mailadres."),
    team: str = typer.Option(None, "--team", help="Nieuw basisteam."),
    leader: str = typer.Option(None, "--leader", help="Nieuwe leidinggevende ('' = geen)."),
    role: str = typer.Option(None, "--role", help="Nieuwe rol."),
    left_on: str = typer.Option(None, "--left-on", help="Uit dienst per datum (JJJJ-MM-DD)."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Wijzig een medewerker: leidinggevende, team, rol, e-mail of datum uit dienst."""
    from nazorg.services import employees

    e = env(ctx)
    change = employees.EmployeeChange(
        name=name,
        email=email,
        team=team,
        leader=leader,
        role=role,
        left_on=parse_date_option(left_on, "--left-on"),
    )
    from nazorg.services.followups import preview
    from nazorg.services.slots import SlotPolicy

    today, now = e.today, e.now
    with e.transaction() as session:
        employee, changed, touched = employees.update(
            session,
            number,
            change,
            actor=e.actor(by),
            now=now,
            today=today,
            plan=e.settings.plan(),
            policy=SlotPolicy.of(e.settings),
        )
        data = _employee_json(employee)
        pending = preview(session, touched, today=today, now=now, settings=e.settings)
    if json:
        print_json({**data, "changed": changed, "next_run": [p.as_json() for p in pending]})
        return
    if changed:
        typer.echo(f"medewerker {data['personnel_number']} bijgewerkt: {', '.join(changed)}")
    else:
        typer.echo(f"medewerker {data['personnel_number']}: niets gewijzigd")
    if pending:
        typer.echo("\n".join(describe_pending(pending)))


@app.command("list")
def list_(
    ctx: typer.Context,
    team: str = typer.Option(None, "--team", help="Alleen dit basisteam."),
    json: bool = JSON,
) -> None:
    """Toon alle medewerkers."""
    from nazorg.services import employees

    with env(ctx).transaction() as session:
        data = [_employee_json(x) for x in employees.list_employees(session, team)]
    if json:
        print_json(data)
        return
    rows = [
        [
            str(d["personnel_number"]),
            str(d["name"]),
            str(d["team"]),
            str(d["role"]),
            str(d["leader"] or "-"),
            str(d["left_on"] or ""),
        ]
        for d in data
    ]
    typer.echo(table(rows, ["Nummer", "Naam", "Team", "Rol", "Leidinggevende", "Uit dienst"]))


@app.command()
def show(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="Personeelsnummer."),
    json: bool = JSON,
) -> None:
    """Toon één medewerker."""
    from nazorg.services import employees

    with env(ctx).transaction() as session:
        data = _employee_json(employees.get(session, number))
    if json:
        print_json(data)
        return
    labels = {
        "personnel_number": "nummer",
        "name": "naam",
        "email": "e-mail",
        "team": "team",
        "leader": "leidinggevende",
        "role": "rol",
        "left_on": "uit dienst",
    }
    for key, label in labels.items():
        typer.echo(f"{label + ':':16}{data[key] if data[key] is not None else '-'}")
