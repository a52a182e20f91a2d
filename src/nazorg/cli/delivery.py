"""`nazorg deliver` (issue 8)."""

from __future__ import annotations

import typer

from nazorg.cli.common import env, print_json


def register(app: typer.Typer) -> None:
    """Add the delivery commands to the app."""
    app.command()(deliver)


def deliver(
    ctx: typer.Context,
    retry: bool = typer.Option(
        False, "--retry", help="Probeer mislukte afleveringen nu opnieuw, ook vóór hun wachttijd."
    ),
    json: bool = typer.Option(False, "--json", help="Uitvoer als JSON."),
) -> None:
    """Lever geschreven versies af bij de ingestelde IMAP-, SMTP- en CalDAV-servers.

    Stopt met code 1 als een aflevering mislukte (de fout staat ook in 'nazorg status'); die
    wordt later vanzelf opnieuw geprobeerd.
    """
    from nazorg.cli.progress import progress_for
    from nazorg.core.clock import utc_now
    from nazorg.core.errors import ConfigError
    from nazorg.delivery.service import deliver as run

    e = env(ctx)
    if not e.settings.delivery.targets:
        raise ConfigError(
            "geen aflevering ingesteld; zet [delivery.imap], [delivery.smtp] of "
            "[delivery.caldav] in de configuratie (zie README)"
        )
    with progress_for("afleveren", json=json) as progress:
        report = run(
            e.engine(),
            settings=e.settings,
            today=e.today,
            clock=utc_now,
            retry=retry,
            progress=progress,
        )
    if json:
        print_json(report.as_json())
    else:
        for name, target in report.targets.items():
            typer.echo(
                f"{name}: {target.delivered} afgeleverd, {target.failed} mislukt"
                + (
                    f", {target.superseded} vervangen door een nieuwere versie"
                    if target.superseded
                    else ""
                )
            )
            if target.error and not target.failures:
                typer.echo(f"  {target.error}")
            for failure in target.failures:
                when = failure["next_attempt_at"] or "alleen met --retry"
                typer.echo(
                    f"  gesprek {failure['followup_id']} volgnr {failure['sequence']}: "
                    f"{failure['error']} (volgende poging: {when})"
                )
    if report.failed:
        typer.echo(
            f"fout: {report.failed} aflevering(en) mislukt; ze worden later opnieuw geprobeerd "
            "(nu: nazorg deliver --retry)",
            err=True,
        )
        raise typer.Exit(1)
