"""`nazorg run`, `nazorg status` and `nazorg serve`: the daily job and its monitoring."""

from __future__ import annotations

import typer

from nazorg.cli.common import env, print_json, table


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(status)
    app.command()(serve)


def run(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Toon wat klaarstaat; schrijf niets."),
    json: bool = typer.Option(False, "--json", help="Uitvoer als JSON."),
) -> None:
    """De dagelijkse run: maak de uitnodigingen en concepten die nu aan de beurt zijn."""
    from nazorg.cli.progress import progress_for
    from nazorg.core.clock import utc_now
    from nazorg.jobs.daily import run_daily

    e = env(ctx)
    with progress_for("versies schrijven", json=json) as progress:
        report = run_daily(
            e.engine(),
            today=e.today,
            clock=utc_now,
            settings=e.settings,
            dry_run=dry_run,
            progress=progress,
        )
    if json:
        print_json(report.as_json())
        return
    from nazorg.core.labels import kind_nl

    verb = "zou maken" if dry_run else "gemaakt"
    typer.echo(f"run voor {report.today.isoformat()}: {len(report.emitted)} versie(s) {verb}")
    if report.emitted:
        rows = [
            [
                str(x.followup_id),
                kind_nl(x.kind),
                x.method,
                str(x.sequence),
                ", ".join(x.recipients),
            ]
            for x in report.emitted
        ]
        typer.echo(table(rows, ["Id", "Gesprek", "Methode", "Volgnr", "Aan"]))
    if not dry_run and report.emitted:
        typer.echo(f"bestanden in {e.settings.outbox_dir}")


def status(
    ctx: typer.Context,
    json: bool = typer.Option(False, "--json", help="Uitvoer als JSON."),
) -> None:
    """Laatste run, wat klaarstaat; stopt met code 1 als de laatste geslaagde run >26 uur oud is."""
    from nazorg.services.status import status as build

    e = env(ctx)
    with e.transaction() as session:
        result = build(
            session,
            today=e.today,
            now=e.now,
            overdue_workdays=e.settings.overdue_workdays,
            reader=e.actor(None),
        )
        data = result.as_json()
    if json:
        print_json(data)
    else:
        last = data["last_run"]
        ok = data["last_successful_run"]
        typer.echo(
            "laatste run:          "
            + (f"{last['started_at']} voor {last['today']}: {last['outcome']}" if last else "nooit")
        )
        if last and last["node"]:
            typer.echo(f"door node:             {last['node']}")
        typer.echo("laatste geslaagde run: " + (ok["finished_at"] if ok else "nooit"))
        typer.echo(f"klaar om te maken:     {data['due']} gesprek(ken)")
        typer.echo(f"nog te schrijven:      {data['unwritten']} versie(s)")
        typer.echo(f"te laat:               {len(data['overdue'])} gesprek(ken)")
        for item in data["overdue"]:
            typer.echo(
                f"  gesprek {item['id']}: {item['employee_name']} ({item['employee']}), "
                f"{item['kind']}, gepland {item['due']}, leidinggevende {item['leader_name']}"
            )
        if data["attention"]:
            typer.echo(f"antwoorden:            {len(data['attention'])} gesprek(ken) vragen actie")
        for item in data["attention"]:
            typer.echo(
                f"  gesprek {item['id']}: {item['employee_name']} ({item['employee']}), "
                f"gepland {item['due']}: {', '.join(item['attention'])}"
            )
        from nazorg.delivery.state import summary_lines

        for line in summary_lines(data["delivery"]):
            typer.echo(line)
    if result.stale:
        typer.echo(
            "fout: de laatste geslaagde run is ouder dan 26 uur; controleer cron of 'nazorg serve'",
            err=True,
        )
        raise typer.Exit(1)


def serve(ctx: typer.Context) -> None:
    """Draai de dagelijkse run in dit proces (APScheduler), op run_time in Europe/Amsterdam."""
    from nazorg.jobs.serve import serve as serve_forever

    e = env(ctx)
    serve_forever(e.engine(), e.settings, echo=typer.echo)
