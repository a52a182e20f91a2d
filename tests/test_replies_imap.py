"""Answers read back through a real IMAP server (issue 13): Dovecot on 127.0.0.1
(tests/mailservers.py), the mails APPENDed in the shapes Outlook, Google Calendar and Thunderbird
send (tests/itip_mails.py), then `nazorg replies` as an operator runs it; what `nazorg status`
and `nazorg agenda` show is checked through the command line too.
"""

from __future__ import annotations

import imaplib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import vobject

from tests import itip_mails
from tests.conftest import Cli
from tests.mailservers import HOST, Certificates, Dovecot

LEADER = "lars@politie.example"
EMPLOYEE = "eva@politie.example"
LATER = "20260316T000000Z"  # a DTSTAMP after the answers recorded first


def _connect(dovecot: Dovecot, user: tuple[str, str]) -> imaplib.IMAP4_SSL:
    conn = imaplib.IMAP4_SSL(
        HOST, dovecot.imaps_port, ssl_context=dovecot.certificates.client_context(), timeout=10
    )
    conn.login(*user)
    return conn


def _append(dovecot: Dovecot, user: tuple[str, str], *mails: bytes, create: str | None) -> None:
    with _connect(dovecot, user) as conn:
        if create:
            conn.create(create)
        for raw in mails:
            typ, _ = conn.append("INBOX", None, None, raw)
            assert typ == "OK"


def _count(dovecot: Dovecot, user: tuple[str, str], folder: str, criterion: str = "ALL") -> int:
    with _connect(dovecot, user) as conn:
        typ, _ = conn.select(f'"{folder}"', readonly=True)
        assert typ == "OK"
        typ, data = conn.search(None, criterion)
        return len(data[0].split())


@pytest.fixture
def planned(cli_team: Cli) -> tuple[Cli, int, str]:
    """E1's 1-month conversation (Thursday 2 April 10:00, leader L1) with its invite sent."""
    added = cli_team(
        "incident", "add", "--employee", "E1", "--date", "2026-03-02", "--kind", "geweld", "--json"
    )
    assert added.exit_code == 0, added.output
    run = cli_team("run", today="2026-03-19")
    assert run.exit_code == 0, run.output
    [item] = json.loads(cli_team("agenda", "--json", "--to", "2026-04-03").stdout)
    return cli_team, int(item["id"]), str(item["uid"])


def _configure(
    cli: Cli, dovecot: Dovecot, certificates: Certificates, user: tuple[str, str]
) -> None:
    cli.env.update(
        {
            "NAZORG_REPLIES__HOST": HOST,
            "NAZORG_REPLIES__PORT": str(dovecot.imaps_port),
            "NAZORG_REPLIES__SECURITY": "tls",
            "NAZORG_REPLIES__USERNAME": user[0],
            "NAZORG_REPLIES__PASSWORD": user[1],
            "NAZORG_REPLIES__CA_FILE": str(certificates.ca),
            "NAZORG_REPLIES__TIMEOUT": "10",
        }
    )


