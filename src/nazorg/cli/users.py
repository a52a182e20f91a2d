"""`nazorg user ...`: local accounts of the web application (small installations, the demo)."""

from __future__ import annotations

import sys
from typing import Any

import typer

from nazorg.cli.common import env, print_json, table

app = typer.Typer(help="Accounts van de webapplicatie.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Uitvoer als JSON.")
BY = typer.Option(None, "--by", help="Wie dit doet (anders NAZORG_USER).")


def read_password() -> str:
    """The password from standard input: asked twice at a terminal, else the first line."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("wachtwoord: ")
        if getpass.getpass("nog een keer: ") != first:
            from nazorg.core.errors import ValidationError

            raise ValidationError("de wachtwoorden verschillen; probeer het opnieuw")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@app.command()
def add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Gebruikersnaam (zonder spaties)."),
    role: list[str] = typer.Option(
        ..., "--role", help="staff, reports, leader of management (herhaalbaar)."
    ),
    employee: str = typer.Option(
        None, "--employee", help="Personeelsnummer (nodig voor een leidinggevende)."
    ),
    team: list[str] = typer.Option(
        None, "--team", help="Alleen dit basisteam (herhaalbaar; standaard alle teams)."
    ),
    email: str = typer.Option(None, "--email", help="E-mailadres."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Maak een lokaal account; het wachtwoord komt van standaardinvoer."""
    from nazorg.services import users

    e = env(ctx)
    data = users.NewUser(
        username=username,
        roles=role,
        password=read_password(),
        employee_number=employee,
        email=email,
        teams=team,
    )
    with e.transaction() as session:
        account = users.add(session, data, actor=e.actor(by), now=e.now)
        result = _json(account)
    if json:
        print_json(result)
        return
    typer.echo(f"gebruiker {result['username']} aangemaakt (rollen: {', '.join(result['roles'])})")


@app.command("list")
def list_(ctx: typer.Context, json: bool = JSON) -> None:
    """Toon de accounts (nooit wachtwoorden)."""
    from nazorg.services import users

    with env(ctx).transaction() as session:
        data = [_json(a) for a in users.list_accounts(session)]
    if json:
        print_json(data)
        return
    rows = [
        [
            str(d["username"]),
            ", ".join(d["roles"]),
            str(d["employee"] or "-"),
            str(d["source"]),
            "uit" if d["disabled"] else "aan",
        ]
        for d in data
    ]
    typer.echo(table(rows, ["Gebruiker", "Rollen", "Medewerker", "Bron", "Actief"]))


@app.command()
def disable(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Gebruikersnaam."),
    by: str = BY,
) -> None:
    """Zet een account uit; open sessies eindigen meteen."""
    from nazorg.services import users

    e = env(ctx)
    with e.transaction() as session:
        users.disable(session, username, actor=e.actor(by), now=e.now)
    typer.echo(f"gebruiker {username} uitgezet")


def _json(account: object) -> dict[str, Any]:
    from nazorg.store.models import UserAccount

    assert isinstance(account, UserAccount)
    return {
        "username": account.username,
        "roles": account.roles.split(),
        "employee": account.employee_number,
        "email": account.email,
        "teams": account.teams.split() if account.teams else None,
        "source": account.source,
        "disabled": account.disabled,
        "last_login_at": account.last_login_at.isoformat() if account.last_login_at else None,
    }
