"""A synthetic national police organisation with years of aftercare history, for the benchmark.

What it builds (defaults: national scale, see `Scale`):

* 160 basic teams and 65,000 employees: per team one teamchef, one leader (operationeel expert)
  for about every 19 people, the rest medewerkers spread over the leaders.
* Five years of incidents (250,000; 1 to 3 employees each, 1.4 on average) with the check-ins
  that `nazorg.services.incidents.register` would plan for them: the same `plan_checkins`,
  `invite_date` and `escalation_date`, so weekends, holidays, late registrations and catch-up
  conversations come out as they do in production.
* The leadership-cycle items (issue 5) of those years: the yearly 360-degree feedback and the
  development plan of every leader and the yearly R&O conversation of every employee, slotted
  as `nazorg.services.cycles.generate` slots them, up to the horizon the daily run looks ahead. A
  run on `TODAY` therefore generates nothing: the history already has what earlier runs made.
* The state every item would be in on `TODAY` before the daily run: what earlier runs emitted
  has `emit_on` NULL, its `sequence` and an `Emission` row with a real payload (an InviteVersion
  or EscalationNotice JSON, byte for byte as the run writes it) marked written; past
  conversations are mostly held, some declined or cancelled (with their CANCEL version), a few
  still open (escalated when overdue); the invites due on `TODAY` are left due; the rest is
  planned for later. One `Run` row per past day.
  Not generated: audit events (the daily run never reads them) and the tables of the privacy and
  delivery features (issues 6 and 8).

The database is created by `nazorg.store.migrate.upgrade` (the migrations), so the schema and its
indexes are the real ones; rows are then bulk loaded: `COPY` on PostgreSQL, `executemany` in large
transactions with `synchronous=OFF` on SQLite. Everything is derived from a seed and the day, so
the last 10% of a full history is the same as a 10% history: both sizes see the same load today.

Run alone: `python bench/generate.py sqlite:///bench.db --fraction 0.1`.
"""

from __future__ import annotations

import argparse
import functools
import json
import queue
import random
import sqlite3
import sys
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nazorg.core.cycles import (
    DEVELOPMENT_PLAN,
    FEEDBACK_360,
    RO,
    feedback_day,
    ro_slot,
    workdays_of_month,
)
from nazorg.core.planning import (
    CANCELLED,
    DECLINED,
    HELD,
    PLANNED,
    Plan,
    escalation_date,
    invite_date,
    meeting,
    plan_checkins,
)
from nazorg.core.workdays import WorkCalendar, add_months
from nazorg.emission.reconcile import message_id
from nazorg.services.incidents import UID_DOMAIN
from nazorg.settings import Settings

#: The bench's "today": a Friday with an ordinary load of invites due.
TODAY = date(2026, 3, 13)
#: The day after: a Saturday, nothing due (invites go out on working days only).
EMPTY_DAY = date(2026, 3, 14)
AMS = ZoneInfo("Europe/Amsterdam")
OUTBOX = "/var/lib/nazorg/outbox"

FIRST = (
    "Anna",
    "Bram",
    "Chantal",
    "Daan",
    "Eva",
    "Fatima",
    "Gert",
    "Hanneke",
    "Ilse",
    "Jeroen",
    "Karim",
    "Lotte",
    "Mohamed",
    "Noor",
    "Olga",
    "Pieter",
    "Quinten",
    "Rachida",
    "Sven",
    "Tamara",
    "Umut",
    "Vera",
    "Willem",
    "Yara",
    "Zeynep",
    "Jérôme",
    "Ğülşen",
    "Anaïs",
    "Björn",
    "Søren",
)
LAST = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "el Amrani",
    "Yılmaz",
    "Öztürk",
    "Kovačević",
    "Müller",
)
#: Incident kinds and how often they occur.
KINDS = (
    ("geweld", 35), ("bedreiging", 20), ("schokkende-gebeurtenis", 20), ("ongeval", 15),
    ("overlijden", 5), ("overig", 5),
)  # fmt: skip
#: Affected employees per incident: 1 (70%), 2 (20%), 3 (10%).
AFFECTED = ((1, 70), (2, 20), (3, 10))
#: Days between an incident and its registration (the last ones are late registrations).
REGISTRATION_DELAY = ((0, 50), (1, 30), (2, 6), (3, 5), (5, 4), (14, 3), (45, 2))


