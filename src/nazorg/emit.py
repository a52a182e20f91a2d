"""The daily run: emit every calendar version that is due, exactly once.

The run is three small steps that tests call one by one:

1. `decide`: under a database lock, for each follow-up whose `emit_on` has come, compare what
   should be in people's calendars with the last version sent and record the difference as new
   versions (`Emission` rows with a frozen `InviteVersion` payload). A REQUEST when the
   conversation is new or its time or attendees changed, a CANCEL when it is called off or an
   attendee is removed, nothing when nothing changed. One mechanism for every command.
2. `write`: render each decided but unwritten version from its payload and write the .ics and
   .eml atomically; mark it written with an optimistic update, so two concurrent runs never both
   count it and a run killed halfway leaves it for the next.
3. `record_run`: keep the start, end, day, counts and outcome of each run for `nazorg status`.

Only rows that are due are read (`emit_on <= today`, `written_at IS NULL`, both indexed), in
batches, so cost and memory follow the work due and not the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from nazorg.agenda import conversation_holder
from nazorg.db import lock_for_emission, transaction
from nazorg.models import Emission, Employee, FollowUp, Run
from nazorg.payload import EscalationNotice, InviteVersion, Person
from nazorg.planning import HELD, PLANNED

if TYPE_CHECKING:
    import jinja2

    from nazorg.settings import Settings

BATCH = 500
INVITE = "invite"
ESCALATION = "escalation"


@dataclass(frozen=True, slots=True)
class Emitted:
    """One version written by this run (for the summary and --json)."""

    followup_id: int
    kind: str
    method: str
    uid: str
    sequence: int
    recipients: tuple[str, ...]
    ics: str | None  # None for an escalation: a draft without an invite
    eml: str

    def as_json(self) -> dict[str, Any]:
        return {
            "followup_id": self.followup_id,
            "kind": self.kind,
            "method": self.method,
            "uid": self.uid,
            "sequence": self.sequence,
            "recipients": list(self.recipients),
            "ics": self.ics,
            "eml": self.eml,
        }


@dataclass
class RunReport:
    today: date
    run_id: int | None = None
    decided: int = 0
    emitted: list[Emitted] = field(default_factory=list)
    dry_run: bool = False
    after: dict[str, Any] = field(default_factory=dict)
    generated: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "decided": self.decided,
            "generated": self.generated,
            "emitted": [e.as_json() for e in self.emitted],
            **self.after,
        }


# --- step 1: decide ---------------------------------------------------------------------------


def _person(employee: Employee) -> Person:
    return Person(name=employee.name, email=employee.email)


def message_id(uid: str, sequence: int, purpose: str = INVITE) -> str:
    """A Message-ID that is the same for the same version, and short enough for one header line
    (the UID's dashes dropped; `inv` or `esc` for the purpose)."""
    local, _, domain = uid.partition("@")
    tag = "esc" if purpose == ESCALATION else "inv"
    return f"{local.replace('-', '')}.{sequence}.{tag}@{domain or 'nazorg'}"


def last_version(session: Session, followup_id: int) -> InviteVersion | None:
    payload = session.exec(
        select(Emission.payload)
        .where(Emission.followup_id == followup_id)
        .where(Emission.purpose == INVITE)
        .order_by(col(Emission.sequence).desc())
        .limit(1)
    ).first()
    return InviteVersion.from_json(payload) if payload is not None else None


def desired_versions(
    session: Session,
    followup: FollowUp,
    last: InviteVersion | None,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> list[InviteVersion]:
    """The versions to send so that calendars match the follow-up's state (RFC 5546).

    - open and never sent: a REQUEST (SEQUENCE 0) to the leader and the employee;
    - open and sent, with a changed time: a REQUEST with the next SEQUENCE;
    - open and sent, with another leader: a CANCEL to the old leader alone, then a REQUEST to the
      new leader and the employee (removing an attendee = CANCEL to them + REQUEST to the rest);
    - closed (held is not a change; declined, cancelled, employee gone) and an open invite out:
      a CANCEL to everybody in the last version;
    - never sent and its day already past: nothing (the overdue escalation reports it);
    - otherwise nothing.
    A leader's own 360-degree and development-plan items go to the leader alone, from the HR
    mailbox; an R&O invite carries the violence agenda point when it applies.
    DTSTAMP never goes back, even if the clock does.
    """
    from nazorg.cycles import SELF_KINDS

    employee = session.get(Employee, followup.employee_number)
    assert employee is not None
    own_item = followup.kind in SELF_KINDS
    holder = employee if own_item else conversation_holder(session, employee, followup.due_on)
    mailbox = (
        settings.hr_mailbox_for(employee.team_code)
        if own_item
        else settings.organizer_for(employee.team_code)
    )
    organizer = Person(name=mailbox.name, email=str(mailbox.email))
    agenda_points = _agenda_points(session, followup, settings)
    dtstamp = max(now, last.dtstamp) if last is not None else now
    sequence = followup.sequence
    versions: list[InviteVersion] = []

    def add(
        method: str, leader: Person, attendees: tuple[Person, ...], times: InviteVersion | FollowUp
    ) -> None:
        nonlocal sequence
        sequence += 1
        versions.append(
            InviteVersion(
                uid=followup.uid,
                sequence=sequence,
                method="CANCEL" if method == "CANCEL" else "REQUEST",
                dtstamp=dtstamp,
                start=times.start,
                end=times.end,
                tzid=followup.tzid,
                organizer=organizer,
                leader=leader,
                employee=_person(employee),
                attendees=attendees,
                kind=followup.kind,
                language=settings.language,
                message_id=message_id(followup.uid, sequence),
                agenda_points=agenda_points if method != "CANCEL" else (),
            )
        )

    is_open = (
        followup.status == PLANNED and employee.is_active(followup.due_on) and holder is not None
    )
    if not is_open or holder is None:
        if last is not None and last.method == "REQUEST" and followup.status != HELD:
            add("CANCEL", last.leader, last.attendees, last)
        return versions

    if last is None and followup.start.date() < today:
        # Never sent and its day has passed (a first run, or a long outage): an invite for the
        # past helps nobody; the conversation stays open and the escalation reports it.
        return versions
    leader = _person(holder)
    wanted = (leader,) if own_item else (leader, _person(employee))
    if last is None or last.method == "CANCEL":
        add("REQUEST", leader, wanted, followup)
    elif last.leader.email != leader.email:
        add("CANCEL", last.leader, (last.leader,), last)
        add("REQUEST", leader, wanted, followup)
    elif last.start != followup.start or last.end != followup.end or last.attendees != wanted:
        add("REQUEST", leader, wanted, followup)
    return versions


def _agenda_points(session: Session, followup: FollowUp, settings: Settings) -> tuple[str, ...]:
    """Extra agenda points of an invite: for R&O, violence met since the previous R&O."""
    from nazorg.cycles import RO, violence_agenda_point, violence_since_last_ro

    if followup.kind != RO:
        return ()
    count = violence_since_last_ro(session, followup, violence_kinds=settings.violence_kinds)
    return (violence_agenda_point(count, settings.language),) if count else ()


@dataclass
class Decided:
    """What a decide step recorded: how many versions, and (dry run only) the versions."""

    count: int = 0
    emissions: list[Emission] = field(default_factory=list)

    def __len__(self) -> int:
        return self.count


def load_people(session: Session, followups: list[FollowUp]) -> list[Employee]:
    """Read the employees of a batch and their leaders in two queries, into the session's
    identity map, so that deciding each follow-up finds them there (`session.get`) instead of
    asking the database once per person: on a server every query is a round trip. The caller
    holds the returned list while it decides: the identity map keeps only weak references."""
    numbers = {f.employee_number for f in followups}
    people = list(
        session.exec(select(Employee).where(col(Employee.personnel_number).in_(numbers))).all()
    )
    leaders = {p.leader_number for p in people if p.leader_number} - numbers
    if leaders:
        people += session.exec(
            select(Employee).where(col(Employee.personnel_number).in_(leaders))
        ).all()
    return people


def _decide_due(
    engine: Engine,
    due_column: Any,
    handle: Callable[[Session, FollowUp], list[Emission]],
    *,
    today: date,
    dry_run: bool,
) -> Decided:
    """The one mechanism behind every decision of the daily run.

    Reads the follow-ups whose date in `due_column` has come, in batches, each batch one
    transaction holding the emission lock; `handle` records the versions for one follow-up and
    clears its date. Two runs therefore never decide the same thing: the second finds the date
    cleared by the first (and the unique key on follow-up, purpose and sequence is the last line
    of defence). A dry run rolls every batch back and skips what it has seen.
    """
    decided = Decided()
    seen: set[int] = set()
    while True:
        with Session(engine, expire_on_commit=False) as session:
            lock_for_emission(session)
            query = (
                select(FollowUp)
                .where(col(due_column).is_not(None))
                .where(col(due_column) <= today)
                .order_by(col(due_column), col(FollowUp.id))
                .limit(BATCH)
            )
            if dry_run and seen:
                query = query.where(col(FollowUp.id).not_in(seen))
            followups = list(session.exec(query).all())
            if not followups:
                session.rollback()
                return decided
            _people = load_people(session, followups)  # held for the batch: the map is weak
            for followup in followups:
                assert followup.id is not None
                seen.add(followup.id)
                for emission in handle(session, followup):
                    session.add(emission)
                    decided.count += 1
                    if dry_run:  # a real run needs the count only: hold no ORM objects
                        decided.emissions.append(emission)
                session.add(followup)
            if dry_run:
                session.rollback()
            else:
                session.commit()


def decide(
    engine: Engine,
    *,
    today: date,
    now: datetime,
    settings: Settings,
    run_id: int | None = None,
    dry_run: bool = False,
) -> Decided:
    """Record the calendar versions due today (`emit_on` has come); returns how many (in a dry run
    what would be recorded)."""

    def handle(session: Session, followup: FollowUp) -> list[Emission]:
        assert followup.id is not None
        emissions = []
        # SEQUENCE -1: no version was ever decided, so there is none to read (saves a query
        # per new conversation: most of a busy day).
        last = last_version(session, followup.id) if followup.sequence >= 0 else None
        for v in desired_versions(session, followup, last, today=today, now=now, settings=settings):
            emissions.append(
                Emission(
                    followup_id=followup.id,
                    purpose=INVITE,
                    sequence=v.sequence,
                    method=v.method,
                    decided_on=today,
                    decided_at=now,
                    payload=v.to_json(),
                    run_id=run_id,
                )
            )
            followup.sequence = v.sequence
        followup.emit_on = None
        followup.updated_at = now
        return emissions

    return _decide_due(engine, FollowUp.emit_on, handle, today=today, dry_run=dry_run)


def escalation_notice(
    session: Session,
    followup: FollowUp,
    *,
    today: date,
    now: datetime,
    settings: Settings,
    sequence: int,
) -> EscalationNotice:
    """The overdue report for one conversation: to the teamchef of the employee's team and the
    aftercare mailbox (DOMAIN: the teamchef is the escalation point)."""
    from nazorg.agenda import teamchef
    from nazorg.workdays import WorkCalendar

    employee = session.get(Employee, followup.employee_number)
    assert employee is not None and followup.id is not None
    holder = conversation_holder(session, employee, followup.due_on)
    chef = teamchef(session, employee.team_code, today)
    mailbox = settings.organizer_for(employee.team_code)
    organizer = Person(name=mailbox.name, email=str(mailbox.email))
    recipients = ((_person(chef),) if chef is not None else ()) + (organizer,)
    return EscalationNotice(
        followup_id=followup.id,
        uid=followup.uid,
        dtstamp=now,
        start=followup.start,
        tzid=followup.tzid,
        organizer=organizer,
        recipients=recipients,
        employee=_person(employee),
        leader=_person(holder) if holder is not None else None,
        kind=followup.kind,
        workdays_late=WorkCalendar().workdays_between(followup.due_on, today),
        language=settings.language,
        message_id=message_id(followup.uid, sequence, ESCALATION),
    )


def decide_escalations(
    engine: Engine,
    *,
    today: date,
    now: datetime,
    settings: Settings,
    run_id: int | None = None,
    dry_run: bool = False,
) -> Decided:
    """Record one escalation for each open conversation that became overdue (`escalate_on`
    has come); the date is cleared so it is reported once. A conversation moved to a new date
    and overdue again is reported again (the next sequence)."""
    from sqlalchemy import func

    def handle(session: Session, followup: FollowUp) -> list[Emission]:
        followup.escalate_on = None
        if followup.status != PLANNED:
            return []
        sequence = int(
            session.exec(
                select(func.count())
                .select_from(Emission)
                .where(Emission.followup_id == followup.id)
                .where(Emission.purpose == ESCALATION)
            ).one()
        )
        notice = escalation_notice(
            session, followup, today=today, now=now, settings=settings, sequence=sequence
        )
        assert followup.id is not None
        return [
            Emission(
                followup_id=followup.id,
                purpose=ESCALATION,
                sequence=sequence,
                method="ESCALATION",
                decided_on=today,
                decided_at=now,
                payload=notice.to_json(),
                run_id=run_id,
            )
        ]

    return _decide_due(engine, FollowUp.escalate_on, handle, today=today, dry_run=dry_run)


# --- step 2: write ----------------------------------------------------------------------------


class Renderer:
    """Renders versions to bytes; builds the template environment once per run."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._envs: dict[str, jinja2.Environment] = {}

    def env(self, language: str) -> jinja2.Environment:
        if language not in self._envs:
            from nazorg.templating import make_environment

            self._envs[language] = make_environment(language, self._settings.templates_dir)
        return self._envs[language]

    def render(self, version: InviteVersion) -> tuple[bytes, bytes]:
        from nazorg.draft import render_eml
        from nazorg.invite import render_ics

        env = self.env(version.language)
        ics = render_ics(version, env)
        return ics, render_eml(version, ics, env)

    def render_escalation(self, notice: EscalationNotice) -> bytes:
        from nazorg.escalation import render_escalation

        return render_escalation(notice, self.env(notice.language))


def file_stem(emission: Emission, version: InviteVersion) -> str:
    """A name that is the same however often the version is written, and sorts sensibly."""
    return (
        f"{emission.decided_on.isoformat()}/nazorg-{emission.followup_id}-"
        f"{version.kind}-{version.sequence:03d}-{version.method.lower()}"
    )


def _pending(engine: Engine, after_id: int) -> list[Emission]:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(
            select(Emission)
            .where(col(Emission.written_at).is_(None))
            .where(col(Emission.id) > after_id)
            .order_by(col(Emission.id))
            .limit(BATCH)
        ).all()
        return list(rows)


def pending_emissions(engine: Engine) -> Iterator[Emission]:
    """Every decided, unwritten version, oldest first, read in batches."""
    after = 0
    while True:
        batch = _pending(engine, after)
        if not batch:
            return
        yield from batch
        after = batch[-1].id or after


#: Versions written between two syncs of the outbox and two commits (one each per batch).
WRITE_BATCH = 100


def write(engine: Engine, *, outbox: Path, renderer: Renderer, now: datetime) -> list[Emitted]:
    """Write every pending version to the outbox; returns the ones this process marked written.

    Files are written before they are marked: a crash in between means the next run writes the
    same bytes again (deterministic rendering), never that a version is lost. Per batch of
    WRITE_BATCH versions the files are made durable with one sync and marked in one transaction
    (an optimistic update per version, so of two concurrent runs only one counts each).
    """
    from nazorg.outbox import sync_files

    written: list[Emitted] = []
    batch: list[tuple[Emission, Emitted]] = []

    def mark() -> None:
        sync_files([Path(p) for _, item in batch for p in (item.ics, item.eml) if p])
        with transaction(engine) as session:
            for emission, item in batch:
                result = session.execute(
                    update(Emission)
                    .where(col(Emission.id) == emission.id)
                    .where(col(Emission.written_at).is_(None))
                    .values(written_at=now, ics_path=item.ics, eml_path=item.eml)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    written.append(item)
        batch.clear()

    for emission in pending_emissions(engine):
        batch.append((emission, _write_one(emission, outbox=outbox, renderer=renderer)))
        if len(batch) >= WRITE_BATCH:
            mark()
    if batch:
        mark()
    return written


def _write_one(emission: Emission, *, outbox: Path, renderer: Renderer) -> Emitted:
    from nazorg.outbox import write_atomic

    if emission.purpose == ESCALATION:
        notice = EscalationNotice.from_json(emission.payload)
        eml_path = outbox / (
            f"{emission.decided_on.isoformat()}/nazorg-{emission.followup_id}-"
            f"{notice.kind}-escalatie-{emission.sequence:03d}.eml"
        )
        write_atomic(eml_path, renderer.render_escalation(notice), durable=False)
        return Emitted(
            emission.followup_id,
            notice.kind,
            "ESCALATION",
            notice.uid,
            emission.sequence,
            tuple(p.email for p in notice.recipients),
            None,
            str(eml_path),
        )
    version = InviteVersion.from_json(emission.payload)
    ics, eml = renderer.render(version)
    stem = outbox / file_stem(emission, version)
    ics_path = stem.with_name(stem.name + ".ics")
    eml_path = stem.with_name(stem.name + ".eml")
    write_atomic(ics_path, ics, durable=False)
    write_atomic(eml_path, eml, durable=False)
    return Emitted(
        emission.followup_id,
        version.kind,
        version.method,
        version.uid,
        version.sequence,
        tuple(p.email for p in version.attendees),
        str(ics_path),
        str(eml_path),
    )


# --- step 3: the run as a whole ---------------------------------------------------------------


def _describe(emission: Emission) -> Emitted:
    """An emission that was decided but not written (for --dry-run)."""
    if emission.purpose == ESCALATION:
        notice = EscalationNotice.from_json(emission.payload)
        return Emitted(
            emission.followup_id,
            notice.kind,
            "ESCALATION",
            notice.uid,
            emission.sequence,
            tuple(p.email for p in notice.recipients),
            None,
            "",
        )
    version = InviteVersion.from_json(emission.payload)
    return Emitted(
        emission.followup_id,
        version.kind,
        version.method,
        version.uid,
        version.sequence,
        tuple(p.email for p in version.attendees),
        "",
        "",
    )


def generate_cycles(engine: Engine, *, today: date, now: datetime, settings: Settings) -> int:
    """Create the leadership-cycle items within the horizon (once each), under the same lock as
    deciding, so concurrent runs do not both try."""
    from nazorg.cycles import generate
    from nazorg.workdays import WorkCalendar

    with transaction(engine) as session:
        lock_for_emission(session)
        created = generate(
            session, today=today, now=now, settings=settings, calendar=WorkCalendar()
        )
        return len(created)


def start_run(engine: Engine, *, today: date, now: datetime) -> int:
    with transaction(engine) as session:
        run = Run(today=today, started_at=now)
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def finish_run(
    engine: Engine, run_id: int, *, now: datetime, decided: int, written: int, error: str | None
) -> None:
    with transaction(engine) as session:
        run = session.get(Run, run_id)
        assert run is not None
        run.finished_at = now
        run.decided = decided
        run.written = written
        run.outcome = "failed" if error else "ok"
        run.error = error[:2000] if error else None
        session.add(run)


def run_daily(
    engine: Engine,
    *,
    today: date,
    clock: Any,
    settings: Settings,
    dry_run: bool = False,
) -> RunReport:
    """One daily run: decide what is due, write it, record the run. `clock()` gives aware UTC."""
    report = RunReport(today=today, dry_run=dry_run)
    if dry_run:
        now = clock()
        would = decide(engine, today=today, now=now, settings=settings, dry_run=True).emissions
        would += decide_escalations(
            engine, today=today, now=now, settings=settings, dry_run=True
        ).emissions
        report.emitted = [_describe(emission) for emission in would]
        report.decided = len(report.emitted)
        return report
    run_id = start_run(engine, today=today, now=clock())
    report.run_id = run_id
    error: str | None = None
    try:
        report.generated = generate_cycles(engine, today=today, now=clock(), settings=settings)
        report.decided = len(
            decide(engine, today=today, now=clock(), settings=settings, run_id=run_id)
        )
        report.decided += len(
            decide_escalations(engine, today=today, now=clock(), settings=settings, run_id=run_id)
        )
        report.emitted = write(
            engine, outbox=settings.outbox_dir, renderer=Renderer(settings), now=clock()
        )
    except Exception as exc:
        from nazorg.errors import NazorgError

        error = str(exc) if isinstance(exc, NazorgError) else f"{type(exc).__name__}: {exc}"
        raise
    finally:
        finish_run(
            engine,
            run_id,
            now=clock(),
            decided=report.decided,
            written=len(report.emitted),
            error=error,
        )
    report.after = after_write(engine, today=today, clock=clock, settings=settings)
    return report


def after_write(engine: Engine, *, today: date, clock: Any, settings: Settings) -> dict[str, Any]:
    """The steps that follow emission: delivery to servers, then erasures and retention.

    They run after the run is recorded as successful: a delivery or purge problem is reported
    by those steps themselves and never undoes or blocks the emission.
    """
    from nazorg import delivery, privacy

    return {
        "delivery": delivery.after_run(engine, settings=settings, today=today, now=clock()),
        "privacy": privacy.after_run(engine, settings=settings, today=today, now=clock()),
    }
