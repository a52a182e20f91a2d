"""End to end in real headless Chromium (issue 12): staff register an incident for two
employees, see the planned dates, mark one conversation held and move another, and the next
daily run sends the REQUEST with the higher SEQUENCE; a leader sees only their own; axe finds no
serious or critical violation on any page; screenshots of each page go to docs/screenshots/.
Issue 15: the reports pages (list, new report, a report, a recovery plan) for staff with the
reports role, checked by axe the same way."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from nazorg.jobs.daily import run_daily
from nazorg.services import users
from nazorg.store.engine import transaction
from nazorg.store.models import Emission, FollowUp
from tests.livesite import Live
from tests.webapp import NOW, PASSWORD
from tests.webservers import axe_violations, describe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def check(live: Live, page: Any, name: str) -> None:
    """No serious or critical accessibility violation, and a screenshot (for the README)."""
    violations = axe_violations(page)
    assert not violations, f"{name}:\n{describe_violations(violations)}"
    page.screenshot(path=str(live.screenshots / f"{name}.png"), full_page=True)


def _run(live: Live, today: date) -> list[dict[str, Any]]:
    report = run_daily(
        live.site.engine, today=today, clock=lambda: NOW, settings=live.site.settings
    )
    return [e.as_json() for e in report.emitted]


def test_staff_register_follow_and_move_conversations_in_the_browser(live: Live, page: Any) -> None:
    page.goto(f"{live.url}/")
    assert page.url.startswith(f"{live.url}/login")
    check(live, page, "login")
    live.login(page, "tineke")
    check(live, page, "dashboard")

    page.get_by_role("link", name="Incidenten", exact=True).click()
    page.get_by_role("link", name="Nieuw incident").click()
    page.get_by_label("Zoek op naam of nummer").fill("Eva")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_label("Eva Eerste (E1, BT1)").check()
    page.get_by_label("Zoek op naam of nummer").fill("E2")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_label("Jérôme Ğüneş (E2, BT1)").check()
    page.get_by_label("Datum van het incident").fill("2026-02-10")
    page.get_by_label("Soort").select_option("ongeval")
    page.get_by_label("Interne notitie (komt nooit in uitnodigingen)").fill("Aanrijding A20")
    page.get_by_role("button", name="Toon de geplande gesprekken").click()
    planned = page.get_by_role("table", name="Geplande gesprekken")
    assert planned.get_by_role("row").count() == 1 + 6  # two people, three check-ins each
    assert "dinsdag 10 maart 2026" in planned.inner_text()  # 10 February + 1 month
    check(live, page, "incident-nieuw")
    page.get_by_role("button", name="Registreren").click()
    assert "/incidenten/" in page.url
    check(live, page, "incident")

    # The invites of the 1-month check-ins go out (14 days ahead): the first version of each.
    first = _run(live, date(2026, 3, 2))
    assert sorted((e["method"], e["sequence"]) for e in first) == [("REQUEST", 0)] * 2
    with transaction(live.site.engine) as session:
        e1, e2 = (
            session.exec(
                select(FollowUp)
                .where(FollowUp.employee_number == number)
                .where(FollowUp.kind == "checkin_1m")
                .where(col(FollowUp.incident_id).is_not(None))
                .order_by(col(FollowUp.id).desc())
            ).first()
            for number in ("E1", "E2")
        )
    assert e1 is not None and e2 is not None

    page.goto(f"{live.url}/gesprekken/{e1.id}")
    check(live, page, "gesprek")
    page.get_by_label("goed").check()
    page.get_by_role("button", name="Vastleggen als gehouden").click()
    assert page.get_by_role("status").inner_text() == "Vastgelegd: het gesprek is gehouden."

    page.goto(f"{live.url}/gesprekken/{e2.id}")
    page.get_by_label("Nieuw tijdstip (JJJJ-MM-DD UU:MM)").fill("2026-03-14 10:00")
    page.get_by_role("button", name="Verzetten").click()
    assert (
        page.locator("#fout-at").inner_text() == "2026-03-14 valt in het weekend; kies een werkdag"
    )
    check(live, page, "gesprek-fout")
    page.get_by_label("Nieuw tijdstip (JJJJ-MM-DD UU:MM)").fill("2026-03-12 14:30")
    page.get_by_role("button", name="Verzetten").click()
    assert "donderdag 12 maart 2026, 14:30" in page.inner_text("main")
    assert "REQUEST (volgnummer 1)" in page.inner_text("main")  # what the next run sends

    second = _run(live, date(2026, 3, 2))
    assert [(e["followup_id"], e["method"], e["sequence"]) for e in second] == [
        (e2.id, "REQUEST", 1)
    ]
    ics = Path(second[0]["ics"]).read_text(encoding="utf-8")
    assert "SEQUENCE:1" in ics and "DTSTART;TZID=Europe/Amsterdam:20260312T143000" in ics

    for path, name in (
        ("/gesprekken?van=2026-03-01", "agenda"),
        ("/medewerkers", "medewerkers"),
        ("/medewerkers/E1", "medewerker"),
        ("/medewerkers/importeren", "import"),
        ("/medewerkers/E3/wissen", "wissen"),
        ("/audit", "audit"),
    ):
        page.goto(f"{live.url}{path}")
        check(live, page, name)
    with transaction(live.site.engine) as session:
        sent = session.exec(select(Emission).where(Emission.followup_id == e2.id)).all()
    assert len(sent) == 2
    assert json.loads(sent[-1].payload)["sequence"] == 1


def test_a_leader_sees_only_their_own_conversations_on_a_phone(live: Live, browser: Any) -> None:
    context = browser.new_context(
        locale="nl-NL", timezone_id="Europe/Amsterdam", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        live.login(page, "lea")  # L2 leads E3 only
        page.goto(f"{live.url}/gesprekken?van=2026-03-01")
        text = page.inner_text("main")
        assert "Els Derde" in text and "Eva Eerste" not in text
        check(live, page, "leidinggevende-agenda")
        page.get_by_role("link", name="vr 20 mrt").first.click()
        assert "Els Derde" in page.inner_text("h1")
        assert "geweld" not in page.inner_text("main")
        check(live, page, "leidinggevende-gesprek")
        page.goto(f"{live.url}/gesprekken/{live.site.e1_checkin}")
        assert "Niet gevonden" in page.inner_text("h1")
        page.goto(f"{live.url}/incidenten")
        assert "Geen toegang" in page.inner_text("h1")
    finally:
        context.close()


def test_every_action_works_by_keyboard(live: Live, page: Any) -> None:
    """The login and a conversation's form, with the keyboard alone."""
    page.goto(f"{live.url}/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.get_by_label("Gebruikersnaam").focus()
    page.keyboard.type("tineke")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/")
    page.goto(f"{live.url}/gesprekken/{live.site.e3_checkin}")
    page.get_by_label("aandacht").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Vastleggen als gehouden").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/gesprekken/{live.site.e3_checkin}?klaar=gehouden")