@dataclass(frozen=True)
class Scale:
    """The size of the organisation and its history. `fraction` of the history is generated,
    ending on `TODAY`, at the same rate of incidents per day."""

    employees: int = 65_000
    teams: int = 160
    incidents: int = 250_000  # over the full history
    history_years: float = 5.0
    fraction: float = 1.0
    seed: int = 20260313

    @property
    def full_days(self) -> int:
        return round(self.history_years * 365.25)

    @property
    def history_days(self) -> int:
        return round(self.full_days * self.fraction)

    @property
    def per_day(self) -> float:
        return self.incidents / self.full_days

    @property
    def start(self) -> date:
        return TODAY - timedelta(days=self.history_days)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A naive UTC instant on `day` (the run's 05:00 UTC is 06:00 or 07:00 in Amsterdam)."""
    return datetime.combine(day, dtime(hour, minute))


@functools.cache
def _d(day: date | None) -> str | None:
    """A date as stored (ISO; SQLAlchemy's SQLite format, and PostgreSQL's COPY input)."""
    return None if day is None else day.isoformat()


@functools.cache
def _t(moment: datetime | None) -> str | None:
    """A naive datetime as stored (SQLAlchemy's SQLite format, microseconds always)."""
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _pick(rng: random.Random, table: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def _ascii(text: str) -> str:
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in flat.lower() if ch.isalnum())


# --- rows ---------------------------------------------------------------------------------------

#: Columns written per table, in order, with their kind: d=date and t=naive (UTC or wall-clock)
#: datetime, both written as strings in SQLAlchemy's SQLite storage format, which PostgreSQL's
#: COPY reads as well (`_d`, `_t`, checked in `self_check`); b=bool, written 0/1. Columns of
#: the model that are not listed must be nullable (checked against the metadata first).
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "team": (("code", ""), ("name", "")),
    "employee": (
        ("personnel_number", ""), ("name", ""), ("email", ""), ("team_code", ""),
        ("leader_number", ""), ("role", ""), ("left_on", "d"), ("created_at", "t"),
        ("updated_at", "t"),
    ),
    "incident": (
        ("id", ""), ("occurred_on", "d"), ("kind", ""), ("note", ""), ("registered_by", ""),
        ("registered_at", "t"),
    ),
    "incident_employee": (("incident_id", ""), ("employee_number", "")),
    "followup": (
        ("id", ""), ("uid", ""), ("incident_id", ""), ("employee_number", ""), ("kind", ""),
        ("cycle_year", ""), ("due_on", "d"), ("start_local", "t"), ("end_local", "t"),
        ("tzid", ""), ("status", ""), ("late_registration", "b"), ("invite_on", "d"),
        ("emit_on", "d"), ("sequence", ""), ("escalate_on", "d"), ("outcome", ""),
        ("outcome_note", ""), ("closed_at", "t"), ("closed_by", ""), ("created_at", "t"),
        ("updated_at", "t"),
    ),
    "emission": (
        ("id", ""), ("followup_id", ""), ("purpose", ""), ("sequence", ""), ("method", ""),
        ("decided_on", "d"), ("decided_at", "t"), ("payload", ""), ("ics_path", ""),
        ("eml_path", ""), ("written_at", "t"), ("run_id", ""),
    ),
    "run": (
        ("id", ""), ("today", "d"), ("started_at", "t"), ("finished_at", "t"), ("decided", ""),
        ("written", ""), ("outcome", ""), ("error", ""),
    ),
}  # fmt: skip
#: Load order (foreign keys point backwards).
TABLES = ("team", "employee", "run", "incident", "incident_employee", "followup", "emission")
SEQUENCES = ("incident", "followup", "emission", "run")


