"""Issue 15: reports are for the reports role only. A leader, sector leadership and staff
without the reports role are refused every report page and command; the refusals and every
permitted read are in the audit trail. A buddy sees only their contact moments."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, col, select

from nazorg.core.access import Principal
from nazorg.services import users
from nazorg.services.cases import plans, reports
from nazorg.store.engine import transaction
from nazorg.store.models import AuditEvent, FollowUp
from tests.conftest import Cli
from tests.webapp import CSRF, NOW, PASSWORD, TODAY, Site

VP = Principal(name="vp", roles=frozenset({"reports"}))
NOTE = "Vertrouwelijke notitie over de melding"
REFUSED_USERS = ("tineke", "lars", "sector")  # staff, leader, management


@pytest.fixture
def report_site(site: Site) -> tuple[Site, int, int, int]:
    """A report of E1 (Eva), investigated from 23 February with buddy Lea (L2), whose first
    contact moment (9 March) is due to be invited today; a plan without consent."""
    with transaction(site.engine) as session:
        users.add(session, users.NewUser("vp", ["reports"], PASSWORD), actor="beheer", now=NOW)
        case = reports.add(
            session,
            VP,
            reports.NewCase("E1", date(2026, 2, 20), "discriminatie", NOTE),
            today=TODAY,
            now=NOW,
            settings=site.settings,
        )
        assert case.id is not None
        reports.investigate(
            session,
            VP,
            case.id,
            start=date(2026, 2, 23),
            today=TODAY,
            now=NOW,
            settings=site.settings,
        )
        _case, made = reports.set_buddy(
            session, VP, case.id, employee="L2", today=TODAY, now=NOW, settings=site.settings
        )
        plan = plans.add_plan(
            session,
            VP,
            person="E1",
            case_id=case.id,
            incident_id=None,
            start=TODAY,
            consent=False,
            holder=None,
            today=TODAY,
            now=NOW,
            settings=site.settings,
        )
        assert plan.id is not None and made[0].id is not None
        return site, case.id, plan.id, made[0].id


def _token(client: Any) -> str:
    match = CSRF.search(client.get("/meldingen").text)  # the logout form carries one
    assert match is not None
    return match.group(1)


def _audit(site: Site) -> list[AuditEvent]:
    with Session(site.engine) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())


def test_every_report_page_refuses_leader_management_and_staff(
    report_site: tuple[Site, int, int, int],
) -> None:
    site, case_id, plan_id, _contact = report_site
    before = len(_audit(site))
    for name in REFUSED_USERS:
        client = site.client(name)
        token = _token(client)
        gets = ("/meldingen", "/meldingen/nieuw", f"/meldingen/{case_id}", "/meldingen/999")
        for path in gets:
            response = client.get(path)
            assert response.status_code == 403, (name, path)
            assert "Eva Eerste" not in response.text and "discriminatie" not in response.text
        posts = {
            "/meldingen/nieuw": {"reporter": "E1", "date": "2026-03-02", "category": "racisme"},
            f"/meldingen/{case_id}/onderzoek": {"from": "2026-03-02"},
            f"/meldingen/{case_id}/buddy": {"employee": "E2"},
            f"/meldingen/{case_id}/sluiten": {"on": "2026-03-02"},
            f"/meldingen/{case_id}/herstelplan": {"consent": "1"},
            f"/herstelplannen/{plan_id}/maatregel": {
                "description": "x",
                "owner": "E2",
                "target": "2026-04-01",
            },
        }
        for path, data in posts.items():
            response = client.post(path, data={**data, "csrf_token": token})
            assert response.status_code in (403, 404), (name, path, response.status_code)
        # A plan without the person's consent does not exist for staff or a leader.
        plan_page = client.get(f"/herstelplannen/{plan_id}")
        assert plan_page.status_code == (403 if name == "sector" else 404), name
        assert "Eva Eerste" not in client.get("/").text or name != "sector"
        assert 'href="/meldingen"' not in client.get("/gesprekken").text
    events = _audit(site)[before:]
    refused = {(e.actor, e.action) for e in events if e.action.endswith(".denied")}
    assert {(n, "case.denied") for n in REFUSED_USERS} <= refused
    assert {(n, "plan.denied") for n in REFUSED_USERS} <= refused
    assert not [e for e in events if e.action in ("case.create", "case.close", "case.buddy")]
    with Session(site.engine) as session:
        assert reports.get_case(session, case_id).status == "investigating"


def test_the_reports_role_sees_everything_and_each_read_is_audited(
    report_site: tuple[Site, int, int, int],
) -> None:
    site, case_id, plan_id, _contact = report_site
    client = site.client("vp")
    listing = client.get("/meldingen")
    assert listing.status_code == 200 and "Eva Eerste" in listing.text
    assert 'href="/meldingen"' in listing.text  # the menu entry, for this role only
    page = client.get(f"/meldingen/{case_id}")
    assert page.status_code == 200 and NOTE in page.text and "Lea Leider" in page.text
    assert client.get(f"/herstelplannen/{plan_id}").status_code == 200
    token = _token(client)
    created = client.post(
        "/meldingen/nieuw",
        data={"reporter": "E3", "date": "2026-03-01", "category": "seksisme", "csrf_token": token},
    )
    assert created.status_code == 303
    wrong = client.post(
        "/meldingen/nieuw",
        data={"reporter": "E3", "date": "2026-03-01", "category": "onzin", "csrf_token": token},
    )
    assert wrong.status_code == 400 and "onbekende categorie" in wrong.text
    buddy_self = client.post(
        f"/meldingen/{case_id}/buddy", data={"employee": "E1", "csrf_token": token}
    )
    assert buddy_self.status_code == 400 and "niet de melder zelf" in buddy_self.text
    reads = [(e.actor, e.action, e.employee_number) for e in _audit(site)]
    assert ("vp", "case.list", "E1") in reads
    assert ("vp", "case.show", "E1") in reads
    assert ("vp", "plan.show", "E1") in reads


def test_the_investigation_form_posts_the_field_its_handler_reads(
    report_site: tuple[Site, int, int, int],
) -> None:
    """The report page's "Onderzoek starten" form posts `from`, and the handler reads `from`
    (it read `start`, so the form always failed with an empty date); a bad date, and a day
    before the report, are shown next to that field."""
    site = report_site[0]
    client = site.client("vp")
    token = _token(client)
    created = client.post(
        "/meldingen/nieuw",
        data={"reporter": "E3", "date": "2026-03-01", "category": "seksisme", "csrf_token": token},
    )
    assert created.status_code == 303
    case_id = int(created.headers["location"].rsplit("/", 1)[-1])
    page = client.get(f"/meldingen/{case_id}").text
    assert 'id="veld-from" name="from"' in page
    bad = client.post(
        f"/meldingen/{case_id}/onderzoek", data={"from": "gisteren", "csrf_token": token}
    )
    assert bad.status_code == 400 and 'id="fout-from"' in bad.text
    early = client.post(
        f"/meldingen/{case_id}/onderzoek", data={"from": "2026-02-27", "csrf_token": token}
    )
    assert early.status_code == 400 and 'id="fout-from"' in early.text
    good = client.post(
        f"/meldingen/{case_id}/onderzoek", data={"from": "2026-03-02", "csrf_token": token}
    )
    assert good.status_code == 303
    with Session(site.engine) as session:
        assert reports.get_case(session, case_id).investigation_from == date(2026, 3, 2)


def test_the_buddy_sees_only_the_contact_moment_and_the_reporters_leader_nothing(
    report_site: tuple[Site, int, int, int],
) -> None:
    site, case_id, _plan_id, contact = report_site
    lea = site.client("lea")  # the buddy
    agenda = lea.get("/gesprekken?van=2026-03-01").text
    assert "Buddy-contact" in agenda and "Eva Eerste" in agenda
    page = lea.get(f"/gesprekken/{contact}")
    assert page.status_code == 200
    assert "discriminatie" not in page.text and NOTE not in page.text
    assert lea.get(f"/meldingen/{case_id}").status_code == 403
    lars = site.client("lars")  # Eva's own leader: not the buddy
    assert "Buddy-contact" not in lars.get("/gesprekken?van=2026-03-01").text
    assert lars.get(f"/gesprekken/{contact}").status_code == 404
    tineke = site.client("tineke")  # staff without the reports role
    assert "Buddy-contact" not in tineke.get("/gesprekken?van=2026-03-01").text
    assert tineke.get(f"/gesprekken/{contact}").status_code == 404
    profile = tineke.get("/medewerkers/E1")  # the reporter's page: no trace of the report
    assert profile.status_code == 200 and "Buddy-contact" not in profile.text
    with Session(site.engine) as session:
        f = session.get(FollowUp, contact)
        assert f is not None and f.holder_number == "L2" and f.employee_number == "E1"


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli_accounts(cli_team: Cli) -> Cli:
    for name, roles in (
        ("vp", ["--role", "reports"]),
        ("tina", ["--role", "staff"]),
        ("lars", ["--role", "leader", "--employee", "L1"]),
        ("sector", ["--role", "management"]),
    ):
        result = cli_team("user", "add", name, *roles, input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    return cli_team


def test_every_case_and_plan_command_refuses_leader_management_and_staff(
    cli_accounts: Cli,
) -> None:
    cli = cli_accounts
    added = cli(
        "case",
        "add",
        "--reporter",
        "E1",
        "--date",
        "2026-02-20",
        "--category",
        "racisme",
        "--note",
        NOTE,
        "--by",
        "vp",
        "--json",
    )
    assert added.exit_code == 0, added.output
    case_id = json.loads(added.output)["id"]
    assert (
        cli("case", "investigate", str(case_id), "--from", "2026-02-23", "--by", "vp").exit_code
        == 0
    )
    buddy = cli("case", "buddy", str(case_id), "--employee", "E2", "--by", "vp", "--json")
    assert buddy.exit_code == 0, buddy.output
    (contact,) = [c["id"] for c in json.loads(buddy.output)["contacts"]]
    plan = cli("plan", "add", "--person", "E1", "--case", str(case_id), "--by", "vp", "--json")
    assert plan.exit_code == 0, plan.output
    plan_id = json.loads(plan.output)["id"]
    measure = cli(
        "plan",
        "measure",
        str(plan_id),
        "--description",
        "gesprek met team",
        "--owner",
        "L2",
        "--target",
        "2026-04-15",
        "--by",
        "vp",
        "--json",
    )
    assert measure.exit_code == 0, measure.output
    measure_id = json.loads(measure.output)["id"]
    commands = [
        ["case", "add", "--reporter", "E2", "--date", "2026-03-02", "--category", "racisme"],
        ["case", "investigate", str(case_id), "--from", "2026-03-02"],
        ["case", "buddy", str(case_id), "--employee", "E3"],
        ["case", "close", str(case_id), "--on", "2026-03-02"],
        ["case", "list"],
        ["case", "list", "--json"],
        ["case", "show", str(case_id)],
        ["case", "show", "999", "--json"],
        ["plan", "add", "--person", "E1", "--case", str(case_id)],
        [
            "plan",
            "measure",
            str(plan_id),
            "--description",
            "x",
            "--owner",
            "E2",
            "--target",
            "2026-04-01",
        ],
        ["plan", "done", str(measure_id)],
        ["plan", "drop", str(measure_id)],
        ["plan", "show", str(plan_id)],
    ]
    for name in ("tina", "lars", "sector", "tester"):  # tester: no account, the CLI operator
        for command in commands:
            result = cli(*command, "--by", name)
            assert result.exit_code == 1, (name, command, result.output)
            assert result.output.startswith("fout: "), result.output
            assert len(result.output.strip().splitlines()) == 1
            assert "Eva" not in result.output and "racisme" not in result.output
    # The contact moment itself: no follow-up command reaches it without the role.
    for name in ("tina", "lars", "tester"):
        for command in (
            ["followup", "done", str(contact), "--outcome", "goed"],
            ["followup", "decline", str(contact)],
            ["followup", "reschedule", str(contact), "--at", "2026-03-10 10:00"],
        ):
            result = cli(*command, "--by", name)
            assert result.exit_code == 1, (name, command, result.output)
            assert f"onbekend gesprek {contact}" in result.output
    shown = cli("case", "show", str(case_id), "--by", "vp", "--json")
    assert shown.exit_code == 0 and json.loads(shown.output)["note"] == NOTE
    listed = json.loads(cli("case", "list", "--by", "vp", "--json").output)
    assert [c["id"] for c in listed] == [case_id]
    trail = json.loads(cli("audit", "--json").output)
    actions = {(e["actor"], e["action"]) for e in trail}
    for name in ("tina", "lars", "sector", "tester"):
        assert (name, "case.denied") in actions and (name, "plan.denied") in actions
    assert ("vp", "case.show") in actions and ("vp", "case.list") in actions
    done = cli("plan", "done", str(measure_id), "--by", "vp")
    assert done.exit_code == 0, done.output
    closed = cli("case", "close", str(case_id), "--on", "2026-03-02", "--by", "vp", "--json")
    assert closed.exit_code == 0, closed.output


def test_a_plan_with_consent_is_shown_to_staff_and_the_persons_leader_only(
    report_site: tuple[Site, int, int, int],
) -> None:
    site, case_id, _plan_id, _contact = report_site
    with transaction(site.engine) as session:
        plan = plans.add_plan(
            session,
            VP,
            person="E1",
            case_id=case_id,
            incident_id=None,
            start=TODAY,
            consent=True,
            holder=None,
            today=TODAY,
            now=NOW,
            settings=site.settings,
        )
        assert plan.id is not None
        plans.add_measure(
            session,
            VP,
            plan.id,
            description="Maatregel X",
            owner="E2",
            target=date(2026, 4, 1),
            today=TODAY,
            now=NOW,
            settings=site.settings,
        )
        plan_id = plan.id
    for name, status in (("tineke", 200), ("lars", 200), ("lea", 404), ("sector", 403)):
        page = site.client(name).get(f"/herstelplannen/{plan_id}")
        assert page.status_code == status, name
        assert ("Maatregel X" in page.text) == (status == 200)
    staff_page = site.client("tineke").get(f"/herstelplannen/{plan_id}").text
    assert "/maatregel" not in staff_page  # a report's plan is changed by the reports role only
    assert "discriminatie" not in staff_page and NOTE not in staff_page
