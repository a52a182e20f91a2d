"""A rejected proposal's DECLINECOUNTER (issue 13) is delivered like every other written version:
once, through the real SMTP sink (aiosmtpd, tests/mailservers.py) to the proposer, byte for byte
the outbox's mail, and into the aftercare mailbox's drafts folder over IMAP; never to CalDAV. A
second delivery run sends nothing.
"""

from __future__ import annotations

import email
import email.policy
from datetime import date
from pathlib import Path

from sqlmodel import select

from nazorg.core.access import operator
from nazorg.delivery.state import PURPOSES
from nazorg.services import counters
from nazorg.store.engine import transaction
from nazorg.store.models import CounterProposal
from nazorg.store.models.delivery import Delivery
from tests import test_replies
from tests.mailservers import Certificates, Dovecot, SmtpSink
from tests.test_delivery import imap_target, smtp_target, with_targets
from tests.test_replies import EMPLOYEE, INVITE_DAY, NOW, World, _proposal

world = test_replies.world  # the same conversation with its first invite written
STRICT = email.policy.default.clone(raise_on_defect=True)


def _reject(world: World) -> None:
    proposal_id = _proposal(world)
    with transaction(world.engine) as session:
        counters.reject(
            session,
            operator("TCO"),
            proposal_id,
            today=INVITE_DAY,
            now=NOW,
            settings=world.settings,
        )


def test_the_declinecounter_is_sent_once_to_the_proposer_over_smtp(
    world: World, smtp_sink: SmtpSink, certificates: Certificates
) -> None:
    _reject(world)
    world.settings = with_targets(world.settings, smtp=smtp_target(smtp_sink, certificates))
    report = world.run(date(2026, 3, 20))  # writes the DECLINECOUNTER, then delivers it
    [written] = report.emitted
    assert written.method == "DECLINECOUNTER"
    assert report.after["delivery"]["targets"]["smtp"]["delivered"] == 1, report.after
    [received] = smtp_sink.received
    assert received.mail_from == "nazorg@politie.example"
    assert received.rcpt_tos == (EMPLOYEE,)
    assert received.data == Path(written.eml).read_bytes()
    message = email.message_from_bytes(received.data, policy=STRICT)
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "DECLINECOUNTER"
    assert f"UID:{world.uid}" in part.get_content()
    again = world.run(date(2026, 3, 23))
    assert again.emitted == []
    assert again.after["delivery"]["targets"]["smtp"]["delivered"] == 0
    assert len(smtp_sink.received) == 1  # exactly once
    with transaction(world.engine) as session:
        [row] = session.exec(select(Delivery)).all()
        assert (row.target, row.status, row.attempts, row.destination) == (
            "smtp",
            "delivered",
            1,
            EMPLOYEE,
        )
        proposal = session.exec(select(CounterProposal)).one()
        assert proposal.eml_path == written.eml


def test_a_declinecounter_is_a_draft_for_imap_and_never_a_calendar_item() -> None:
    assert "declinecounter" in PURPOSES["imap"] and "declinecounter" in PURPOSES["smtp"]
    assert "declinecounter" not in PURPOSES["caldav"]


def test_the_declinecounter_lands_once_in_the_drafts_folder_over_imap(
    world: World, dovecot: Dovecot, certificates: Certificates
) -> None:
    _reject(world)
    user = dovecot.add_user()
    world.settings = with_targets(world.settings, imap=imap_target(dovecot, certificates, user))
    report = world.run(date(2026, 3, 20))
    [written] = report.emitted
    assert report.after["delivery"]["targets"]["imap"]["delivered"] == 1, report.after
    world.run(date(2026, 3, 23))
    [draft] = dovecot.messages(*user)
    assert draft.raw == Path(written.eml).read_bytes()
    assert "\\Draft" in draft.flags
