"""`nazorg plan ...`: recovery plans (herstelplannen) with their measures."""

from __future__ import annotations

from typing import Any

import typer

from nazorg.cli.common import env, parse_date_option, print_json, table

app = typer.Typer(help="Herstelplannen met maatregelen.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Uitvoer als JSON.")
BY = typer.Option(None, "--by", help="Wie dit vastlegt (anders NAZORG_USER).")


def _date(value: str, option: str) -> Any:
    day = parse_date_option(value, option)
    assert day is not None
    return day


@app.command()
def add(
    ctx: typer.Context,
    person: str = typer.Option(..., "--person", help="Personeelsnummer van de betrokkene."),
    case: int = typer.Option(None, "--case", help="De melding (de betrokkene is de melder)."),
    incident: int = typer.Option(None, "--incident", help="Het incident van de betrokkene."),
    start: str = typer.Option(None, "--start", help="Startdatum (anders vandaag)."),
    consent: bool = typer.Option(
        False, "--consent", help="De betrokkene stemt in: TCO/VGW en leidinggevende zien het plan."
    ),
    holder: str = typer.Option(None, "--holder", help="Wie de evaluatie voert (personeelsnummer)."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Start een herstelplan; de evaluatie wordt meteen gepland."""
    from nazorg.services.cases import plans

    e = env(ctx)
    with e.transaction() as session:
        plan = plans.add_plan(
            session,
            e.principal(session, by),
            person=person,
            case_id=case,
            incident_id=incident,
            start=_date(start, "--start") if start else e.today,
            consent=consent,
            holder=holder,
            today=e.today,
            now=e.now,
            settings=e.settings,
        )
        plan_id = plan.id
    if json:
        print_json({"id": plan_id})
        return
    typer.echo(f"herstelplan {plan_id} gestart")


@app.command()
def measure(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="Nummer van het herstelplan."),
    description: str = typer.Option(..., "--description", help="Korte omschrijving (intern)."),
    owner: str = typer.Option(..., "--owner", help="Personeelsnummer van wie het uitvoert."),
    target: str = typer.Option(..., "--target", help="Streefdatum (JJJJ-MM-DD)."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Voeg een maatregel toe; de eigenaar krijgt een herinnering voor de streefdatum."""
    from nazorg.services.cases import plans

    e = env(ctx)
    with e.transaction() as session:
        m = plans.add_measure(
            session,
            e.principal(session, by),
            plan_id,
            description=description,
            owner=owner,
            target=_date(target, "--target"),
            today=e.today,
            now=e.now,
            settings=e.settings,
        )
        measure_id = m.id
    if json:
        print_json({"id": measure_id, "plan": plan_id})
        return
    typer.echo(f"maatregel {measure_id} toegevoegd aan herstelplan {plan_id}")


def _finish(
    ctx: typer.Context, measure_id: int, status: str, on: str | None, by: str | None, json: bool
) -> None:
    from nazorg.services.cases import plans

    e = env(ctx)
    with e.transaction() as session:
        plans.finish_measure(
            session,
            e.principal(session, by),
            measure_id,
            status=status,
            on=_date(on, "--on") if on else e.today,
            today=e.today,
            now=e.now,
            settings=e.settings,
        )
    if json:
        print_json({"id": measure_id, "status": status})
        return
    typer.echo(f"maatregel {measure_id}: {'gedaan' if status == 'done' else 'vervallen'}")


@app.command()
def done(
    ctx: typer.Context,
    measure_id: int = typer.Argument(..., help="Nummer van de maatregel."),
    on: str = typer.Option(None, "--on", help="Datum (anders vandaag)."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Een maatregel is uitgevoerd."""
    _finish(ctx, measure_id, "done", on, by, json)


@app.command()
def drop(
    ctx: typer.Context,
    measure_id: int = typer.Argument(..., help="Nummer van de maatregel."),
    on: str = typer.Option(None, "--on", help="Datum (anders vandaag)."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Een maatregel vervalt."""
    _finish(ctx, measure_id, "dropped", on, by, json)


@app.command()
def show(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="Nummer van het herstelplan."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Toon een herstelplan met zijn maatregelen."""
    from nazorg.services.cases import views

    e = env(ctx)
    with e.transaction() as session:
        data = views.show(session, e.principal(session, by), plan_id, now=e.now).as_json()
    if json:
        print_json(data)
        return
    typer.echo(f"herstelplan {data['id']} van {data['person_name']}, gestart {data['started_on']}")
    typer.echo(f"instemming:  {'ja' if data['consent'] else 'nee'}")
    typer.echo(
        table(
            [
                [str(m["id"]), m["description"], str(m["owner_name"]), m["target"], m["status_nl"]]
                for m in data["measures"]
            ],
            ["Id", "Maatregel", "Eigenaar", "Streefdatum", "Status"],
        )
    )
    for r in data["reviews"]:
        typer.echo(f"evaluatie: {r['due']} ({r['status']})")
