"""Employees and their leaders: import, add, update, list.

Invariants kept here: a leader is an employee with a leader role, nobody (indirectly) leads
themselves, and a CSV import is applied completely or not at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from nazorg.core.errors import ImportRowsError, NotFoundError, ValidationError
from nazorg.core.planning import Plan
from nazorg.core.progress import Progress, tick
from nazorg.core.text import clean_email, clean_line, clean_number, printable
from nazorg.services import audit
from nazorg.services.slots import DEFAULT_POLICY, SlotPolicy
from nazorg.store.models import LEADER_ROLES, ROLES, Employee, FollowUp, Team

CSV_COLUMNS = ("personnel_number", "name", "email", "team", "leader", "role")


@dataclass(frozen=True)
class EmployeeIn:
    personnel_number: str
    name: str
    email: str
    team: str
    leader: str | None
    role: str


def validate(data: EmployeeIn) -> EmployeeIn:
    """Normalise one employee's fields; raises ValidationError naming the first bad field."""
    number = clean_number(data.personnel_number)
    name = clean_line(data.name, "naam", 200)
    email = clean_email(data.email)
    team = clean_line(data.team, "team", 64)
    leader = clean_number(data.leader) if data.leader and data.leader.strip() else None
    role = data.role.strip()
    if role not in ROLES:
        raise ValidationError(f"onbekende rol '{printable(role)}'; kies uit {', '.join(ROLES)}")
    if leader == number:
        raise ValidationError(f"{number} kan niet zijn eigen leidinggevende zijn")
    return EmployeeIn(number, name, email, team, leader, role)


def find_cycle(leader_of: Mapping[str, str | None], start: str) -> list[str] | None:
    """The chain of leaders from `start` if it comes back to `start`, else None."""
    chain = [start]
    seen = {start}
    current = leader_of.get(start)
    while current is not None:
        if current == start:
            return chain
        if current in seen:
            return None  # a cycle further up, reported for its own members
        seen.add(current)
        chain.append(current)
        current = leader_of.get(current)
    return None


def _leader_problem(leader: str | None, roles: Mapping[str, str]) -> str | None:
    if leader is None:
        return None
    if leader not in roles:
        return f"onbekende leidinggevende {leader}"
    if roles[leader] not in LEADER_ROLES:
        return f"leidinggevende {leader} heeft geen leidinggevende rol ({roles[leader]})"
    return None