def _mails(uid: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    monkeypatch.setattr(itip_mails, "UID", uid)
    start = datetime(2026, 4, 7, 11, 0, tzinfo=vobject.icalendar.utc)
    return {
        "outlook_leader_declines": itip_mails.outlook_mail(
            itip_mails.outlook_ics(partstat="DECLINED", attendee="Lars@politie.example", uid=uid),
            sender=f"Lars Leider <{LEADER}>",
        ),
        "thunderbird_employee_declines": itip_mails.thunderbird_mail(
            itip_mails.thunderbird_ics(partstat="DECLINED", attendee=EMPLOYEE, sequence=0),
            sender=EMPLOYEE,
        ),
        "google_employee_proposes": itip_mails.google_mail(
            itip_mails.google_ics(
                method="COUNTER",
                start=start,
                end=start + timedelta(minutes=45),
                attendee=EMPLOYEE,
                partstat="NEEDS-ACTION",
            ),
            method="COUNTER",
            sender=EMPLOYEE,
        ),
    }


def test_a_reply_round_trip_through_dovecot_changes_status_and_agenda(
    planned: tuple[Cli, int, str],
    dovecot: Dovecot,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli, followup_id, uid = planned
    user = dovecot.add_user()
    _configure(cli, dovecot, certificates, user)
    mails = _mails(uid, monkeypatch)
    hostile = itip_mails.outlook_mail(
        itip_mails.outlook_ics(
            partstat="ACCEPTED", attendee=LEADER, uid=uid, dtstamp=LATER
        ).replace("AM0PR07MB1234", "AM0PR07MB6666"),
        sender="Mallory <mallory@evil.example>",
    ).replace(b"AM0PR07MB1234@", b"AM0PR07MB6666@")
    _append(dovecot, user, *mails.values(), hostile, b"not a mail at all", create="Verwerkt")

    before = json.loads(cli("status", "--json", today="2026-03-20").stdout)
    assert before["attention"] == []

    result = cli("replies", "--json", today="2026-03-20")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["messages"], report["recorded"], report["proposals"]) == (5, 3, 1)
    outcomes = sorted(line["outcome"] for line in report["lines"])
    assert outcomes == ["counter", "malformed", "record", "record", "unverified_sender"]

    status = json.loads(cli("status", "--json", today="2026-03-20").stdout)
    [shown] = status["attention"]
    assert shown["id"] == followup_id
    assert shown["attention"] == [
        "nieuwe tijd nodig",
        "contact opnemen met medewerker",
        "tijdvoorstel",
    ]
    [item] = json.loads(cli("agenda", "--json", "--to", "2026-04-03", today="2026-03-20").stdout)
    assert item["attention"] == shown["attention"]
    table = cli("agenda", "--to", "2026-04-03", today="2026-03-20").stdout
    assert "[nieuwe tijd nodig]" in table
    text = cli("status", today="2026-03-20").stdout
    assert f"gesprek {followup_id}: Eva Eerste (E1)" in text and "nieuwe tijd nodig" in text
    assert _count(dovecot, user, "INBOX") == 0
    assert _count(dovecot, user, "Verwerkt") == 5
    trail = json.loads(cli("audit", "--json", today="2026-03-20").stdout)
    recorded = [e for e in trail if e["action"] in ("followup.reply", "followup.counter")]
    assert len(recorded) == 3 and {e["actor"] for e in recorded} == {"tester"}

    # Reading again finds nothing new; and the same mails delivered again record nothing.
    again = json.loads(cli("replies", "--json", today="2026-03-20").stdout)
    assert (again["messages"], again["recorded"]) == (0, 0)
    _append(dovecot, user, *mails.values(), create=None)
    third = json.loads(cli("replies", "--json", today="2026-03-20").stdout)
    assert (third["messages"], third["recorded"]) == (3, 0)
    assert {line["outcome"] for line in third["lines"]} == {"duplicate"}

    # Staff accept the proposal: the next run sends a REQUEST with SEQUENCE 1 at the new time.
    listed = json.loads(cli("followup", "counter", "list", "--json").stdout)
    [proposal] = listed
    accepted = cli("followup", "counter", "accept", str(proposal["id"]), today="2026-03-20")
    assert accepted.exit_code == 0, accepted.output
    assert "REQUEST (volgnummer 1)" in accepted.stdout
    run = json.loads(cli("run", "--json", today="2026-03-20").stdout)
    assert [(e["method"], e["sequence"]) for e in run["emitted"]] == [("REQUEST", 1)]
    final = json.loads(cli("status", "--json", today="2026-03-20").stdout)
    assert final["attention"] == []


def test_without_a_processed_folder_messages_are_flagged_and_read_once(
    planned: tuple[Cli, int, str],
    dovecot: Dovecot,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli, _followup_id, uid = planned
    user = dovecot.add_user()
    _configure(cli, dovecot, certificates, user)
    _append(dovecot, user, *_mails(uid, monkeypatch).values(), create=None)
    first = json.loads(cli("replies", "--json", today="2026-03-20").stdout)
    assert (first["messages"], first["recorded"]) == (3, 3)
    assert _count(dovecot, user, "INBOX") == 3
    assert _count(dovecot, user, "INBOX", "KEYWORD $NazorgVerwerkt") == 3
    second = json.loads(cli("replies", "--json", today="2026-03-20").stdout)
    assert (second["messages"], second["recorded"]) == (0, 0)


def test_a_mailbox_that_refuses_the_login_is_one_line_and_exit_1(
    planned: tuple[Cli, int, str], dovecot: Dovecot, certificates: Certificates
) -> None:
    cli, _followup_id, _uid = planned
    user = dovecot.add_user()
    _configure(cli, dovecot, certificates, (user[0], "fout-wachtwoord"))
    result = cli("replies", today="2026-03-20")
    assert result.exit_code == 1
    assert "aanmelding" in result.stderr and "Traceback" not in result.output
    assert "fout-wachtwoord" not in result.output


def test_replies_without_a_mailbox_names_the_setting(cli_team: Cli) -> None:
    result = cli_team("replies")
    assert result.exit_code == 1
    assert "[replies]" in result.stderr


def test_a_leader_account_may_not_decide_a_proposal_on_the_command_line(
    planned: tuple[Cli, int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, _followup_id, uid = planned
    added = cli(
        "user",
        "add",
        "lars",
        "--role",
        "leader",
        "--employee",
        "L1",
        input="een lang wachtwoord\neen lang wachtwoord\n",
    )
    assert added.exit_code == 0, added.output
    from nazorg.core.workdays import WorkCalendar
    from nazorg.services.replies import RepliesReport, process_message
    from nazorg.store.engine import make_engine, transaction

    engine = make_engine(cli.env["NAZORG_DATABASE_URL"])
    report = RepliesReport()
    with transaction(engine) as session:
        process_message(
            session,
            _mails(uid, monkeypatch)["google_employee_proposes"],
            report,
            now=datetime(2026, 3, 20, 9, tzinfo=UTC),
            actor="system",
            calendar=WorkCalendar(),
        )
    engine.dispose()
    assert report.proposals == 1, report.lines
    for verb in ("accept", "reject", "list"):
        args = ("followup", "counter", verb) + (() if verb == "list" else ("1",))
        refused = cli(*args, "--by", "lars", today="2026-03-20")
        assert refused.exit_code == 1, (verb, refused.output)
        assert refused.stderr.count("\n") == 1 and "fout:" in refused.stderr
    # Staff (the operator without an account) reject it: one DECLINECOUNTER, on the next run only.
    rejected = cli("followup", "counter", "reject", "1", today="2026-03-20")
    assert rejected.exit_code == 0, rejected.output
    assert "DECLINECOUNTER aan eva@politie.example" in rejected.stdout
    again = cli("followup", "counter", "reject", "1", today="2026-03-20")
    assert again.exit_code == 1 and "al afgewezen" in again.stderr
    run = json.loads(cli("run", "--json", today="2026-03-20").stdout)
    assert [e["method"] for e in run["emitted"]] == ["DECLINECOUNTER"]
    assert json.loads(cli("run", "--json", today="2026-03-23").stdout)["emitted"] == []


def test_the_daily_run_reads_replies_as_its_step_and_serve_every_15_minutes(
    planned: tuple[Cli, int, str],
    dovecot: Dovecot,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nazorg.jobs.serve import build_scheduler
    from nazorg.settings import load_settings
    from nazorg.store.engine import make_engine

    cli, _followup_id, uid = planned
    user = dovecot.add_user()
    _configure(cli, dovecot, certificates, user)
    _append(dovecot, user, *_mails(uid, monkeypatch).values(), create="Verwerkt")
    run = json.loads(cli("run", "--json", today="2026-03-20").stdout)
    assert (run["replies"]["messages"], run["replies"]["recorded"]) == (3, 3)
    assert run["replies"]["error"] is None

    for key, value in cli.env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    jobs = {job.id: job for job in build_scheduler(engine, settings, echo=print).get_jobs()}
    assert set(jobs) == {"daily-run", "replies"}
    assert jobs["replies"].trigger.interval.total_seconds() == 15 * 60
    assert jobs["replies"].max_instances == 1
    from nazorg.jobs.replies import replies_job

    lines: list[str] = []
    replies_job(engine, settings, lines.append)
    assert lines == ["antwoorden: 0 bericht(en), 0 vastgelegd, 0 genegeerd"]
    engine.dispose()


def test_a_replies_password_in_a_readable_config_file_is_refused(tmp_path: Path) -> None:
    from nazorg.core.errors import ConfigError
    from nazorg.settings import load_settings

    config = tmp_path / "nazorg.toml"
    config.write_text('[replies]\nhost = "imap.example"\nusername = "n"\npassword = "geheim"\n')
    config.chmod(0o644)
    with pytest.raises(ConfigError, match=r"replies\.password"):
        load_settings(config, environ={})
    config.chmod(0o600)
    settings = load_settings(config, environ={})
    assert settings.replies is not None and settings.replies.folder == "INBOX"
    assert settings.replies.processed_folder == "Verwerkt"
