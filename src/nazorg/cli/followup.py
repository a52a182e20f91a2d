"""`nazorg followup ...`: a conversation was held, declined or moved."""

from __future__ import annotations

from typing import Any

import typer

from nazorg.cli.common import describe_pending, env, print_json

app = typer.Typer(help="Nazorggesprekken afronden, afzeggen of verzetten.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Uitvoer als JSON.")
BY = typer.Option(None, "--by", help="Wie dit vastlegt (anders NAZORG_USER).")


def _report(
    ctx: typer.Context, session: Any, changed: list[Any], headline: str, json: bool
) -> None:
    from nazorg.services.agenda import followup_json
    from nazorg.services.followups import preview

    e = env(ctx)
    pending = preview(session, changed, today=e.today, now=e.now, settings=e.settings)
    if json:
        print_json(
            {
                "followups": [followup_json(f) for f in changed],
                "next_run": [p.as_json() for p in pending],
            }
        )
        return
    typer.echo(headline)
    typer.echo("\n".join(describe_pending(pending)))


def _guard(e: Any, session: Any, followup_id: int, by: str | None) -> None:
    """An item of a report or recovery plan: only the reports role or its holder (issue 15)."""
    from nazorg.services.cases.guard import require_case_item

    require_case_item(session, e.principal(session, by), followup_id, now=e.now)


@app.command()
def done(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., help="Nummer van het gesprek (zie nazorg agenda)."),
    outcome: str = typer.Option(..., "--outcome", help="goed, aandacht of verwezen."),
    note: str = typer.Option(None, "--note", help="Korte notitie (intern)."),
    stop: bool = typer.Option(False, "--stop", help="Stop de volgende nazorggesprekken."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Leg vast dat het gesprek is gehouden, met de uitkomst."""
    from nazorg.services import followups

    e = env(ctx)
    with e.transaction() as session:
        _guard(e, session, followup_id, by)
        changed = followups.mark_held(
            session,
            followup_id,
            outcome=outcome,
            note=note,
            stop=stop,
            actor=e.actor(by),
            today=e.today,
            now=e.now,
        )
        extra = f"; {len(changed) - 1} volgend(e) gesprek(ken) vervallen" if stop else ""
        _report(
            ctx,
            session,
            changed,
            f"gesprek {followup_id} gehouden (uitkomst {outcome}){extra}",
            json,
        )


@app.command()
def decline(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., help="Nummer van het gesprek."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """De medewerker ziet af van verdere nazorg voor dit incident."""
    from nazorg.services import followups

    e = env(ctx)
    with e.transaction() as session:
        _guard(e, session, followup_id, by)
        changed = followups.decline(
            session, followup_id, actor=e.actor(by), today=e.today, now=e.now
        )
        ids = ", ".join(str(f.id) for f in changed)
        _report(ctx, session, changed, f"afgezegd: gesprek(ken) {ids}", json)


@app.command()
def reschedule(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., help="Nummer van het gesprek."),
    at: str = typer.Option(..., "--at", help='Nieuw tijdstip "JJJJ-MM-DD UU:MM" (Amsterdam).'),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Verzet een gesprek naar een andere werkdag of tijd."""
    from nazorg.core.workdays import WorkCalendar
    from nazorg.services import followups

    e = env(ctx)
    with e.transaction() as session:
        _guard(e, session, followup_id, by)
        f = followups.reschedule(
            session,
            followup_id,
            at=at,
            actor=e.actor(by),
            today=e.today,
            now=e.now,
            plan_for=e.settings.plan,
            calendar=WorkCalendar(),
        )
        _report(
            ctx,
            session,
            [f],
            f"gesprek {followup_id} verzet naar {f.start.strftime('%Y-%m-%d %H:%M')}",
            json,
        )
