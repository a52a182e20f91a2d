"""`nazorg incident ...`: registering impactful incidents."""

from __future__ import annotations

import typer

from nazorg.cli.common import env, parse_date_option, print_json, table

app = typer.Typer(help="Impactvolle incidenten.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Uitvoer als JSON.")


def followup_rows(followups: list[object]) -> list[list[str]]:
    from nazorg.core.labels import kind_nl, status_nl
    from nazorg.store.models import FollowUp

    rows = []
    for f in followups:
        assert isinstance(f, FollowUp)
        status = status_nl(f.status) + (" (late registratie)" if f.late_registration else "")
        rows.append(
            [
                str(f.id),
                f.employee_number,
                kind_nl(f.kind),
                f.start.strftime("%Y-%m-%d %H:%M"),
                status,
            ]
        )
    return rows


FOLLOWUP_HEADER = ["Id", "Medewerker", "Gesprek", "Gepland", "Status"]


@app.command()
def add(
    ctx: typer.Context,
    employee: list[str] = typer.Option(..., "--employee", help="Personeelsnummer (herhaalbaar)."),
    date: str = typer.Option(..., "--date", help="Datum van het incident (JJJJ-MM-DD)."),
    kind: str = typer.Option(..., "--kind", help="Soort incident, uit de geconfigureerde lijst."),
    note: str = typer.Option(None, "--note", help="Interne notitie (komt nooit in uitnodigingen)."),
    by: str = typer.Option(None, "--by", help="Wie registreert (anders NAZORG_USER)."),
    force: bool = typer.Option(False, "--force", help="Registreer ook als het al bestaat."),
    json: bool = JSON,
) -> None:
    """Registreer een incident en plan de nazorggesprekken."""
    from nazorg.core.workdays import WorkCalendar
    from nazorg.services import incidents
    from nazorg.services.agenda import followup_json
    from nazorg.services.slots import SlotPolicy

    e = env(ctx)
    occurred = parse_date_option(date, "--date")
    assert occurred is not None
    settings = e.settings
    registration = e.run(
        lambda session: incidents.register(
            session,
            employees=employee,
            occurred_on=occurred,
            kind=kind,
            note=note,
            actor=e.actor(by),
            today=e.today,
            now=e.now,
            kinds=settings.incident_kinds,
            plan=settings.plan(kind.strip()),
            calendar=WorkCalendar(),
            force=force,
            policy=SlotPolicy.of(settings),
        )
    )
    if json:
        print_json(
            {
                "incident_id": registration.incident.id,
                "followups": [followup_json(f) for f in registration.followups],
            }
        )
        return
    typer.echo(f"incident {registration.incident.id} geregistreerd; geplande gesprekken:")
    typer.echo(table(followup_rows(list(registration.followups)), FOLLOWUP_HEADER))


@app.command("list")
def list_(
    ctx: typer.Context,
    employee: str = typer.Option(None, "--employee", help="Alleen voor deze medewerker."),
    since: str = typer.Option(None, "--from", help="Vanaf incidentdatum (JJJJ-MM-DD)."),
    json: bool = JSON,
) -> None:
    """Toon incidenten, nieuwste eerst (zonder notities)."""
    from nazorg.services import incidents

    e = env(ctx)
    with e.transaction() as session:
        found = incidents.overview(
            session,
            e.principal(session),
            now=e.now,
            employee=employee,
            since=parse_date_option(since, "--from"),
        )
        data = [
            {
                "id": i.id,
                "date": i.occurred_on.isoformat(),
                "kind": i.kind,
                "employees": numbers,
                "registered_by": i.registered_by,
                "registered_at": i.registered_at.isoformat(),
            }
            for i, numbers in found
        ]
    if json:
        print_json(data)
        return
    rows = [
        [
            str(d["id"]),
            str(d["date"]),
            str(d["kind"]),
            ", ".join(d["employees"]),  # type: ignore[arg-type]
            str(d["registered_by"]),
        ]
        for d in data
    ]
    typer.echo(table(rows, ["Id", "Datum", "Soort", "Medewerkers", "Geregistreerd door"]))


@app.command()
def show(
    ctx: typer.Context,
    incident_id: int = typer.Argument(..., help="Nummer van het incident."),
    json: bool = JSON,
) -> None:
    """Toon één incident met notitie en geplande gesprekken."""
    from nazorg.services import incidents
    from nazorg.services.agenda import followup_json

    e = env(ctx)
    with e.transaction() as session:
        view = incidents.show(session, e.principal(session), incident_id, now=e.now)
    incident = view.incident
    data = {
        "id": incident.id,
        "date": incident.occurred_on.isoformat(),
        "kind": incident.kind,
        "note": incident.note,
        "employees": view.employees,
        "registered_by": incident.registered_by,
        "registered_at": incident.registered_at.isoformat(),
        "followups": [followup_json(f) for f in view.followups],
    }
    rows = followup_rows(list(view.followups))
    if json:
        print_json(data)
        return
    typer.echo(f"incident {data['id']}: {data['kind']} op {data['date']}")
    typer.echo(f"medewerkers:    {', '.join(data['employees'])}")  # type: ignore[arg-type]
    typer.echo(f"geregistreerd:  {data['registered_by']}, {data['registered_at']}")
    typer.echo(f"notitie:        {data['note'] or '-'}")
    typer.echo(table(rows, FOLLOWUP_HEADER))


@app.command()
def update(
    ctx: typer.Context,
    incident_id: int = typer.Argument(..., help="Nummer van het incident."),
    date: str = typer.Option(..., "--date", help="Gecorrigeerde datum (JJJJ-MM-DD)."),
    by: str = typer.Option(None, "--by", help="Wie corrigeert (anders NAZORG_USER)."),
    json: bool = JSON,
) -> None:
    """Corrigeer de datum van een incident; nog niet gehouden gesprekken worden herpland."""
    from nazorg.cli.common import describe_pending
    from nazorg.core.workdays import WorkCalendar
    from nazorg.services import followups
    from nazorg.services.agenda import followup_json
    from nazorg.services.slots import SlotPolicy

    e = env(ctx)
    occurred = parse_date_option(date, "--date")
    assert occurred is not None
    today, now = e.today, e.now
    with e.transaction() as session:
        changed = followups.replan_incident(
            session,
            incident_id,
            occurred_on=occurred,
            actor=e.actor(by),
            today=today,
            now=now,
            plan_for=e.settings.plan,
            calendar=WorkCalendar(),
            policy=SlotPolicy.of(e.settings),
        )
        pending = followups.preview(session, changed, today=today, now=now, settings=e.settings)
        rows = followup_rows(list(changed))
        data = [followup_json(f) for f in changed]
    if json:
        print_json(
            {
                "incident_id": incident_id,
                "followups": data,
                "next_run": [p.as_json() for p in pending],
            }
        )
        return
    typer.echo(f"incident {incident_id}: datum {occurred.isoformat()}; opnieuw gepland:")
    typer.echo(table(rows, FOLLOWUP_HEADER))
    typer.echo("\n".join(describe_pending(pending)))
