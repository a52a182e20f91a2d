"""Issue 13: the invite both people receive is neutral; the guidance is the leader's alone.

- The .ics (read back with vobject, an independent parser) carries only neutral text: what the
  conversation is for, that it is for the employee, that they decide what to share, and the
  link to the conversation page when `web.url` is set (none otherwise). No open questions, no
  signs calling for referral.
- The draft for review keeps its instruction for the leader, with the guidance and the link.
- The message nazorg sends itself (SMTP) is written for the recipients, from the organizer:
  no instruction line, no guidance, no signature in the leader's name (golden file).
"""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jinja2
import pytest
import vobject

from nazorg.emission.reconcile import conversation_link
from nazorg.emission.render.draft import render_eml
from nazorg.emission.render.invite import render_ics
from nazorg.emission.render.templating import make_environment
from tests.factories import assert_golden, make_cancel, make_version

LINK = "https://nazorg.politie.example/gesprekken/17"
STRICT = policy.default.clone(raise_on_defect=True)
#: Words of the leader's guidance (nl and en) that must never reach the shared invite.
GUIDANCE = (
    "Hoe slaap je",
    "alcohol",
    "doorverwijzen",
    "nachtmerries",
    "Tips",
    "open vragen",
    "How are you sleeping",
    "When to refer",
    "nightmares",
    "open questions",
)


@pytest.fixture(scope="module", params=["nl", "en"])
def env(request: pytest.FixtureRequest) -> jinja2.Environment:
    return make_environment(request.param)


def description(ics: bytes) -> str:
    event = vobject.readOne(ics.decode("utf-8"), validate=True).vevent
    return str(event.description.value)


def text_of(eml: bytes, subtype: str = "plain") -> str:
    msg = message_from_bytes(eml, policy=STRICT)
    assert isinstance(msg, EmailMessage) and not msg.defects
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())


@pytest.mark.parametrize("kind", ["checkin_1m", "checkin_3m", "ro", "feedback_360"])
def test_the_invite_is_neutral_and_links_the_page_only_when_configured(
    env: jinja2.Environment, kind: str
) -> None:
    language = env.globals["language"]
    with_link = description(render_ics(make_version(kind=kind, language=language, link=LINK), env))
    without = description(render_ics(make_version(kind=kind, language=language), env))
    for text in (with_link, without):
        assert not [word for word in GUIDANCE if word.lower() in text.lower()]
    assert LINK in with_link
    assert "http" not in without and "gesprekken/" not in without
    if kind.startswith("checkin"):
        for_employee = "voor de medewerker" if language == "nl" else "there for the employee"
        decides = "bepaalt zelf" if language == "nl" else "decides what they want to share"
        assert for_employee in with_link and decides in with_link


def test_the_draft_keeps_its_instruction_with_the_guidance_and_the_link(
    env: jinja2.Environment,
) -> None:
    language = env.globals["language"]
    version = make_version(language=language, link=LINK)
    eml = render_eml(version, render_ics(version, env), env)
    text, html = text_of(eml), text_of(eml, "html")
    note = "[Concept voor" if language == "nl" else "[Draft for"
    assert text.startswith(note) and note in html
    assert LINK in text and f'href="{LINK}"' in html
    sleeping = "Hoe slaap je" if language == "nl" else "How are you sleeping"
    assert sleeping in text and sleeping in html
    assert "alcohol" in text and "alcohol" in html
    assert "X-Unsent: 1" in eml.decode("ascii")


def test_a_draft_without_web_url_has_no_link(env: jinja2.Environment) -> None:
    version = make_version(language=env.globals["language"])
    eml = render_eml(version, render_ics(version, env), env)
    assert "gesprekken/" not in text_of(eml) and "gesprekken/" not in text_of(eml, "html")


def test_the_direct_message_is_for_the_recipients_from_the_organizer(
    env: jinja2.Environment,
) -> None:
    language = env.globals["language"]
    for version in (make_version(language=language, link=LINK), make_cancel(language=language)):
        ics = render_ics(version, env)
        message = render_eml(version, ics, env, draft=False)
        text, html = text_of(message), text_of(message, "html")
        for body in (text, html):
            assert "[Concept" not in body and "[Draft" not in body
            assert not [word for word in GUIDANCE if word.lower() in body.lower()]
            assert version.organizer.name in body[-300:]  # signed by the aftercare mailbox
            assert not body.rstrip().endswith(version.leader.name)
        assert "X-Unsent" not in message.decode("ascii")
        msg = message_from_bytes(message, policy=STRICT)
        assert version.organizer.email in str(msg["From"])
        # The same calendar as the draft, inline and attached.
        draft = render_eml(version, ics, env)
        assert message.count(b"text/calendar") == draft.count(b"text/calendar")


def test_direct_message_golden() -> None:
    nl = make_environment("nl")
    version = make_version(agenda_points=("Werkrooster, verlof; terugkeer",), link=LINK)
    assert_golden(
        "checkin_request_message.eml", render_eml(version, render_ics(version, nl), nl, draft=False)
    )


def test_the_link_is_the_page_under_web_url() -> None:
    assert conversation_link("https://nazorg.example/", 5) == "https://nazorg.example/gesprekken/5"
    assert conversation_link("https://nazorg.example/app", 5) == (
        "https://nazorg.example/app/gesprekken/5"
    )
    assert conversation_link(None, 5) is None


def test_the_daily_run_links_each_invite_to_its_page_under_web_url(
    engine: Any, tmp_path: Path, database_url: str
) -> None:
    from nazorg.jobs.daily import run_daily
    from nazorg.settings import Settings
    from tests.conftest import FIXED_NOW, load_team, register

    settings = Settings(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        cycle_kinds=(),
        web={"url": "https://nazorg.politie.example/"},
    )
    load_team(engine)
    first = register(engine, settings, occurred=date(2026, 3, 2), today=date(2026, 3, 2))
    report = run_daily(engine, today=date(2026, 3, 19), clock=lambda: FIXED_NOW, settings=settings)
    [emitted] = report.emitted
    link = f"https://nazorg.politie.example/gesprekken/{first.followups[0].id}"
    assert emitted.ics is not None and emitted.eml is not None
    assert link in description(Path(emitted.ics).read_bytes())
    assert link in text_of(Path(emitted.eml).read_bytes())
