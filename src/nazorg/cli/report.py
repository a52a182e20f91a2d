"""`nazorg report`: the anonymous report to sector leadership (issue 14)."""

from __future__ import annotations

import typer

from nazorg.cli.common import env


def register(app: typer.Typer) -> None:
    """Add `nazorg report` to the app."""
    app.command("report")(report)


def report(
    ctx: typer.Context,
    month: str = typer.Option(None, "--month", help="De maand (JJJJ-MM); anders vorige maand."),
    months: int = typer.Option(None, "--months", help="4, 8 of 12 maanden, eindigend met --until."),
    until: str = typer.Option(None, "--until", help="Laatste maand bij --months (JJJJ-MM)."),
    team: str = typer.Option(None, "--team", help="Alleen dit basisteam (code) en het totaal."),
    fmt: str = typer.Option("html", "--format", help="html, pdf, csv of json."),
    output: str = typer.Option(
        None, "--output", help="Schrijf naar dit nieuwe bestand (alleen leesbaar voor jou)."
    ),
    by: str = typer.Option(None, "--by", help="Wie het rapport opvraagt."),
    json: bool = typer.Option(False, "--json", help="Uitvoer als JSON (gelijk aan --format json)."),
) -> None:
    """Maak de maandrapportage: anonieme cijfers per basisteam, kleine aantallen verborgen."""
    import sys

    from nazorg.cli.privacy import write_private
    from nazorg.cli.progress import progress_for
    from nazorg.services import report as service
    from nazorg.services.report.period import choose

    e = env(ctx)
    chosen = "json" if json else fmt
    period = choose(month, months, until, e.today)
    with e.transaction() as session, progress_for("rapportage maken", json=json) as progress:
        principal = e.principal(session, by)
        _, data = service.read(
            session,
            principal,
            period,
            settings=e.settings,
            now=e.now,
            fmt=chosen,
            team=team,
            progress=progress,
        )
        if output is not None:
            write_private(output, data)  # before the commit: no file, no audit record
    if output is not None:
        typer.echo(f"rapportage {period.label()} ({chosen}) geschreven naar {output}")
    elif chosen == "pdf":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        typer.echo(data.decode(), nl=False)
