"""The Jinja2 templates behind every invite and draft, and the only data they may see.

Rules this module implements:
- Wording lives in templates, one folder per language (`templates/nl/`, `templates/en/`), so that
  an operator can change a sentence without touching code: an override folder given by the
  setting `templates_dir` is searched first, the packaged templates second.
- Templates are strict (`StrictUndefined`): a misspelt variable or an unknown kind is an error
  that names the template, never a silently empty sentence in an invite.
- HTML templates are autoescaped; plain-text ones are not (they are escaped later, for the
  format they end up in: iCalendar TEXT or a MIME part).
- Templates only ever see `template_context()`: cleaned names, checked addresses, local times
  and agenda points. The payload has no incident data and this context adds none: calendars are
  widely shared, so an invite says *that* a conversation is due and with whom, never what
  happened.
- User data is only ever *passed to* templates, never compiled as one, so a name like
  `{{ 7*7 }}` is printed literally.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from nazorg.core.errors import ConfigError
from nazorg.core.payload import InviteVersion, Person

LANGUAGES = ("nl", "en")
#: Display names are cut to this many characters (settings allow 200 for the organizer's name).
MAX_NAME = 200

#: Kinds of the form checkin_<N>m are aftercare check-ins N months after the incident.
_CHECKIN = re.compile(r"checkin_([1-9][0-9]?)m")

#: A conservative address: ASCII dot-atom local part and a host name. Characters that mean
#: something in a mailto: URI (`%`, `?`, `#`) or in a header (`"`, `<`, `,`, `;`, `:`, space) are
#: refused rather than escaped: the addresses come from checked input
#: (nazorg.core.text.clean_email), so a refusal here means a bug upstream, not a user to help.
_EMAIL = re.compile(
    r"[A-Za-z0-9!$&'*+/=^_`{|}~-]+(?:\.[A-Za-z0-9!$&'*+/=^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def templates_dir() -> Path:
    """The packaged templates (`nazorg.core.resources`: inside the wheel, or the checkout's top)."""
    from nazorg.core.resources import templates_dir as packaged

    return packaged()


def make_environment(language: str, override_dir: Path | None = None) -> jinja2.Environment:
    """A strict Jinja2 environment for one language: the override folder first, then the package.

    Each root is searched in its `<language>/` sub-folder, so an override folder has the same
    layout as the packaged one and may override just one file. A missing override folder is a
    configuration error rather than a silent fall-back: the operator meant to change something.
    """
    if language not in LANGUAGES:
        raise ConfigError(
            f"instelling language: onbekende taal {language!r}; kies uit {', '.join(LANGUAGES)}"
        )
    roots: list[Path] = []
    if override_dir is not None:
        if not override_dir.is_dir():
            raise ConfigError(
                f"instelling templates_dir: map {override_dir} bestaat niet of is geen map"
            )
        roots.append(override_dir / language)
    roots.append(templates_dir() / language)
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(root), encoding="utf-8") for root in roots]
    )
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            ["html", "htm", "xml"], default_for_string=False, default=False
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals["language"] = language
    return env


def one_line(value: str) -> str:
    """`value` as one line: control characters and line breaks become spaces, runs collapse.

    Everything that some parser treats as a line break goes: C0/C1 controls (CR, LF, NEL, VT, FF,
    the file separators) and the Unicode line and paragraph separators, which Python's
    `str.splitlines()` splits on. Lone surrogates cannot be encoded and are dropped. Format
    characters such as the right-to-left mark stay: names in right-to-left scripts need them.
    """
    chars: list[str] = []
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs":
            continue
        chars.append(" " if category in ("Cc", "Zl", "Zp") else ch)
    return " ".join("".join(chars).split())


def no_encoded_words(value: str) -> str:
    """`value` with every `=?` written `= ?`, so no mail reader can take it for an RFC 2047 word.

    Readers decode encoded words wherever they find them (Python's own parser even inside quoted
    strings), so a name `=?utf-8?q?x=0D=0ABcc:_evil@x?=` could show as something else; and
    Python's email package (3.11.7 here, without the CVE-2024-6923 fix) decodes them when a
    header is *assigned*, turning that name into a real Bcc header. The draft renderer
    (`nazorg.emission.render.draft`) writes its headers itself, so this is the second guard. Real
    names never contain `=?`.
    """
    return value.replace("=?", "= ?")