def check_columns() -> None:
    """Fail early and clearly when the models gained a required column the generator lacks."""
    from sqlmodel import SQLModel

    import nazorg.store.models  # noqa: F401  (every table in the metadata)

    for table, columns in COLUMNS.items():
        model = SQLModel.metadata.tables[table]
        names = {name for name, _ in columns}
        unknown = names - set(model.columns.keys())
        if unknown:
            raise SystemExit(f"bench/generate.py: {table} has no column(s) {sorted(unknown)}")
        for column in model.columns:
            if column.name not in names and not column.nullable and column.default is None:
                raise SystemExit(
                    f"bench/generate.py: new required column {table}.{column.name}: "
                    "add it to COLUMNS and the rows"
                )


@dataclass
class Person:
    number: str
    name: str
    email: str
    team: str
    role: str
    leader: str | None
    json: dict[str, str] = field(default_factory=dict)


@dataclass
class Org:
    teams: list[str]
    people: dict[str, Person]
    members: dict[str, list[str]]  # team -> personnel numbers, sorted
    chef: dict[str, str]  # team -> its teamchef

    def holder(self, number: str) -> Person | None:
        """conversation_holder: the leader, else the team's teamchef (never oneself)."""
        person = self.people[number]
        if person.leader is not None:
            return self.people[person.leader]
        chef = self.chef[person.team]
        return None if chef == number else self.people[chef]


def build_org(scale: Scale) -> Org:
    rng = random.Random(scale.seed)
    teams = [f"BT-{i:03d}" for i in range(1, scale.teams + 1)]
    people: dict[str, Person] = {}
    members: dict[str, list[str]] = {}
    chef: dict[str, str] = {}
    base, extra = divmod(scale.employees, scale.teams)
    number = 100000
    for index, team in enumerate(teams):
        size = base + (1 if index < extra else 0)
        n_leaders = max(1, round(size / 19))
        numbers = [str(number + i) for i in range(size)]
        number += size
        members[team] = numbers
        chef[team] = numbers[0]
        leaders = numbers[1 : 1 + n_leaders]
        for i, nr in enumerate(numbers):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if i == 0:
                role, leader = "teamchef", None
            elif i <= n_leaders:
                role, leader = "leidinggevende", numbers[0]
            else:
                role, leader = "medewerker", leaders[(i - 1 - n_leaders) % n_leaders]
            email = f"{_ascii(first)}.{_ascii(last)}.{nr}@politie.example"
            person = Person(nr, f"{first} {last}", email, team, role, leader)
            person.json = {"email": email, "name": person.name}
            people[nr] = person
    return Org(teams, people, members, chef)


def org_rows(org: Org, created: datetime) -> Iterator[tuple[str, tuple[Any, ...]]]:
    for team in org.teams:
        yield "team", (team, f"Basisteam {team[3:]}")
    # Teamchefs first, then leaders, then the rest: a leader row exists before it is referred to.
    order = {"teamchef": 0, "leidinggevende": 1, "medewerker": 2}
    for p in sorted(org.people.values(), key=lambda p: order[p.role]):
        row = (p.number, p.name, p.email, p.team, p.leader, p.role, None, _t(created), _t(created))
        yield "employee", row


# --- the state of one conversation on TODAY -------------------------------------------------------


@dataclass
class State:
    status: str
    emit_on: date | None
    sequence: int
    escalate_on: date | None
    outcome: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    updated: date | None = None
    #: (purpose, sequence, method, decided_on)
    emissions: list[tuple[str, int, str, date]] = field(default_factory=list)


