"""The leader's preparation for a check-in, shown on the conversation page (issue 13).

The same words as the note at the top of the leader's draft (`templates/*/_common.jinja`); never
in the invite, which the employee sees too. Dutch first, each text with its English entry.
"""

from __future__ import annotations

from dataclasses import dataclass

_ENTRIES: tuple[tuple[str, str], ...] = (
    (
        "Alleen voor de leidinggevende en TCO/VGW; de medewerker ziet dit niet. Het gesprek is er "
        "voor de medewerker: die bepaalt zelf wat er gedeeld wordt.",
        "For the leader and TCO/VGW only; the employee does not see this. The conversation is "
        "there for the employee, who decides what to share.",
    ),
    ("Neem de tijd en zorg voor een rustige plek zonder storingen.",
     "Take your time and find a quiet place without interruptions."),
    (
        "Stel open vragen, bijvoorbeeld: Hoe gaat het nu met je? Hoe slaap je? Wat helpt je? "
        "Wat heb je nodig, van mij of van het team?",
        "Ask open questions, for example: How are you doing now? How are you sleeping? What "
        "helps you? What do you need, from me or from the team?",
    ),
    ("Luister vooral. Vul niets in, oordeel niet en laat stiltes bestaan.",
     "Above all, listen. Don't fill in for the other person, don't judge, and allow silences."),
    (
        "Geef ruimte: niet alles hoeft in één gesprek, en niemand hoeft meer te vertellen dan hij "
        "of zij wil.",
        "Give room: not everything has to be said in one conversation, and nobody has to share "
        "more than they want to.",
    ),
    ("Spreek aan het eind af wat jullie doen en wanneer jullie elkaar weer spreken.",
     "At the end, agree on what you will do and when you will talk again."),
    (
        "Klachten na een ingrijpende gebeurtenis zijn in de eerste weken heel gewoon en worden "
        "meestal vanzelf minder. Blijven ze langer dan een maand, of worden ze erger, bespreek "
        "dan hulp van de bedrijfsarts of een psycholoog. Let bijvoorbeeld op:",
        "Complaints after an impactful event are very common in the first weeks and usually fade "
        "by themselves. If they last longer than a month, or get worse, discuss help from the "
        "company doctor or a psychologist. Look out for, for example:",
    ),
    ("slecht slapen, nachtmerries of beelden die steeds terugkomen;",
     "poor sleep, nightmares or images that keep coming back;"),
    ("snel schrikken, gespannen of prikkelbaar zijn;",
     "being easily startled, tense or irritable;"),
    ("situaties, plekken of het werk vermijden;", "avoiding situations, places or work;"),
    ("somberheid, je terugtrekken, meer alcohol of medicijnen gebruiken;",
     "low mood, withdrawing, drinking more alcohol or using more medication;"),
    ("moeite met concentreren of met het werk.", "trouble concentrating or doing the job."),
    (
        "Twijfel je? Overleg met het Team Collegiale Ondersteuning (TCO) of de bedrijfsarts. Maak "
        "je je acuut zorgen over iemands veiligheid, wacht dan niet tot een volgend gesprek.",
        "In doubt? Consult Team Collegiale Ondersteuning (TCO, peer support) or the company "
        "doctor. If you are acutely worried about someone's safety, do not wait for a next "
        "conversation.",
    ),
)  # fmt: skip

#: The English entries of the texts below, for `nazorg.web.texts`.
ENGLISH_GUIDANCE: dict[str, str] = dict(_ENTRIES)


@dataclass(frozen=True)
class Guidance:
    """The Dutch texts of the preparation, in the order the page shows them."""

    intro: str
    tips: tuple[str, ...]
    referral: str
    signs: tuple[str, ...]
    outro: str


_NL = tuple(nl for nl, _ in _ENTRIES)
GUIDANCE = Guidance(_NL[0], _NL[1:6], _NL[6], _NL[7:12], _NL[12])
