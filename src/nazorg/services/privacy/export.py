"""An employee's export (AVG article 15, right of access): everything nazorg holds about one
person as one JSON document. The export is audited before the data is read, so it lists itself.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from nazorg.core.text import clean_number
from nazorg.services import audit, employees
from nazorg.services.audit import audit_json, clean_actor
from nazorg.services.cases.privacy import EXPORT_GUIDE as CASE_GUIDE
from nazorg.services.cases.privacy import export_cases
from nazorg.services.privacy.answers import export_answers
from nazorg.services.privacy.records import emissions_of, iso, own_followups, own_incident_ids
from nazorg.services.privacy.scrub import identity_of
from nazorg.store.models import AuditEvent, Erasure, Incident, IncidentEmployee

EXPORT_GUIDE = {
    "employee": "uw gegevens als medewerker in nazorg",
    "incidents": "impactvolle incidenten waarbij u betrokken was, met de interne notitie",
    "followups": "de geplande nazorggesprekken, hun status en uitkomst",
    "emissions": "elke versie van een uitnodiging of conceptmail die over u is gemaakt",
    "replies": "uw antwoorden op uitnodigingen en de antwoorden op uw gesprekken",
    "proposals": "voorstellen voor een ander tijdstip en wat het nazorgteam ermee deed",
    "audit": "wie wanneer uw gegevens heeft vastgelegd, gewijzigd, bekeken of geëxporteerd",
    "erasure": "een lopend verzoek tot wissen, als dat er is",
    **CASE_GUIDE,
}


def export_employee(session: Session, number: str, *, actor: str, now: datetime) -> dict[str, Any]:
    """Everything nazorg holds about one employee, as one JSON-ready document (AVG article 15).

    The export is audited before the data is read, so the document lists its own export. Other
    people affected by the same incident are counted, never named.
    """
    employee = employees.get(session, clean_number(number))
    number = employee.personnel_number
    actor = clean_actor(actor)
    audit.record(
        session,
        now=now,
        actor=actor,
        action="employee.export",
        entity="employee",
        entity_id=number,
        employee_number=number,
        details="inzage: alle gegevens van de medewerker",
    )
    session.flush()
    incident_ids = own_incident_ids(session, number)
    incidents = []
    for incident_id in incident_ids:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        others = session.exec(
            select(func.count())
            .select_from(IncidentEmployee)
            .where(IncidentEmployee.incident_id == incident_id)
            .where(IncidentEmployee.employee_number != number)
        ).one()
        incidents.append(
            {
                "id": incident.id,
                "date": iso(incident.occurred_on),
                "kind": incident.kind,
                "note": incident.note,
                "registered_by": incident.registered_by,
                "registered_at": iso(incident.registered_at),
                "other_employees_affected": int(others),
            }
        )
    followups = own_followups(session, number)
    followup_ids = [f.id for f in followups if f.id is not None]
    emissions = emissions_of(session, followup_ids)
    about = or_(
        col(AuditEvent.employee_number) == number,
        sa.and_(
            col(AuditEvent.employee_number).is_(None),
            or_(
                sa.and_(
                    col(AuditEvent.entity) == "incident",
                    col(AuditEvent.entity_id).in_([str(i) for i in incident_ids]),
                ),
                sa.and_(
                    col(AuditEvent.entity) == "followup",
                    col(AuditEvent.entity_id).in_([str(i) for i in followup_ids]),
                ),
            ),
        ),
    )
    events = session.exec(
        select(AuditEvent).where(about).order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    erasure = session.exec(
        select(Erasure).where(Erasure.employee_number == number).order_by(col(Erasure.id))
    ).first()
    return {
        "format": "nazorg-export/1",
        "exported_at": iso(now),
        "exported_by": actor,
        "guide": EXPORT_GUIDE,
        "employee": {
            "personnel_number": employee.personnel_number,
            "name": employee.name,
            "email": employee.email,
            "team": employee.team_code,
            "leader": employee.leader_number,
            "role": employee.role,
            "left_on": iso(employee.left_on),
            "created_at": iso(employee.created_at),
            "updated_at": iso(employee.updated_at),
        },
        "incidents": incidents,
        "followups": [
            {
                "id": f.id,
                "uid": f.uid,
                "incident_id": f.incident_id,
                "kind": f.kind,
                "cycle_year": f.cycle_year,
                "due": iso(f.due_on),
                "start": f.start.isoformat(),
                "end": f.end.isoformat(),
                "status": f.status,
                "late_registration": f.late_registration,
                "outcome": f.outcome,
                "outcome_note": f.outcome_note,
                "closed_at": iso(f.closed_at),
                "closed_by": f.closed_by,
                "invite_on": iso(f.invite_on),
                "created_at": iso(f.created_at),
                "updated_at": iso(f.updated_at),
            }
            for f in followups
        ],
        "emissions": [
            {
                "id": e.id,
                "followup_id": e.followup_id,
                "purpose": e.purpose,
                "method": e.method,
                "sequence": e.sequence,
                "decided_on": iso(e.decided_on),
                "decided_at": iso(e.decided_at),
                "written_at": iso(e.written_at),
                "files": [p for p in (e.ics_path, e.eml_path) if p],
                "content": json.loads(e.payload),
            }
            for e in emissions
        ],
        **export_answers(
            session, followup_ids, set(identity_of(session, employee, emissions).emails)
        ),
        **export_cases(session, number),
        "audit": [audit_json(e) for e in events],
        "erasure": (
            {
                "requested_on": iso(erasure.requested_on),
                "requested_by": erasure.requested_by,
                "status": "lopend",
            }
            if erasure is not None
            else None
        ),
    }