def clean_name(value: str) -> str:
    """A display name that cannot break a calendar parameter or a mail header.

    One line (see `one_line`); a double quote becomes a single quote (an iCalendar parameter value
    may be quoted but can never contain DQUOTE, so this is the only safe spelling); and `=?` is
    broken up (see `no_encoded_words`). Longer than MAX_NAME characters is cut with an ellipsis:
    a mail header line may not exceed 998 octets, and no real name comes near this. The same
    cleaned name is used in the .ics and the .eml.
    """
    name = one_line(value)
    if len(name) > MAX_NAME:
        name = name[: MAX_NAME - 1].rstrip() + "…"
    return no_encoded_words(name.replace('"', "'"))


def check_email(value: str) -> str:
    """`value` unchanged when it is a plain address; ValueError otherwise (never repaired).

    An address is an identity: silently changing it would send an invite to someone else.
    """
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError(f"ongeldig e-mailadres voor uitnodiging of concept: {value!r}")
    return value


def clean_person(person: Person) -> Person:
    """The person with a cleaned display name and a checked address."""
    return Person(name=clean_name(person.name), email=check_email(person.email))


def local_time(moment: datetime, tzid: str) -> datetime:
    """`moment` (aware) in zone `tzid`; ValueError for a naive datetime (no instant to convert)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"tijdstip zonder tijdzone: {moment.isoformat()}")
    return moment.astimezone(ZoneInfo(tzid))


def checkin_months(kind: str) -> int | None:
    """N for a kind `checkin_<N>m` (the plan's months are configurable), else None."""
    match = _CHECKIN.fullmatch(kind)
    return int(match.group(1)) if match else None


def template_context(version: InviteVersion) -> dict[str, Any]:
    """The variables every template gets; nothing else of the payload reaches a template.

    `addressees` are the people a draft greets: the attendees other than the leader (who sends
    it), or, when the version goes to the leader alone (a cancel for a replaced leader), the
    attendees themselves.
    """
    leader = clean_person(version.leader)
    attendees = tuple(clean_person(p) for p in version.attendees)
    addressees = (
        tuple(p for p in attendees if p.email.casefold() != leader.email.casefold()) or attendees
    )
    return {
        "method": version.method,
        "is_cancel": version.method == "CANCEL",
        "is_update": version.method == "REQUEST" and version.sequence > 0,
        "sequence": version.sequence,
        "kind": version.kind,
        "checkin_months": checkin_months(version.kind),
        "organizer": clean_person(version.organizer),
        "leader": leader,
        "employee": clean_person(version.employee),
        "attendees": attendees,
        "addressees": addressees,
        "start": local_time(version.start, version.tzid),
        "end": local_time(version.end, version.tzid),
        "agenda_points": tuple(p for p in (one_line(a) for a in version.agenda_points) if p),
        "link": _link(version.link),
    }


def _link(value: str | None) -> str | None:
    """The conversation page's address as one line, only when it is an http(s) URL without
    spaces (it comes from the checked setting `web.url` and an id); else no link at all."""
    if not value:
        return None
    link = one_line(value)
    ok = link.startswith(("https://", "http://")) and " " not in link and '"' not in link
    return link if ok and "<" not in link and ">" not in link else None


def render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render template `name`; any template error becomes a ConfigError naming the template.

    A broken template (usually an operator's override) must stop the run with one clear line,
    and the version stays pending until the template is fixed.
    """
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateError as exc:
        language = env.globals.get("language", "?")
        raise ConfigError(
            f"sjabloon {language}/{name} is onbruikbaar: {exc}; controleer de sjablonen "
            "(instelling templates_dir)"
        ) from exc


def render_line(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render a one-line template (a summary, a subject): whatever the template does, one line."""
    return one_line(render(env, name, context))


def render_block(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render a multi-line template: LF line ends, no trailing spaces, exactly one final newline."""
    text = render(env, name, context).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"