def item_state(
    rng: random.Random,
    *,
    status: str,
    invite_on: date,
    available_on: date,
    due: date,
    escalate: date | None,
    today: date,
) -> State:
    """Where a conversation stands on `today` before the run, given what earlier runs did.

    `available_on` is the first day a run could see it (the day after it was registered). The
    first version went out on the first run on or after `invite_on`; a conversation that is past
    is mostly held (recent ones sometimes still open, and escalated once overdue).
    """
    if status != PLANNED:  # skipped at registration: never emitted
        return State(status, None, -1, None)
    first_run = max(invite_on, available_on)
    if first_run >= today:
        return State(PLANNED, invite_on, -1, escalate)  # due on today (== today) or later
    state = State(PLANNED, None, 0, escalate, emissions=[("invite", 0, "REQUEST", first_run)])
    if due >= today:
        return state
    recent = due >= today - timedelta(days=90)
    roll = rng.random()
    if recent and roll < 0.06:  # still open: escalated once overdue
        if escalate is not None and escalate < today:
            state.escalate_on = None
            state.emissions.append(("escalation", 0, "ESCALATION", escalate))
        return state
    state.escalate_on = None
    roll = rng.random()
    last_day = min(due, today - timedelta(days=1))
    if roll < 0.07 and first_run + timedelta(days=1) <= last_day:
        # Declined (or cancelled: a leader or employee change) before the day: a CANCEL went out.
        span = (last_day - first_run).days
        cancelled_on = first_run + timedelta(days=rng.randint(1, span))
        state.status = DECLINED if roll < 0.045 else CANCELLED
        state.sequence = 1
        state.closed_at = _at(cancelled_on, 9, 30)
        state.closed_by = "TCO"
        state.updated = cancelled_on
        state.emissions.append(("invite", 1, "CANCEL", cancelled_on))
        return state
    state.status = HELD
    state.outcome = _pick(rng, (("goed", 80), ("aandacht", 15), ("verwezen", 5)))
    state.closed_at = _at(due, 12)
    state.closed_by = "TCO"
    state.updated = due
    return state


# --- the generator ------------------------------------------------------------------------------


