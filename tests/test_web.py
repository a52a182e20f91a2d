"""The web application's routes for every role, including the refusals (issue 12)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from nazorg.store.engine import transaction
from nazorg.store.models import AuditEvent, FollowUp, Incident
from tests.webapp import Site, csrf_of

STAFF_PAGES = [
    "/",
    "/gesprekken",
    "/gesprekken?te_laat=1",
    "/incidenten",
    "/incidenten/nieuw",
    "/medewerkers",
    "/medewerkers/E1",
    "/medewerkers/importeren",
    "/medewerkers/E1/wissen",
    "/audit",
]


def _followup(site: Site, followup_id: int) -> FollowUp:
    with transaction(site.engine) as session:
        followup = session.get(FollowUp, followup_id)
        assert followup is not None
        return followup


def test_without_login_every_page_sends_to_the_login_page_and_healthz_answers(
    site: Site,
) -> None:
    client = site.client()
    for path in [*STAFF_PAGES, f"/gesprekken/{site.e1_checkin}", f"/incidenten/{site.incident_e1}"]:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    health = client.get("/healthz")
    assert health.status_code == 200 and health.text == "ok\n"
    posted = client.post(f"/gesprekken/{site.e1_checkin}/gehouden", data={"outcome": "goed"})
    assert posted.status_code == 303 and posted.headers["location"].startswith("/login")
    assert _followup(site, site.e1_checkin).status == "planned"


def test_staff_see_every_page(site: Site) -> None:
    client = site.client("tineke")
    for path in [*STAFF_PAGES, f"/gesprekken/{site.e3_checkin}", f"/incidenten/{site.incident_e1}"]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
    incident = client.get(f"/incidenten/{site.incident_e1}").text
    assert "Geheime notitie over E1" in incident
    assert "Geheime notitie" not in client.get("/incidenten").text  # notes only on their page


def test_every_response_carries_the_security_headers(site: Site) -> None:
    client = site.client("tineke")
    for path in ("/", "/login", "/healthz", "/nope"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    cookie = site.client().get("/login").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_leader_sees_only_the_conversations_they_hold(site: Site) -> None:
    client = site.client("lars")  # L1 holds E1's conversations, not E3's
    own = client.get(f"/gesprekken/{site.e1_checkin}")
    assert own.status_code == 200
    assert "Eva Eerste" in own.text
    assert "geweld" not in own.text and "Geheime notitie" not in own.text  # never the incident
    assert client.get(f"/gesprekken/{site.e3_checkin}").status_code == 404
    agenda = client.get("/gesprekken?van=2026-03-01").text
    assert "Eva Eerste" in agenda and "Els Derde" not in agenda
    for path in (
        "/incidenten",
        f"/incidenten/{site.incident_e1}",
        "/incidenten/nieuw",
        "/medewerkers",
        "/medewerkers/E1",
        "/medewerkers/importeren",
        "/medewerkers/E1/inzage",
        "/medewerkers/E1/wissen",
        "/audit",
    ):
        assert client.get(path).status_code == 403, path


def test_management_sees_no_conversation_and_no_name(site: Site) -> None:
    client = site.client("sector")
    start = client.get("/")
    assert start.status_code == 303 and start.headers["location"] == "/rapportage"
    for path in (
        "/gesprekken",
        f"/gesprekken/{site.e1_checkin}",
        "/incidenten",
        "/medewerkers",
        "/medewerkers/E1",
        "/audit",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Eva Eerste" not in response.text


def test_a_leader_records_their_own_conversation_and_may_not_touch_anothers(site: Site) -> None:
    client = site.client("lars")
    token = csrf_of(client, f"/gesprekken/{site.e1_checkin}")
    done = client.post(
        f"/gesprekken/{site.e1_checkin}/gehouden",
        data={"outcome": "goed", "note": "", "csrf_token": token},
    )
    assert done.status_code == 303
    assert _followup(site, site.e1_checkin).status == "held"
    assert _followup(site, site.e1_checkin).closed_by == "lars"
    other = client.post(
        f"/gesprekken/{site.e3_checkin}/gehouden", data={"outcome": "goed", "csrf_token": token}
    )
    assert other.status_code == 404
    assert _followup(site, site.e3_checkin).status == "planned"
    declined = client.post(f"/gesprekken/{site.e1_checkin}/afgezegd", data={"csrf_token": token})
    assert declined.status_code in (400, 403)


def test_a_form_without_its_csrf_token_changes_nothing(site: Site) -> None:
    client = site.client("tineke")
    for data in ({"outcome": "goed"}, {"outcome": "goed", "csrf_token": "vervalst"}):
        response = client.post(f"/gesprekken/{site.e1_checkin}/gehouden", data=data)
        assert response.status_code == 403
        assert "formulier is verlopen" in response.text
    assert _followup(site, site.e1_checkin).status == "planned"
    login = site.client().post("/login", data={"username": "tineke", "password": "x"})
    assert login.status_code == 403


def test_a_time_on_a_weekend_is_refused_next_to_its_field_with_the_cli_message(
    site: Site,
) -> None:
    client = site.client("tineke")
    token = csrf_of(client, f"/gesprekken/{site.e1_checkin}")
    before = _followup(site, site.e1_checkin).start_local
    response = client.post(
        f"/gesprekken/{site.e1_checkin}/verzetten",
        data={"at": "2026-03-21 10:00", "csrf_token": token},
    )
    assert response.status_code == 400
    assert 'id="fout-at">2026-03-21 valt in het weekend; kies een werkdag</p>' in response.text
    assert 'aria-invalid="true" aria-describedby="fout-at"' in response.text
    assert _followup(site, site.e1_checkin).start_local == before
    moved = client.post(
        f"/gesprekken/{site.e1_checkin}/verzetten",
        data={"at": "2026-03-23 14:30", "csrf_token": token},
    )
    assert moved.status_code == 303
    page = client.get(moved.headers["location"]).text
    assert "maandag 23 maart 2026" in page
    assert "uitnodiging gaat uit op" in page  # what the next daily run will do


def test_registering_shows_the_planned_dates_first_and_saves_only_on_request(
    site: Site,
) -> None:
    client = site.client("tineke")
    token = csrf_of(client, "/incidenten/nieuw")
    form = {
        "employees": ["E1", "E2"],
        "date": "2026-01-31",
        "kind": "bedreiging",
        "note": "<script>alert(1)</script> {{ 7*7 }}",
        "csrf_token": token,
        "action": "preview",
    }
    with transaction(site.engine) as session:
        before = len(session.exec(select(Incident)).all())
    preview = client.post("/incidenten/nieuw", data=form)
    assert preview.status_code == 200
    # 31 January + 1 month = end of February, registered late on 2 March: a catch-up.
    assert "woensdag 4 maart 2026" in preview.text and "late registratie" in preview.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in preview.text
    with transaction(site.engine) as session:
        assert len(session.exec(select(Incident)).all()) == before
    saved = client.post("/incidenten/nieuw", data={**form, "action": "save"})
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text
    refused = client.post("/incidenten/nieuw", data={**form, "kind": "onbekend"})
    assert refused.status_code == 400
    assert 'id="fout-kind">onbekende soort' in refused.text


def test_pages_with_conversation_data_are_audited_with_the_logged_in_user(site: Site) -> None:
    site.client("lars").get(f"/gesprekken/{site.e1_checkin}")
    site.client("tineke").get(f"/incidenten/{site.incident_e1}")
    with transaction(site.engine) as session:
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
    shown = [(e.actor, e.action, e.employee_number) for e in events]
    assert ("lars", "followup.show", "E1") in shown
    assert ("tineke", "incident.show", "E1") in shown
    assert ("lars", "user.login", None) in [(a, b, None) for a, b, _ in shown]


def test_logout_ends_the_session_and_failed_logins_lock_the_account(site: Site) -> None:
    client = site.client("tineke")
    token = csrf_of(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303  # the old cookie no longer works
    anonymous = site.client()
    for _ in range(3):
        login_token = csrf_of(anonymous, "/login")
        wrong = anonymous.post(
            "/login",
            data={"username": "tineke", "password": "fout-fout", "csrf_token": login_token},
        )
        assert wrong.status_code == 400
    locked = anonymous.post(
        "/login",
        data={
            "username": "tineke",
            "password": "correct horse battery",
            "csrf_token": csrf_of(anonymous, "/login"),
        },
    )
    assert "te veel mislukte pogingen" in locked.text


def test_a_csv_with_bad_rows_imports_nothing_and_names_each_line(site: Site) -> None:
    client = site.client("tineke")
    token = csrf_of(client, "/medewerkers/importeren")
    csv = (
        "personnel_number,name,email,team,leader,role\n"
        "N1,Nieuw Een,nieuw1@politie.example,BT1,L1,medewerker\n"
        "N2,Nieuw Twee,geen-adres,BT1,L1,medewerker\n"
        "N3,Nieuw Drie,nieuw3@politie.example,BT1,X9,medewerker\n"
    )
    response = client.post(
        "/medewerkers/importeren",
        data={"csrf_token": token},
        files={"bestand": ("team.csv", csv.encode(), "text/csv")},
    )
    assert response.status_code == 400
    assert "<td>3</td><td>e-mailadres &#39;geen-adres&#39; is ongeldig</td>" in response.text
    assert "<td>4</td><td>onbekende leidinggevende X9</td>" in response.text
    assert client.get("/medewerkers/N1").status_code == 404


def test_the_export_downloads_and_the_erasure_needs_a_confirmation(site: Site) -> None:
    client = site.client("tineke")
    export = client.get("/medewerkers/E3/inzage")
    assert export.status_code == 200
    assert export.headers["content-disposition"] == 'attachment; filename="nazorg-inzage-E3.json"'
    assert export.json()["employee"]["personnel_number"] == "E3"
    token = csrf_of(client, "/medewerkers/E3/wissen")
    unconfirmed = client.post("/medewerkers/E3/wissen", data={"csrf_token": token})
    assert unconfirmed.status_code == 200 and "fout-bevestig" in unconfirmed.text
    assert client.get("/medewerkers/E3").status_code == 200
    erased = client.post("/medewerkers/E3/wissen", data={"csrf_token": token, "bevestig": "ja"})
    assert erased.status_code == 200 and "verwijderd-" in erased.text


def test_every_text_of_the_pages_has_an_english_translation() -> None:
    import re
    from pathlib import Path

    from nazorg.web.texts import ENGLISH

    root = Path(__file__).resolve().parents[1] / "templates" / "web"
    used = {
        text
        for path in root.glob("*.html")
        for text in re.findall(r"""(?<![\w.])t\(\s*["']([^"']+)["']\s*\)""", path.read_text())
    }
    assert used, "no texts found: the pattern is wrong"
    assert sorted(used - set(ENGLISH)) == []


def test_english_pages_use_the_language_setting(site: Site, engine: Any, settings: Any) -> None:
    from nazorg.web.app import create_app

    english = create_app(settings.model_copy(update={"language": "en"}), engine=engine)
    site.app = english
    page = site.client().get("/login").text
    assert '<html lang="en">' in page and ">Log in<" in page


def test_a_time_that_collides_is_refused_naming_the_conversation_as_on_the_cli(
    site: Site,
) -> None:
    """Issue 13: E2's check-in (also held by L1) takes the next free slot, 11:00; moving E1's
    to 11:15 collides with it (15 minutes apart) and the refusal names it, with the CLI's text."""
    from tests.webapp import _register

    e2 = _register(site.engine, site.settings, "E2").followups[0]
    assert (e2.start_local.hour, e2.start_local.minute) == (11, 0)
    client = site.client("tineke")
    token = csrf_of(client, f"/gesprekken/{site.e1_checkin}")
    before = _followup(site, site.e1_checkin).start_local
    response = client.post(
        f"/gesprekken/{site.e1_checkin}/verzetten",
        data={"at": "2026-03-20 11:15", "csrf_token": token},
    )
    assert response.status_code == 400
    message = (
        f"2026-03-20 11:15 botst met gesprek {e2.id} (nazorg 1 maand, E2) op "
        "2026-03-20 11:00-11:45 (met 15 minuten ertussen); kies een ander tijdstip"
    )
    assert f'id="fout-at">{message}</p>' in response.text
    assert _followup(site, site.e1_checkin).start_local == before


def test_the_leader_sees_the_preparation_on_the_conversation_page(site: Site) -> None:
    page = site.client("lars").get(f"/gesprekken/{site.e1_checkin}")
    assert page.status_code == 200
    assert "Voorbereiding op het gesprek" in page.text and "Hoe slaap je?" in page.text
    assert "meer alcohol" in page.text
