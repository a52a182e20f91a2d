"""`nazorg web`: serve the web application with uvicorn.

The command line and the web app are separate layers that do not import each other: uvicorn
imports the app by name (`nazorg.web.app:app_from_environment`) in each worker, which reads the
same settings (NAZORG_CONFIG, NAZORG_*) as this command.
"""

from __future__ import annotations

import os

import typer

from nazorg.cli.common import env

APP = "nazorg.web.app:app_from_environment"


def register(app: typer.Typer) -> None:
    app.command("web")(web)


def web(
    ctx: typer.Context,
    host: str = typer.Option(None, "--host", help="Adres (standaard web.host: 127.0.0.1)."),
    port: int = typer.Option(None, "--port", help="Poort (standaard web.port: 8000)."),
    workers: int = typer.Option(None, "--workers", help="Aantal werkprocessen (web.workers)."),
) -> None:
    """Start de webapplicatie (uvicorn) op de database uit de instellingen."""
    import uvicorn

    e = env(ctx)
    e.engine()  # refuse a database that is missing or not migrated, with the fix named
    settings = e.settings.web
    if e.config is not None:
        os.environ["NAZORG_CONFIG"] = str(e.config.resolve())
    where = f"http://{host or settings.host}:{port or settings.port}/"
    typer.echo(f"nazorg web: {settings.url or where} (stop met Ctrl-C)")
    uvicorn.run(
        APP,
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="warning",
        access_log=False,
    )
