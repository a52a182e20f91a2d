"""`nazorg case ...`: reports (meldingen) of exclusion and discrimination, with the
investigation, the buddy and closing. Only for an account with the reports role (--by or
NAZORG_USER); anyone else is refused and the refusal is audited."""

from __future__ import annotations

from typing import Any

import typer

from nazorg.cli.common import env, parse_date_option, print_json, table

app = typer.Typer(help="Meldingen: onderzoek, buddy en contactmomenten.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Uitvoer als JSON.")
BY = typer.Option(None, "--by", help="Uw account met de rol meldingen (anders NAZORG_USER).")


def _date(value: str, option: str) -> Any:
    day = parse_date_option(value, option)
    assert day is not None
    return day


def _contacts_out(made: list[Any], json: bool, headline: str, case: Any) -> None:
    from nazorg.services.agenda import followup_json

    if json:
        print_json(
            {"case": case.id, "status": case.status, "contacts": [followup_json(f) for f in made]}
        )
        return
    typer.echo(headline)
    for f in made:
        typer.echo(f"contactmoment {f.id}: {f.start.strftime('%Y-%m-%d %H:%M')} ({f.status})")


@app.command()
def add(
    ctx: typer.Context,
    reporter: str = typer.Option(..., "--reporter", help="Personeelsnummer van de melder."),
    date: str = typer.Option(..., "--date", help="Datum van de melding (JJJJ-MM-DD)."),
    category: str = typer.Option(..., "--category", help="Categorie uit de configuratie."),
    note: str = typer.Option(None, "--note", help="Interne notitie (komt nooit in uitnodigingen)."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Leg een melding vast."""
    from nazorg.services.cases import reports

    e = env(ctx)
    with e.transaction() as session:
        case = reports.add(
            session,
            e.principal(session, by),
            reports.NewCase(reporter, _date(date, "--date"), category, note),
            today=e.today,
            now=e.now,
            settings=e.settings,
        )
        case_id = case.id
    if json:
        print_json({"id": case_id, "status": "open"})
        return
    typer.echo(f"melding {case_id} vastgelegd")


@app.command()
def investigate(
    ctx: typer.Context,
    case_id: int = typer.Argument(..., help="Nummer van de melding."),
    start: str = typer.Option(..., "--from", help="Eerste dag van het onderzoek (JJJJ-MM-DD)."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Start het onderzoek; met een buddy volgen contactmomenten."""
    from nazorg.services.cases import reports

    e = env(ctx)
    with e.transaction() as session:
        case, made = reports.investigate(
            session,
            e.principal(session, by),
            case_id,
            start=_date(start, "--from"),
            today=e.today,
            now=e.now,
            settings=e.settings,
        )
        _contacts_out(made, json, f"melding {case_id}: onderzoek vanaf {start}", case)


@app.command()
def buddy(
    ctx: typer.Context,
    case_id: int = typer.Argument(..., help="Nummer van de melding."),
    employee: str = typer.Option(..., "--employee", help="Personeelsnummer van de buddy."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Wijs een buddy toe (of wissel van buddy)."""
    from nazorg.services.cases import reports

    e = env(ctx)
    with e.transaction() as session:
        case, changed = reports.set_buddy(
            session,
            e.principal(session, by),
            case_id,
            employee=employee,
            today=e.today,
            now=e.now,
            settings=e.settings,
        )
        _contacts_out(changed, json, f"melding {case_id}: buddy {case.buddy_number}", case)


@app.command()
def close(
    ctx: typer.Context,
    case_id: int = typer.Argument(..., help="Nummer van de melding."),
    on: str = typer.Option(..., "--on", help="Datum van sluiten (JJJJ-MM-DD)."),
    outcome: str = typer.Option(None, "--outcome", help="Uitkomst (intern)."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Sluit de melding; open contactmomenten vervallen."""
    from nazorg.services.cases import reports

    e = env(ctx)
    with e.transaction() as session:
        case, cancelled = reports.close(
            session,
            e.principal(session, by),
            case_id,
            on=_date(on, "--on"),
            outcome=outcome,
            today=e.today,
            now=e.now,
        )
        _contacts_out(
            cancelled,
            json,
            f"melding {case_id} gesloten; {len(cancelled)} contact(en) vervallen",
            case,
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    open_only: bool = typer.Option(False, "--open", help="Alleen open meldingen."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Toon de meldingen (zonder notities)."""
    from nazorg.services.cases import reports

    e = env(ctx)
    with e.transaction() as session:
        rows = reports.list_cases(session, e.principal(session, by), now=e.now, open_only=open_only)
        data = [r.as_json() for r in rows]
    if json:
        print_json(data)
        return
    typer.echo(
        table(
            [
                [
                    str(d["id"]),
                    str(d["date"]),
                    str(d["reporter_name"]),
                    str(d["category"]),
                    str(d["status_nl"]),
                    str(d["buddy_name"] or "-"),
                ]
                for d in data
            ],
            ["Id", "Datum", "Melder", "Categorie", "Status", "Buddy"],
        )
    )


@app.command()
def show(
    ctx: typer.Context,
    case_id: int = typer.Argument(..., help="Nummer van de melding."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Toon één melding met notitie, contactmomenten en herstelplannen."""
    from nazorg.services.cases import reports

    e = env(ctx)
    with e.transaction() as session:
        data = reports.show(session, e.principal(session, by), case_id, now=e.now).as_json()
    if json:
        print_json(data)
        return
    typer.echo(f"melding {data['id']}: {data['category']} op {data['date']} ({data['status_nl']})")
    typer.echo(f"melder:         {data['reporter_name']} ({data['reporter']})")
    typer.echo(f"buddy:          {data['buddy_name'] or '-'}")
    typer.echo(f"onderzoek vanaf: {data['investigation_from'] or '-'}")
    typer.echo(f"notitie:        {data['note'] or '-'}")
    typer.echo(
        table(
            [
                [
                    str(c["id"]),
                    c["start"][:16].replace("T", " "),
                    str(c["buddy_name"] or "-"),
                    c["status"],
                ]
                for c in data["contacts"]
            ],
            ["Id", "Contactmoment", "Buddy", "Status"],
        )
    )