class Generator:
    """Produces (table, row) pairs for one history, deterministically."""

    def __init__(self, scale: Scale, settings: Settings) -> None:
        self.scale = scale
        self.settings = settings
        self.calendar = WorkCalendar()
        self.org = build_org(scale)
        self.incident_id = 0
        self.followup_id = 0
        self.emission_id = 0
        self.run_counts: dict[date, int] = {}
        self.start = scale.start
        organizer = settings.organizer
        self.organizer = {"email": str(organizer.email), "name": organizer.name}

    # cached pure planning (a few thousand distinct days)
    @functools.cache  # noqa: B019 - one generator per process, bounded by the days
    def _checkins(self, occurred: date, registered: date, plan: Plan) -> Any:
        return [
            (c, invite_date(c.due, plan), escalation_date(c.due, plan, self.calendar))
            for c in plan_checkins(occurred, registered, plan, self.calendar)
        ]

    @functools.cache  # noqa: B019
    def _meeting_iso(self, start_local: datetime, end_local: datetime) -> tuple[str, str]:
        return (
            start_local.replace(tzinfo=AMS).isoformat(),
            end_local.replace(tzinfo=AMS).isoformat(),
        )

    @functools.cache  # noqa: B019
    def _escalation(self, due: date) -> date:
        return escalation_date(due, self.settings.plan(), self.calendar)

    @functools.cache  # noqa: B019
    def _ro_slot(self, year: int, month: int, index: int, plan: Plan) -> tuple[datetime, datetime]:
        return ro_slot(year, month, index, self.calendar, plan)

    @functools.cache  # noqa: B019
    def _workdays_late(self, due: date, on: date) -> int:
        return self.calendar.workdays_between(due, on)

    def uid(self, rng: random.Random) -> str:
        """A random (version 4) UUID at nazorg's domain, as incidents.new_uid makes them."""
        h = f"{rng.getrandbits(128):032x}"
        variant = "89ab"[int(h[16], 16) & 3]
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}@{UID_DOMAIN}"

    def rows(self) -> Iterator[tuple[str, tuple[Any, ...]]]:
        start = self.start
        yield from org_rows(self.org, _at(start - timedelta(days=1), 8))
        # Incidents that happened shortly before the start but were registered after it
        # belong to the history too (so a 10% history has the same load today as the full one).
        day = start - timedelta(days=max(delay for delay, _ in REGISTRATION_DELAY))
        while day < TODAY:
            yield from self._incidents_on(day)
            day += timedelta(days=1)
        yield from self._cycles()
        for index in range(self.scale.history_days):
            run_day = start + timedelta(days=index)
            count = self.run_counts.get(run_day, 0)
            yield (
                "run",
                (
                    index + 1,
                    _d(run_day),
                    _t(_at(run_day, 5)),
                    _t(_at(run_day, 5, 1)),
                    count,
                    count,
                    "ok",
                    None,
                ),
            )

    def _run_id(self, day: date) -> int:
        return (day - self.start).days + 1

    def _incidents_on(self, occurred: date) -> Iterator[tuple[str, tuple[Any, ...]]]:
        rng = random.Random(self.scale.seed * 1_000_003 + occurred.toordinal())
        count = int(self.scale.per_day) + (1 if rng.random() < self.scale.per_day % 1 else 0)
        for _ in range(count):
            kind = _pick(rng, KINDS)
            registered = occurred + timedelta(days=_pick(rng, REGISTRATION_DELAY))
            team = rng.choice(self.org.teams)
            # Not the teamchef: nazorg has nobody to hold a teamchef's conversations (the holder
            # is the leader, else the teamchef), so it would emit nothing for them.
            affected = rng.sample(self.org.members[team][1:], _pick(rng, AFFECTED))
            if registered >= TODAY or registered < self.start:
                continue  # registered after today's run, or before the history starts
            self.incident_id += 1
            incident = self.incident_id
            registered_at = _at(registered, 9, 15)
            yield "incident", (incident, _d(occurred), kind, None, "TCO", _t(registered_at))
            plan = self.settings.plan(kind)
            for number in affected:
                yield "incident_employee", (incident, number)
                for checkin, invite_on, escalate in self._checkins(occurred, registered, plan):
                    state = item_state(
                        rng,
                        status=checkin.status,
                        invite_on=invite_on,
                        available_on=registered + timedelta(days=1),
                        due=checkin.due,
                        escalate=escalate,
                        today=TODAY,
                    )
                    yield from self._followup(
                        rng,
                        number,
                        kind=checkin.kind,
                        incident=incident,
                        cycle_year=None,
                        due=checkin.due,
                        start_local=checkin.start.replace(tzinfo=None),
                        end_local=checkin.end.replace(tzinfo=None),
                        late=checkin.late_registration,
                        invite_on=invite_on,
                        state=state,
                        created=registered_at,
                    )

    def _cycles(self) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """The cycle items `nazorg.services.cycles.generate` made on the days before TODAY."""
        plan = self.settings.plan()
        first = self.start
        horizon = add_months(TODAY - timedelta(days=1), self.settings.cycle_horizon_months)
        kinds = self.settings.cycle_kinds
        for year in range(first.year, TODAY.year + 2):
            rng = random.Random(self.scale.seed * 7 + year)
            for team in self.org.teams:
                day_360 = feedback_day(year, self.settings.feedback_month_for(team), self.calendar)
                plan_day = self.calendar.on_or_after(
                    day_360 + timedelta(weeks=self.settings.development_plan_weeks)
                )
                if FEEDBACK_360 in kinds and first <= day_360 <= horizon:
                    for number in self.org.members[team]:
                        if self.org.people[number].role == "medewerker":
                            continue
                        yield from self._cycle_item(rng, number, FEEDBACK_360, year, day_360, plan)
                        if DEVELOPMENT_PLAN in kinds:
                            yield from self._cycle_item(
                                rng, number, DEVELOPMENT_PLAN, year, plan_day, plan
                            )
                month = self.settings.ro_month_for(team)
                if RO in kinds and date(year, month, 1) <= horizon:
                    if workdays_of_month(year, month, self.calendar)[-1] < first:
                        continue
                    slots: dict[str, int] = {}
                    for number in self.org.members[team]:
                        holder = self.org.holder(number)
                        if holder is None:
                            continue
                        index = slots.get(holder.number, 0)
                        slots[holder.number] = index + 1
                        start, end = self._ro_slot(year, month, index, plan)
                        if start.date() < first:
                            continue
                        yield from self._cycle_item(
                            rng, number, RO, year, start.date(), plan, start, end
                        )

    def _cycle_item(
        self,
        rng: random.Random,
        number: str,
        kind: str,
        year: int,
        day: date,
        plan: Plan,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Iterator[tuple[str, tuple[Any, ...]]]:
        if start is None or end is None:
            start, end = meeting(day, plan)
        invite_on = invite_date(day, plan)
        escalate = self._escalation(day) if kind == RO else None
        generated = max(self.start, add_months(day, -self.settings.cycle_horizon_months))
        state = item_state(
            rng,
            status=PLANNED,
            invite_on=invite_on,
            available_on=generated,
            due=day,
            escalate=escalate,
            today=TODAY,
        )
        yield from self._followup(
            rng,
            number,
            kind=kind,
            incident=None,
            cycle_year=year,
            due=day,
            start_local=start.replace(tzinfo=None),
            end_local=end.replace(tzinfo=None),
            late=False,
            invite_on=invite_on,
            state=state,
            created=_at(generated, 5),
        )

    def _followup(
        self,
        rng: random.Random,
        number: str,
        *,
        kind: str,
        incident: int | None,
        cycle_year: int | None,
        due: date,
        start_local: datetime,
        end_local: datetime,
        late: bool,
        invite_on: date,
        state: State,
        created: datetime,
    ) -> Iterator[tuple[str, tuple[Any, ...]]]:
        self.followup_id += 1
        fid = self.followup_id
        uid = self.uid(rng)
        updated = _at(state.updated, 9, 30) if state.updated else created
        yield "followup", (
            fid, uid, incident, number, kind, cycle_year, _d(due), _t(start_local),
            _t(end_local), "Europe/Amsterdam", state.status, int(late), _d(invite_on),
            _d(state.emit_on), state.sequence, _d(state.escalate_on), state.outcome, None,
            _t(state.closed_at), state.closed_by, _t(created), _t(updated),
        )  # fmt: skip
        if not state.emissions:
            return
        person = self.org.people[number]
        own = kind in (FEEDBACK_360, DEVELOPMENT_PLAN)
        holder = person if own else self.org.holder(number)
        assert holder is not None
        start_iso, end_iso = self._meeting_iso(start_local, end_local)
        attendees = [holder.json] if own else [holder.json, person.json]
        for purpose, sequence, method, decided_on in state.emissions:
            decided_at = _at(decided_on, 5)
            self.emission_id += 1
            self.run_counts[decided_on] = self.run_counts.get(decided_on, 0) + 1
            stem = f"{OUTBOX}/{decided_on.isoformat()}/nazorg-{fid}-{kind}"
            if purpose == "escalation":
                chef = self.org.people[self.org.chef[person.team]]
                payload = escalation_payload(
                    fid, uid, decided_at, start_iso, self.organizer, chef.json, person.json,
                    holder.json, kind, self._workdays_late(due, decided_on),
                )  # fmt: skip
                ics_path, eml_path = None, f"{stem}-escalatie-{sequence:03d}.eml"
            else:
                payload = invite_payload(
                    uid, sequence, method, decided_at, start_iso, end_iso, self.organizer,
                    holder.json, person.json, attendees,
                    kind,
                )  # fmt: skip
                name = f"{stem}-{sequence:03d}-{method.lower()}"
                ics_path, eml_path = f"{name}.ics", f"{name}.eml"
            yield "emission", (
                self.emission_id, fid, purpose, sequence, method, _d(decided_on),
                _t(decided_at), payload, ics_path, eml_path,
                _t(decided_at + timedelta(seconds=2)), self._run_id(decided_on),
            )  # fmt: skip


def invite_payload(
    uid: str,
    sequence: int,
    method: str,
    decided_at: datetime,
    start_iso: str,
    end_iso: str,
    organizer: dict[str, str],
    leader: dict[str, str],
    employee: dict[str, str],
    attendees: list[dict[str, str]],
    kind: str,
) -> str:
    """InviteVersion.to_json, without building the dataclass (checked in `self_check`)."""
    return json.dumps(
        {
            "agenda_points": [],
            "attendees": attendees,
            "dtstamp": decided_at.replace(tzinfo=UTC).isoformat(),
            "employee": employee,
            "end": end_iso,
            "kind": kind,
            "language": "nl",
            "leader": leader,
            "message_id": message_id(uid, sequence),
            "method": method,
            "organizer": organizer,
            "sequence": sequence,
            "start": start_iso,
            "tzid": "Europe/Amsterdam",
            "uid": uid,
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def escalation_payload(
    followup_id: int,
    uid: str,
    decided_at: datetime,
    start_iso: str,
    organizer: dict[str, str],
    chef: dict[str, str],
    employee: dict[str, str],
    leader: dict[str, str],
    kind: str,
    workdays_late: int,
) -> str:
    """EscalationNotice.to_json, without building the dataclass."""
    return json.dumps(
        {
            "dtstamp": decided_at.replace(tzinfo=UTC).isoformat(),
            "employee": employee,
            "followup_id": followup_id,
            "kind": kind,
            "language": "nl",
            "leader": leader,
            "message_id": message_id(uid, 0, "escalation"),
            "organizer": organizer,
            "recipients": [chef, organizer],
            "start": start_iso,
            "tzid": "Europe/Amsterdam",
            "uid": uid,
            "workdays_late": workdays_late,
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def self_check() -> None:
    """The hand-built payloads are what the dataclasses write (else the bench measures fiction)."""
    from nazorg.core.payload import EscalationNotice, InviteVersion

    person = {"email": "a.b@politie.example", "name": "Jérôme Ğüneş"}
    organizer = {"email": "nazorg@politie.example", "name": "Nazorg TCO/VGW"}
    start = datetime(2026, 3, 27, 10, tzinfo=AMS)
    decided = datetime(2026, 3, 13, 5, tzinfo=UTC).replace(tzinfo=None)  # stored naive UTC
    payload = invite_payload(
        "x@nazorg.politie", 0, "REQUEST", decided, start.isoformat(),
        (start + timedelta(minutes=45)).isoformat(), organizer, person, person, [person, person],
        "checkin_1m",
    )  # fmt: skip
    assert InviteVersion.from_json(payload).to_json() == payload, payload
    escalation = escalation_payload(
        1, "x@nazorg.politie", decided, start.isoformat(), organizer, person,
        person, person, "checkin_1m", 11,
    )  # fmt: skip
    assert EscalationNotice.from_json(escalation).to_json() == escalation, escalation
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    as_date = sqlite.DATE().bind_processor(dialect)
    as_datetime = sqlite.DATETIME().bind_processor(dialect)
    assert as_date is not None and as_datetime is not None
    for moment in (decided, decided.replace(microsecond=123)):
        assert _t(moment) == as_datetime(moment), (_t(moment), as_datetime(moment))
    assert _d(TODAY) == as_date(TODAY)


# --- sinks --------------------------------------------------------------------------------------


class Sink:
    """Where rows go: buffered per table and written in large chunks by the sink's own thread,
    so that building rows (Python) overlaps with loading them (SQLite's C code, which releases
    the GIL, and the PostgreSQL server, another process)."""

    chunk = 50_000

    def __init__(self) -> None:
        self.buffers: dict[str, list[tuple[Any, ...]]] = {t: [] for t in COLUMNS}
        self.counts: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.seconds = 0.0
        self.queue: queue.Queue[tuple[str, list[tuple[Any, ...]]] | None] = queue.Queue(4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, name=type(self).__name__, daemon=True)
        self.thread.start()

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= self.chunk:
            self.flush(table)

    def flush(self, table: str) -> None:
        rows = self.buffers[table]
        if not rows:
            return
        if self.error is not None:
            raise RuntimeError(f"{type(self).__name__} failed") from self.error
        self.queue.put((table, rows))
        self.counts[table] += len(rows)
        self.buffers[table] = []

    def _drain(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so the producer never blocks
            started = time.perf_counter()
            try:
                self.write(*item)
            except BaseException as exc:
                self.error = exc
            self.seconds += time.perf_counter() - started

    def close(self) -> None:
        for table in TABLES:
            self.flush(table)
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise RuntimeError(f"{type(self).__name__} failed") from self.error
        started = time.perf_counter()
        self.finish()
        self.seconds += time.perf_counter() - started

    def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError


class SqliteSink(Sink):
    def __init__(self, path: str) -> None:
        self.path = path
        # Used by the sink's thread from here on.
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-1000000")
        self.db.execute("PRAGMA foreign_keys=OFF")
        # The migrations' own indexes are dropped for the load and made again at the end from
        # their stored SQL (the same statements): sorting once beats a million random inserts.
        # The indexes of UNIQUE constraints belong to their tables and stay.
        self.indexes = self.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in self.indexes:
            self.db.execute(f'DROP INDEX "{name}"')
        super().__init__()

    def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        columns = COLUMNS[table]
        names = ", ".join(name for name, _ in columns)
        marks = ", ".join("?" for _ in columns)
        self.db.execute("BEGIN")
        self.db.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
        self.db.execute("COMMIT")

    def finish(self) -> None:
        for _name, sql in self.indexes:
            self.db.execute(sql)
        # Back to what nazorg's engine sets on every connection (WAL; synchronous stays default).
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.close()


class PostgresSink(Sink):
    def __init__(self, url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        self.db = psycopg.connect(
            host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
        )
        # Bulk load: no foreign-key triggers (the rows are consistent by construction), and
        # no wait for the WAL flush at each commit (only the load's own commits).
        self.db.execute("SET session_replication_role = replica")
        self.db.execute("SET synchronous_commit = off")
        super().__init__()

    def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(name for name, _ in COLUMNS[table])
        with self.db.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        self.db.commit()

    def finish(self) -> None:
        for table in SEQUENCES:
            self.db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        self.db.commit()
        # What autovacuum does on a production database: statistics and the visibility map.
        self.db.autocommit = True
        self.db.execute("VACUUM ANALYZE")
        self.db.close()


def create_schema(url: str) -> None:
    from nazorg.store.engine import make_engine
    from nazorg.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def sink_for(url: str) -> Sink:
    if url.startswith("sqlite:///"):
        return SqliteSink(url.removeprefix("sqlite:///"))
    return PostgresSink(url)


def generate(urls: Iterable[str], scale: Scale, settings: Settings | None = None) -> dict[str, Any]:
    """Create the schema in each database (migrations) and load one history into all of them.

    Returns row counts and timings: `rows_s` until every row was built and handed over (the
    Python side, shared), `load_s` the time each sink spent writing (in its own thread, so these
    overlap), `finish_s` the closing steps (PostgreSQL: sequences and VACUUM ANALYZE), `total_s`
    the wall time including the migrations.
    """
    check_columns()
    self_check()
    urls = list(urls)
    settings = settings or Settings(database_url=urls[0])
    started = time.perf_counter()
    for url in urls:
        create_schema(url)
    schema_s = time.perf_counter() - started
    sinks = [sink_for(url) for url in urls]
    started = time.perf_counter()
    for table, row in Generator(scale, settings).rows():
        for sink in sinks:
            sink.add(table, row)
    rows_s = time.perf_counter() - started
    for sink in sinks:
        sink.close()
    total = time.perf_counter() - started
    return {
        "fraction": scale.fraction,
        "history_days": scale.history_days,
        "rows": sinks[0].counts,
        "schema_s": round(schema_s, 1),
        "rows_s": round(rows_s, 1),
        "load_s": {url: round(sink.seconds, 1) for url, sink in zip(urls, sinks, strict=True)},
        "total_s": round(total + schema_s, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+", help="database URLs (sqlite:///... or postgresql://...)")
    parser.add_argument("--fraction", type=float, default=1.0, help="part of the history")
    parser.add_argument("--employees", type=int, default=Scale.employees)
    parser.add_argument("--incidents", type=int, default=Scale.incidents)
    args = parser.parse_args(argv)
    scale = Scale(employees=args.employees, incidents=args.incidents, fraction=args.fraction)
    print(json.dumps(generate(args.urls, scale), indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