def read_csv(raw: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of an employee CSV with their line numbers; bad encoding and columns are refused.

    UTF-8 (with or without the byte-order mark Excel writes); `,` or `;` as separator, since Dutch
    Excel saves with `;`.
    """
    problems: list[tuple[int, str]] = []
    lines: list[str] = []
    for number, line in enumerate(raw.splitlines(keepends=True), start=1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            problems.append((number, "geen geldige UTF-8; sla het bestand op als CSV UTF-8"))
            text = ""
        lines.append(text)
    if problems:
        raise ImportRowsError("CSV", problems)
    if not lines:
        raise ImportRowsError(
            "CSV", [(1, "bestand is leeg; verwacht kopregel " + ",".join(CSV_COLUMNS))]
        )
    header = lines[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO("".join(lines)), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        columns = [c.strip().lower() for c in next(reader)]
        missing = [c for c in CSV_COLUMNS if c not in columns]
        if missing:
            raise ImportRowsError(
                "CSV",
                [
                    (
                        1,
                        f"kolom(men) ontbreken: {', '.join(missing)}; "
                        f"verwacht {','.join(CSV_COLUMNS)}",
                    )
                ],
            )
        for values in reader:
            line_number = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                problems.append((line_number, f"{len(values)} velden in plaats van {len(columns)}"))
                continue
            rows.append((line_number, dict(zip(columns, values, strict=True))))
    except csv.Error as exc:
        problems.append((reader.line_num, f"onleesbare CSV: {exc}"))
    if problems:
        raise ImportRowsError("CSV", problems)
    return rows


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    teams_created: int


def import_employees(
    session: Session,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    *,
    filename: str,
    actor: str,
    now: datetime,
    progress: Progress | None = None,
) -> ImportResult:
    """Create or update employees from CSV rows, all or nothing, listing every bad row.
    `progress(done, total)` hears the rows stored, every 500 and at the end."""
    problems: list[tuple[int, str]] = []
    parsed: dict[str, tuple[int, EmployeeIn]] = {}
    for line, row in rows:
        try:
            data = validate(
                EmployeeIn(
                    personnel_number=row.get("personnel_number", ""),
                    name=row.get("name", ""),
                    email=row.get("email", ""),
                    team=row.get("team", ""),
                    leader=row.get("leader") or None,
                    role=row.get("role", ""),
                )
            )
        except ValidationError as exc:
            problems.append((line, str(exc)))
            continue
        if data.personnel_number in parsed:
            first = parsed[data.personnel_number][0]
            problems.append(
                (line, f"personeelsnummer {data.personnel_number} staat ook op regel {first}")
            )
            continue
        parsed[data.personnel_number] = (line, data)

    existing = {e.personnel_number: e for e in session.exec(select(Employee)).all()}
    roles = {n: e.role for n, e in existing.items()}
    leader_of: dict[str, str | None] = {n: e.leader_number for n, e in existing.items()}
    for number, (_line, data) in parsed.items():
        roles[number] = data.role
        leader_of[number] = data.leader
    for number, (line, data) in parsed.items():
        problem = _leader_problem(data.leader, roles)
        if problem:
            problems.append((line, problem))
            continue
        cycle = find_cycle(leader_of, number)
        if cycle:
            problems.append((line, "leidinggevende-kring: " + " → ".join([*cycle, number])))
    # A leader in the database who is demoted by this file while still leading someone
    # (who leads whom gathered once: a scan per row made an import of 65,000 quadratic).
    led_by: dict[str, list[str]] = {}
    for member, lead in leader_of.items():
        if lead is not None:
            led_by.setdefault(lead, []).append(member)
    for number, (line, data) in parsed.items():
        if data.role not in LEADER_ROLES:
            led = sorted(led_by.get(number, []))
            if led:
                problems.append(
                    (
                        line,
                        f"{number} is leidinggevende van {', '.join(led[:3])} "
                        f"maar krijgt rol {data.role}",
                    )
                )
    if problems:
        raise ImportRowsError(filename, sorted(problems))

    teams = {t.code for t in session.exec(select(Team)).all()}
    created = updated = unchanged = teams_created = 0
    for code in sorted({d.team for _, d in parsed.values()} - teams):
        session.add(Team(code=code, name=code))
        teams_created += 1
    session.flush()
    # Insert in leader-first order so foreign keys hold at every step.
    tick(progress, 0, len(parsed))
    for done, number in enumerate(_leaders_first(parsed)):
        if done and done % 500 == 0:
            tick(progress, done, len(parsed))
        data = parsed[number][1]
        employee = existing.get(number)
        if employee is None:
            session.add(
                Employee(
                    personnel_number=number,
                    name=data.name,
                    email=data.email,
                    team_code=data.team,
                    leader_number=data.leader,
                    role=data.role,
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
            created += 1
            audit.record(
                session,
                now=now,
                actor=actor,
                action="employee.create",
                entity="employee",
                entity_id=number,
                employee_number=number,
                details=f"import {filename}",
            )
            continue
        changes = _apply(employee, data)
        if changes:
            employee.updated_at = now
            session.add(employee)
            session.flush()
            updated += 1
            audit.record(
                session,
                now=now,
                actor=actor,
                action="employee.update",
                entity="employee",
                entity_id=number,
                employee_number=number,
                details=f"import {filename}: {', '.join(changes)}",
            )
        else:
            unchanged += 1
    tick(progress, len(parsed), len(parsed))
    return ImportResult(created, updated, unchanged, teams_created)


def _leaders_first(parsed: Mapping[str, tuple[int, EmployeeIn]]) -> list[str]:
    order: list[str] = []
    placed: set[str] = set()  # a list lookup here made an import of 65,000 quadratic
    pending = dict(parsed)

    def visit(number: str) -> None:
        if number in placed or number not in pending:
            return
        leader = pending[number][1].leader
        if leader is not None and leader in pending and leader not in placed:
            visit(leader)
        order.append(number)
        placed.add(number)

    for number in sorted(pending):
        visit(number)
    return order


def _apply(employee: Employee, data: EmployeeIn) -> list[str]:
    changes = []
    for field, value in (
        ("name", data.name),
        ("email", data.email),
        ("team_code", data.team),
        ("leader_number", data.leader),
        ("role", data.role),
    ):
        if getattr(employee, field) != value:
            setattr(employee, field, value)
            changes.append(field)
    return changes


def get(session: Session, number: str) -> Employee:
    employee = session.get(Employee, number.strip())
    if employee is None:
        raise NotFoundError(f"onbekende medewerker {printable(number)}; zie 'nazorg employee list'")
    return employee


def add(session: Session, data: EmployeeIn, *, actor: str, now: datetime) -> Employee:
    data = validate(data)
    if session.get(Employee, data.personnel_number) is not None:
        raise ValidationError(
            f"medewerker {data.personnel_number} bestaat al; gebruik 'nazorg employee update'"
        )
    import_employees(session, [(1, _as_row(data))], filename="employee add", actor=actor, now=now)
    return get(session, data.personnel_number)


def _as_row(data: EmployeeIn) -> dict[str, str]:
    return {
        "personnel_number": data.personnel_number,
        "name": data.name,
        "email": data.email,
        "team": data.team,
        "leader": data.leader or "",
        "role": data.role,
    }


@dataclass(frozen=True)
class EmployeeChange:
    name: str | None = None
    email: str | None = None
    team: str | None = None
    leader: str | None = None  # "" removes the leader
    role: str | None = None
    left_on: date | None = None


def update(
    session: Session,
    number: str,
    change: EmployeeChange,
    *,
    actor: str,
    now: datetime,
    today: date,
    plan: Plan | None = None,
    policy: SlotPolicy = DEFAULT_POLICY,
) -> tuple[Employee, list[str], list[FollowUp]]:
    """Change one employee; the same checks as an import.

    Returns the employee, what changed, and the follow-ups whose calendar items must be
    reconciled: the open, already sent conversations of this employee when their leader or
    address changed (the new leader gets the REQUEST, the old one a CANCEL), those of the people
    they lead when their own address changed or they left, and their own conversations on or
    after the day they leave (cancelled).
    """
    from nazorg.services import followups

    employee = get(session, number)
    fields = ("name", "email", "team_code", "leader_number", "role")
    before = {f: getattr(employee, f) for f in fields}
    data = EmployeeIn(
        personnel_number=employee.personnel_number,
        name=change.name if change.name is not None else employee.name,
        email=change.email if change.email is not None else employee.email,
        team=change.team if change.team is not None else employee.team_code,
        leader=(change.leader if change.leader is not None else employee.leader_number) or None,
        role=change.role if change.role is not None else employee.role,
    )
    try:
        validate(data)
    except ValidationError as exc:
        raise ValidationError(f"{employee.personnel_number}: {exc}") from None
    try:
        import_employees(
            session, [(1, _as_row(data))], filename="employee update", actor=actor, now=now
        )
    except ImportRowsError as exc:
        raise ValidationError(
            f"{employee.personnel_number}: {'; '.join(m for _, m in exc.problems)}"
        ) from None
    session.refresh(employee)
    changed = [f for f in fields if getattr(employee, f) != before[f]]
    if change.left_on is not None and employee.left_on != change.left_on:
        employee.left_on = change.left_on
        employee.updated_at = now
        session.add(employee)
        audit.record(
            session,
            now=now,
            actor=actor,
            action="employee.left",
            entity="employee",
            entity_id=employee.personnel_number,
            employee_number=employee.personnel_number,
            details=f"uit dienst per {change.left_on.isoformat()}",
        )
        changed.append("left_on")
    touched: list[FollowUp] = []
    slotting = policy
    if employee.left_on is not None and "left_on" in changed:
        touched += followups.cancel_after_leaving(
            session, employee, actor=actor, today=today, now=now
        )
    if "role" in changed and employee.role not in LEADER_ROLES:
        from nazorg.services.cycles import cancel_leader_items

        touched += cancel_leader_items(session, employee, today=today, now=now)
    if "leader_number" in changed:
        from nazorg.core.planning import Plan
        from nazorg.core.workdays import WorkCalendar
        from nazorg.services.cycles import reslot_unsent_ro

        session.flush()
        reslot_unsent_ro(
            session, employee, today=today, now=now, plan=plan or Plan(), calendar=WorkCalendar()
        )
    if {"leader_number", "team_code", "name", "email"} & set(changed):
        touched += followups.reroute(
            session, [employee.personnel_number], today=today, now=now, policy=slotting, actor=actor
        )
    if {"name", "email", "left_on", "role"} & set(changed):
        led = session.exec(
            select(Employee.personnel_number).where(Employee.leader_number == number)
        ).all()
        touched += followups.reroute(
            session, list(led), today=today, now=now, policy=slotting, actor=actor
        )
    return employee, changed, list({f.id: f for f in touched}.values())


def list_employees(session: Session, team: str | None = None) -> list[Employee]:
    query = select(Employee).order_by(col(Employee.team_code), col(Employee.personnel_number))
    if team:
        query = query.where(Employee.team_code == team)
    return list(session.exec(query).all())