def test_reports_pages_for_staff_with_the_reports_role(live: Live, page: Any) -> None:
    """A confidential counsellor with the staff and reports roles registers a report, starts
    the investigation, assigns a buddy, starts a recovery plan and adds a measure; axe checks
    the list, the new-report form, the report and the plan."""
    with transaction(live.site.engine) as session:
        users.add(
            session, users.NewUser("vera", ["staff", "reports"], PASSWORD), actor="beheer", now=NOW
        )
    live.login(page, "vera")
    page.get_by_role("link", name="Meldingen", exact=True).click()
    assert page.url == f"{live.url}/meldingen"
    check(live, page, "meldingen")

    page.get_by_role("link", name="Nieuwe melding").click()
    check(live, page, "melding-nieuw")
    page.get_by_label("Melder (personeelsnummer)").fill("E1")
    page.get_by_label("Datum (JJJJ-MM-DD)").fill("2026-02-20")
    page.get_by_label("Categorie").select_option("discriminatie")
    page.get_by_label("Notitie (intern)").fill("Opmerkingen in de kantine")
    page.get_by_role("button", name="Vastleggen").click()
    page.wait_for_url(f"{live.url}/meldingen/*")
    assert "Eva Eerste" in page.inner_text("main")
    check(live, page, "melding")

    # From Monday 23 February: the first contact moment (9 March) is invited today, 2 March.
    page.get_by_label("Eerste dag (JJJJ-MM-DD)").fill("2026-02-23")
    with page.expect_navigation():
        page.get_by_role("button", name="Onderzoek starten").click()
    assert "maandag 23 februari 2026" in page.inner_text("main")
    page.get_by_label("Buddy (personeelsnummer)").fill("E3")
    with page.expect_navigation():
        page.get_by_role("button", name="Buddy toewijzen").click()
    contacts = page.get_by_role("table", name="Contactmomenten")
    assert contacts.get_by_role("row").count() == 2
    assert "ma 9 mrt" in contacts.inner_text() and "Els Derde" in contacts.inner_text()
    check(live, page, "melding-buddy")

    page.get_by_label("De melder stemt in").check()
    page.get_by_role("button", name="Herstelplan starten").click()
    page.wait_for_url(f"{live.url}/herstelplannen/*")
    check(live, page, "herstelplan")
    page.get_by_label("Omschrijving (intern)").fill("Gesprek met de teamchef")
    page.get_by_label("Eigenaar (personeelsnummer)").fill("T1")
    page.get_by_label("Streefdatum (JJJJ-MM-DD)").fill("2026-04-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Toevoegen").click()
    measures = page.get_by_role("table", name="Maatregelen")
    assert "Gesprek met de teamchef" in measures.inner_text()
    assert "Tineke Chef" in measures.inner_text()
    check(live, page, "herstelplan-maatregel")
