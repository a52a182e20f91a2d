"""Words people read for the codes in the database (Dutch; English where asked for)."""

from __future__ import annotations

KIND_NL = {
    "checkin_1m": "nazorg 1 maand",
    "checkin_3m": "nazorg 3 maanden",
    "checkin_6m": "nazorg 6 maanden",
    "feedback_360": "360-graden feedback",
    "development_plan": "ontwikkelplan",
    "ro": "R&O-gesprek",
    "buddy_contact": "Buddy-contact",
    "plan_review": "Herstelplan: evaluatie",
    "plan_action": "Herstelplan: actie",
}

STATUS_NL = {
    "planned": "gepland",
    "held": "gehouden",
    "declined": "afgezien",
    "cancelled": "vervallen",
    "skipped": "overgeslagen",
}


def kind_nl(kind: str) -> str:
    if kind in KIND_NL:
        return KIND_NL[kind]
    if kind.startswith("checkin_") and kind.endswith("m"):
        return f"nazorg {kind[8:-1]} maanden"
    if kind.startswith("checkin_") and kind.endswith("d"):
        return f"nazorg {kind[8:-1]} dagen"
    return kind


def status_nl(status: str) -> str:
    return STATUS_NL.get(status, status)


#: English for the default incident kinds (settings `incident_kinds`); Dutch reads the code itself.
INCIDENT_KIND_EN = {
    "geweld": "violence",
    "schokkende-gebeurtenis": "shocking event",
    "bedreiging": "threat",
    "ongeval": "accident",
    "overlijden": "death",
    "overig": "other",
}


def incident_kind(kind: str, language: str = "nl") -> str:
    """Rule: an incident kind reads as its code, in English as `INCIDENT_KIND_EN` where it has
    an entry (a kind an operator added stays as configured)."""
    return INCIDENT_KIND_EN.get(kind, kind) if language == "en" else kind
