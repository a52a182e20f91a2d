"""Replacing an erased person by a pseudonym in every text that remains.

Their name and e-mail address become the pseudonym in every text column of every table: the notes
of shared incidents, other people's invites where they were the leader, the audit details. What a
person *did* as a user (the actor of an audit record, who registered or closed something) is
accountability, not data about them, and stays; other people's own records (employee, team) keep
their names even when they are the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import or_
from sqlmodel import Session, SQLModel, col, select

from nazorg.services.privacy.records import like_pattern
from nazorg.store.models import Emission, Employee

PSEUDONYM_DOMAIN = "verwijderd.invalid"

#: Columns that say who *did* something: accountability, kept on erasure (see the module doc).
ACTOR_COLUMNS = frozenset(
    {
        ("audit_event", "actor"),
        ("incident", "registered_by"),
        ("followup", "closed_by"),
        ("erasure", "requested_by"),
        ("attendee_reply", "recorded_by"),
        ("counter_proposal", "decided_by"),
    }
)

#: Columns with identifiers that are replaced by rule, not by searching text.
KEY_COLUMNS = frozenset({("audit_event", "employee_number"), ("audit_event", "entity_id")})

#: Tables holding other people's own identity: someone else with the same name keeps it.
IDENTITY_TABLES = frozenset({"employee", "team"})


@dataclass(frozen=True)
class Identity:
    """What identifies a person in text: their names and addresses (current and in payloads)."""

    number: str
    names: frozenset[str]
    emails: frozenset[str]  # lower case


def identity_of(session: Session, employee: Employee, own: Sequence[Emission]) -> Identity:
    names = {employee.name}
    emails = {employee.email.lower()}
    for emission in own:
        person = json.loads(emission.payload).get("employee") or {}
        if person.get("name"):
            names.add(person["name"])
        if person.get("email"):
            emails.add(person["email"].lower())
    return Identity(employee.personnel_number, frozenset(names), frozenset(emails))


def mentions(text: str, emails: set[str]) -> bool:
    """True when a payload names one of `emails` as a person (leader, attendee, recipient)."""

    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            email = node.get("email")
            if isinstance(email, str) and email.lower() in emails:
                return True
            return any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False

    try:
        return walk(json.loads(text))
    except ValueError:
        return False


def emissions_mentioning(session: Session, emails: set[str], exclude: set[int]) -> list[Emission]:
    """Versions of other people's conversations that name the person (by e-mail address)."""
    if not emails:
        return []
    pattern = or_(
        *(col(Emission.payload).ilike(f"%{like_pattern(e)}%", escape="\\") for e in emails)
    )
    rows = session.exec(select(Emission).where(pattern).order_by(col(Emission.id))).all()
    return [e for e in rows if e.followup_id not in exclude and mentions(e.payload, emails)]


def _scrub_regex(identity: Identity) -> re.Pattern[str]:
    words = sorted({*identity.names, *identity.emails}, key=len, reverse=True)
    return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words if w), re.IGNORECASE)


def _scrub_payload(text: str, identity: Identity, regex: re.Pattern[str], pseudonym: str) -> str:
    """A version's JSON with the person replaced: a person entry with their address becomes the
    pseudonym, and their name is replaced in any other text."""
    stand_in = {"name": pseudonym, "email": f"{pseudonym}@{PSEUDONYM_DOMAIN}"}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            email = node.get("email")
            if isinstance(email, str) and email.lower() in identity.emails:
                return {**node, **stand_in}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return regex.sub(pseudonym, node)
        return node

    return json.dumps(walk(json.loads(text)), sort_keys=True, ensure_ascii=False)


def _is_text(column: sa.Column[Any]) -> bool:
    kind: Any = column.type
    if isinstance(kind, sa.types.TypeDecorator):  # SQLModel's AutoString wraps a String
        kind = kind.impl_instance
    return isinstance(kind, sa.String)


def scrub_text(session: Session, identity: Identity, pseudonym: str) -> int:
    """Replace the person's names and addresses by the pseudonym in every text column of every
    table, except other people's own records, the actor columns and the key columns."""
    regex = _scrub_regex(identity)
    words = {*identity.names, *identity.emails}
    # A name with a quote or backslash is stored escaped inside JSON.
    words |= {json.dumps(w, ensure_ascii=False)[1:-1] for w in words}
    changed = 0
    for table in SQLModel.metadata.sorted_tables:
        if table.name in IDENTITY_TABLES:
            continue
        keys = list(table.primary_key.columns)
        for column in table.columns:
            if (
                not _is_text(column)
                or column.primary_key
                or column.foreign_keys
                or (table.name, column.name) in ACTOR_COLUMNS | KEY_COLUMNS
            ):
                continue
            where = or_(*(column.ilike(f"%{like_pattern(w)}%", escape="\\") for w in words if w))
            for row in session.execute(sa.select(*keys, column).where(where)).all():
                value = row[-1]
                if table.name == "emission" and column.name == "payload":
                    new = _scrub_payload(value, identity, regex, pseudonym)
                else:
                    new = regex.sub(pseudonym, value)
                if new != value:
                    match = sa.and_(*(k == v for k, v in zip(keys, row[:-1], strict=True)))
                    session.execute(sa.update(table).where(match).values({column.name: new}))
                    changed += 1
    return changed
