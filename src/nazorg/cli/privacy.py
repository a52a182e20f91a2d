"""`nazorg audit`, `export`, `erase`, `purge`: the AVG commands (issue 6).

Each command runs its service from `nazorg.services.privacy` (or the audit trail's, from
`nazorg.services.audit`) in one transaction, so its audit
record is written with what it did or showed, or not at all.
"""

from __future__ import annotations

import typer

from nazorg.cli.common import env, parse_date_option, print_json, table

JSON = typer.Option(False, "--json", help="Uitvoer als JSON.")
BY = typer.Option(None, "--by", help="Wie dit doet (anders NAZORG_USER of de systeemgebruiker).")
CONFIRM_WORDS = ("ja", "j", "yes", "y")


def register(app: typer.Typer) -> None:
    """Add the AVG commands to the app."""
    app.command("audit")(audit_)
    app.command()(export)
    app.command()(erase)
    app.command()(purge)


def audit_(
    ctx: typer.Context,
    employee: str = typer.Option(
        None, "--employee", help="Alleen over deze medewerker (personeelsnummer of pseudoniem)."
    ),
    since: str = typer.Option(None, "--from", help="Vanaf datum (JJJJ-MM-DD)."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Toon het auditspoor: wie wanneer welke gegevens vastlegde, wijzigde, bekeek, exporteerde."""
    from nazorg.services import audit

    e = env(ctx)
    first = parse_date_option(since, "--from")
    with e.transaction() as session:
        events = audit.trail(session, reader=e.actor(by), now=e.now, employee=employee, since=first)
        data = [audit.audit_json(event) for event in events]
    if json:
        print_json(data)
        return
    if not data:
        typer.echo("geen auditregels")
        return
    rows = [
        [
            str(d["at"]).replace("T", " "),
            str(d["actor"]),
            str(d["action"]),
            f"{d['entity']} {d['entity_id']}",
            str(d["employee"] or "-"),
            str(d["details"] or ""),
        ]
        for d in data
    ]
    typer.echo(table(rows, ["Tijd (UTC)", "Wie", "Actie", "Object", "Medewerker", "Details"]))


def export(
    ctx: typer.Context,
    employee: str = typer.Option(..., "--employee", help="Personeelsnummer."),
    output: str = typer.Option(
        None, "--output", help="Schrijf naar dit bestand (alleen leesbaar voor jou) i.p.v. stdout."
    ),
    by: str = BY,
) -> None:
    """Exporteer alles wat nazorg over één medewerker bewaart, als JSON (inzageverzoek AVG)."""
    import json as jsonlib

    from nazorg.services.privacy import export

    e = env(ctx)
    with e.transaction() as session:
        data = export.export_employee(session, employee, actor=e.actor(by), now=e.now)
        text = jsonlib.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if output is not None:
            # Written before the commit: a file that cannot be written leaves no audit record.
            write_private(output, text.encode("utf-8"))
    if output is None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"export van {data['employee']['personnel_number']} geschreven naar {output}")


def write_private(name: str, data: bytes) -> None:
    """Write a new file readable by its owner only (0600); an existing file is never replaced."""
    import os
    from pathlib import Path

    from nazorg.core.errors import ValidationError
    from nazorg.core.text import has_control

    if not name.strip() or has_control(name) or "\x00" in name:
        raise ValidationError("--output: geef een geldige bestandsnaam")
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValidationError(
            f"--output: {name} bestaat al; kies een nieuwe bestandsnaam (nazorg overschrijft niets)"
        ) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "ongeldige naam"
        raise ValidationError(f"--output: kan {name} niet aanmaken ({reason})") from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
    except OSError as exc:
        Path(name).unlink(missing_ok=True)
        raise ValidationError(f"--output: kan {name} niet schrijven ({exc.strerror})") from None
    finally:
        if fd >= 0:
            os.close(fd)


def erase(
    ctx: typer.Context,
    employee: str = typer.Option(None, "--employee", help="Personeelsnummer (verplicht)."),
    by: str = typer.Option(None, "--by", help="Wie het verzoek uitvoert (verplicht)."),
    yes: bool = typer.Option(False, "--yes", help="Niet om bevestiging vragen."),
    json: bool = JSON,
) -> None:
    """Wis de incident- en gespreksgegevens van een medewerker (AVG-verzoek tot wissen).

    Verstuurde uitnodigingen worden eerst geannuleerd door de dagelijkse run; daarna verdwijnen
    de gegevens. Het auditspoor blijft, onder een pseudoniem.
    """
    from nazorg.core.errors import ValidationError
    from nazorg.services.privacy import erasure

    if not employee or not employee.strip():
        raise ValidationError("geef met --employee het personeelsnummer van wie gewist wordt")
    if not by or not by.strip():
        raise ValidationError("geef met --by aan wie het wissen uitvoert (verplicht bij wissen)")
    e = env(ctx)
    with e.transaction() as session:
        preview = erasure.erasure_preview(session, employee, today=e.today)
    if preview.pending is None and preview.blockers:
        raise ValidationError(
            f"{preview.number} kan (nog) niet worden gewist: {preview.blockers[0]}"
        )
    if preview.pending is None and not yes:
        for line in describe_preview(preview):
            typer.echo(line)
        try:
            answer = typer.prompt(
                "Dit is niet terug te draaien. Typ 'ja' om te wissen",
                default="",
                show_default=False,
            )
        except typer.Abort:
            typer.echo()
            answer = ""
        if answer.strip().lower() not in CONFIRM_WORDS:
            typer.echo("fout: niet bevestigd; er is niets gewist", err=True)
            raise typer.Exit(1)
    with e.transaction() as session:
        outcome = erasure.request_erasure(
            session, employee, actor=e.actor(by), today=e.today, now=e.now
        )
    if json:
        print_json(outcome.as_json())
        return
    if outcome.already_requested:
        typer.echo(f"wissen van {outcome.number} is al aangevraagd; wacht op:")
    elif outcome.completed:
        r = outcome.removed
        typer.echo(
            f"{outcome.number} gewist: {r['incidents']} incident(en), {r['followups']} "
            f"gesprek(ken), {r['emissions']} versie(s), {r['files']} bestand(en); "
            f"in het auditspoor nu {outcome.pseudonym}"
        )
        return
    else:
        typer.echo(
            f"wissen van {outcome.number} aangevraagd: {outcome.cancelled} open gesprek(ken) "
            "vervallen; de dagelijkse run verstuurt eerst de annuleringen en wist daarna "
            f"(auditspoor: {outcome.pseudonym}); wacht op:"
        )
    for reason in outcome.waiting:
        typer.echo(f"  - {reason}")


def describe_preview(preview: object) -> list[str]:
    """What `erase` will remove, in the words of the confirmation question."""
    from nazorg.services.privacy.erasure import ErasurePreview

    assert isinstance(preview, ErasurePreview)
    p = preview
    return [
        f"te wissen: {p.name} ({p.number})",
        f"  incidenten:   {p.incidents}"
        + (
            f" (waarvan {p.shared_incidents} gedeeld: blijven voor de anderen)"
            if p.shared_incidents
            else ""
        ),
        f"  gesprekken:   {p.followups} (open: {p.open_followups}, daarvan al uitgenodigd en "
        f"eerst geannuleerd: {p.cancels})",
        f"  versies:      {p.emissions} ({p.files} bestand(en) in de outbox)",
        f"  auditregels:  {p.audit_events} (blijven, onder een pseudoniem)",
        "  medewerkergegevens: naam, e-mail, team en rol",
    ]


def purge(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Toon wat weg zou gaan; wis niets."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Verwijder incidenten en gesprekken die langer dan de bewaartermijn zijn afgesloten."""
    from nazorg.cli.progress import progress_for
    from nazorg.services.privacy import retention

    e = env(ctx)
    settings = e.settings
    with progress_for("oude gegevens zoeken", json=json) as progress, e.transaction() as session:
        report = retention.purge(
            session,
            today=e.today,
            now=e.now,
            retention_months=settings.retention_months,
            overdue_workdays=settings.overdue_workdays,
            violence_kinds=settings.violence_kinds,
            outbox=settings.outbox_dir,
            actor=e.actor(by),
            dry_run=dry_run,
            progress=progress,
        )
        if dry_run:
            session.rollback()
    if json:
        print_json({**report.as_json(), "retention_months": settings.retention_months})
        return
    verb = "zou verwijderen" if dry_run else "verwijderd"
    typer.echo(
        f"bewaartermijn {settings.retention_months} maanden (afgesloten voor "
        f"{report.cutoff.isoformat()}): {verb}: {report.incidents} incident(en), "
        f"{report.followups} gesprek(ken), {report.emissions} versie(s), "
        f"{report.files + report.outbox_files} bestand(en)"
    )
