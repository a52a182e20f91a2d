"""Top-level commands: init, agenda, demo, and (with the emitter) run, status and serve."""

from __future__ import annotations

import typer

from nazorg.cli.common import env, parse_date_option, print_json, table

demo_app = typer.Typer(help="De meegeleverde demo-organisatie.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(agenda)
    app.add_typer(demo_app, name="demo")


def init(ctx: typer.Context) -> None:
    """Maak de database aan of werk hem bij naar de nieuwste versie (veilig om te herhalen)."""
    from nazorg.store.engine import safe_url
    from nazorg.store.migrate import upgrade

    e = env(ctx)
    before, after = upgrade(e.engine(check=False))
    where = safe_url(e.settings.database_url)
    if before == after:
        typer.echo(f"database {where} is bijgewerkt (versie {after})")
    elif before is None:
        typer.echo(f"database {where} aangemaakt (versie {after})")
    else:
        typer.echo(f"database {where} bijgewerkt van {before} naar {after}")


def agenda(
    ctx: typer.Context,
    start: str = typer.Option(None, "--from", help="Vanaf datum (JJJJ-MM-DD); standaard vandaag."),
    end: str = typer.Option(None, "--to", help="Tot en met datum (JJJJ-MM-DD)."),
    overdue: bool = typer.Option(
        False, "--overdue", help="Alleen gesprekken die te laat zijn (niet gehouden)."
    ),
    json: bool = typer.Option(False, "--json", help="Uitvoer als JSON."),
) -> None:
    """Toon de geplande gesprekken op datum, met medewerker, leidinggevende en soort."""
    from nazorg.core.labels import kind_nl
    from nazorg.services import agenda as agendas

    e = env(ctx)
    first = parse_date_option(start, "--from") or e.today
    last = parse_date_option(end, "--to")
    with e.transaction() as session:
        if overdue:
            items = agendas.late(
                session,
                reader=e.actor(None),
                now=e.now,
                today=e.today,
                overdue_workdays=e.settings.overdue_workdays,
            )
        else:
            items = agendas.planned(session, reader=e.actor(None), now=e.now, start=first, end=last)
        data = [item.as_json() for item in items]
    if json:
        print_json(data)
        return
    if not data:
        typer.echo("geen gesprekken te laat" if overdue else "geen geplande gesprekken")
        return
    rows = []
    for item in items:
        f = item.followup
        rows.append(
            [
                f.start.strftime("%Y-%m-%d"),
                f.start.strftime("%H:%M"),
                f"{item.employee.name} ({item.employee.personnel_number})",
                item.leader.name if item.leader else "(geen)",
                kind_nl(f.kind)
                + (" *" if f.late_registration else "")
                + "".join(f" [{label}]" for label in item.attention),
                str(f.id),
            ]
        )
    typer.echo(table(rows, ["Datum", "Tijd", "Medewerker", "Leidinggevende", "Gesprek", "Id"]))
    if any(item.followup.late_registration for item in items):
        typer.echo("* verplaatst wegens late registratie")


@demo_app.command("load")
def demo_load(
    ctx: typer.Context,
    by: str = typer.Option(None, "--by", help="Wie laadt (anders NAZORG_USER)."),
) -> None:
    """Laad de demo-organisatie: één basisteam, vier leidinggevenden, 25 medewerkers, incidenten."""
    from nazorg.services import demo

    e = env(ctx)
    with e.transaction() as session:
        result = demo.load(
            session, settings=e.settings, today=e.today, now=e.now, actor=e.actor(by)
        )
    typer.echo(
        f"demo geladen: {result.employees} medewerkers, {result.incidents} incidenten, "
        f"{result.followups} gesprekken gepland"
    )


@demo_app.command("accounts")
def demo_accounts(
    ctx: typer.Context,
    by: str = typer.Option(None, "--by", help="Wie dit doet (anders NAZORG_USER)."),
) -> None:
    """Maak de demo-accounts voor de webapplicatie (één per rol) en toon ze."""
    from nazorg.services import demo

    e = env(ctx)
    with e.transaction() as session:
        shown = demo.accounts(session, now=e.now, actor=e.actor(by))
    typer.echo("demo-accounts (alleen voor de demo):")
    typer.echo(table([list(row) for row in shown], ["Gebruiker", "Rollen", "Wachtwoord"]))


__all__ = ["print_json", "table"]
