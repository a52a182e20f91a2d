"""One InviteVersion as an email draft (.eml) for the leader to personalise and send.

Rules (RFC 5322, RFC 2045-2047, RFC 6047 and /work/shared/INTEROP.md):
- From is the aftercare mailbox (the organizer), To are the version's attendees (leader and
  employee), Date is the version's DTSTAMP and Message-ID its stored id: nothing comes from the
  wall clock, so the same version gives the same bytes, every time, in every process.
- `X-Unsent: 1` makes Outlook open the file as an unsent draft: a person reads and sends it.
- Structure: multipart/mixed [ multipart/alternative [ text/plain, text/html,
  text/calendar; method=<METHOD> ], invite.ics attachment ]. Outlook only offers Accept/Decline
  for the inline text/calendar part, and refuses it when its `method=` differs from the file's
  METHOD, so both come from the same version, in upper case. Clients that only look at
  attachments get the same bytes as `invite.ics`.
- The MIME boundaries are derived from a hash of the version and the ics (deterministic), and
  can never occur in a body: text parts are quoted-printable and calendar parts base64, and
  neither encoding can produce the `=_` that every boundary starts with.
- The whole message is 7-bit ASCII with CRLF line ends, header lines at most 78 characters for
  any name nazorg accepts.
- No injection: display names are cleaned (no control characters, line breaks or `=?`),
  addresses are checked and refused (ValueError), the HTML body is autoescaped by its template
  environment, and the generated header block is read back and refused unless it holds exactly
  the headers and recipients written.

The top-level headers are encoded here, not by the `email` package's header folder. That folder
(CPython 3.11) splits a display name over several RFC 2047 encoded words and can drop the space
at the split (`000¡¡ 0¡¡` reads back as `000¡¡0¡¡` in RFC-conforming readers), decodes encoded
words in assigned values (a header injection without the CVE-2024-6923 fix), and its output
changes between Python releases, which would break the golden files. The body parts still use the
`email` package: their headers hold no user text.
"""

from __future__ import annotations

import base64
import email.policy
import hashlib
import re
from collections.abc import Iterable
from datetime import UTC
from email.headerregistry import HeaderRegistry
from email.message import Message, MIMEPart
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from typing import TYPE_CHECKING

from nazorg.core.payload import InviteVersion, Person
from nazorg.emission.render.invite import utc_stamp
from nazorg.emission.render.templating import (
    no_encoded_words,
    one_line,
    render_block,
    render_line,
    template_context,
)

if TYPE_CHECKING:  # jinja2 is only needed to render, and the caller made the environment
    import jinja2


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, with each header class built once: HeaderRegistry builds a
    new class with type() on every lookup, which made a fifth of the draft's rendering time."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self._built:
            self._built[key] = super().__getitem__(name)
        return self._built[key]


#: Output policy: CRLF line ends, 78-character lines, and header values that are already encoded
#: (every top-level header here) are written exactly as given, never re-folded.
POLICY = email.policy.SMTP.clone(refold_source="none", header_factory=_HeaderClasses())
#: The strict reading of the headers written (same rules as email.policy.default).
READ_POLICY = email.policy.default.clone(header_factory=_HeaderClasses())
MAX_LINE = 78
ATTACHMENT_NAME = "invite.ics"
#: The top-level headers of every draft, in this order.
HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "X-Unsent",
    "Content-Type",
)

#: A display name that can be written as plain atoms (RFC 5322 atext and single spaces).
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
#: The METHOD line of the VCALENDAR (the only METHOD property in an .ics from render_ics).
_ICS_METHOD = re.compile(rb"\r\nMETHOD:([A-Z]+)\r\n")
#: UTF-8 octets per encoded word: `=?utf-8?b?` + 56 base64 characters + `?=` is 68 characters,
#: so even `Subject: ` plus one word stays within 78.
_WORD_OCTETS = 42


def _encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 base64 encoded words, split only between characters.

    Every character, spaces included, is inside a word: readers ignore the white space between
    adjacent encoded words (RFC 2047 6.2), so the folds between them add nothing and lose nothing.
    """
    chunks: list[bytes] = []
    chunk = b""
    for ch in text:
        octets = ch.encode("utf-8")
        if chunk and len(chunk) + len(octets) > _WORD_OCTETS:
            chunks.append(chunk)
            chunk = b""
        chunk += octets
    if chunk:
        chunks.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks]


def _plain(text: str) -> bool:
    """True when `text` can be written as is: printable ASCII words that fit on a line."""
    return all(0x20 <= ord(ch) < 0x7F for ch in text) and all(
        len(word) <= MAX_LINE - 2 for word in text.split(" ")
    )


def _phrase(name: str) -> list[str]:
    """A display name as header tokens: atoms, one quoted string, or encoded words."""
    if _ATOMS.fullmatch(name) and _plain(name):
        return name.split(" ")
    if _plain(name):
        return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return _encoded_words(name)


def _fold(name: str, tokens: Iterable[str]) -> str:
    """`name: tokens...`, one space between tokens, a fold (CRLF SP) instead of a space where a
    line would pass 78 characters. The first token always stays on the header's own line."""
    lines: list[str] = []
    line = f"{name}:"
    first = True
    for token in tokens:
        if first or len(line) + 1 + len(token) <= MAX_LINE:
            line += " " + token
        else:
            lines.append(line)
            line = " " + token
        first = False
    lines.append(line)
    return "\r\n".join(lines)[len(name) + 2 :]


def address_header(name: str, people: Iterable[Person]) -> str:
    """An address-list header value: `Display Name <address>, ...` (a bare address if no name)."""
    tokens: list[str] = []
    people = list(people)
    for i, person in enumerate(people):
        angle = f"<{person.email}>" if person.name else person.email
        if i < len(people) - 1:
            angle += ","
        tokens += [*(_phrase(person.name) if person.name else []), angle]
    return _fold(name, tokens)


def subject_header(subject: str) -> str:
    """An unstructured header value: plain words when printable ASCII, else encoded words."""
    return _fold("Subject", subject.split(" ") if _plain(subject) else _encoded_words(subject))


def message_id_header(value: str) -> str:
    """`<value>`; ValueError when the stored id could break the header or is not `left@right`."""
    if (
        not value
        or one_line(value) != value
        or any(ch in value for ch in ' <>"\\()[],;:')
        or value.count("@") != 1
        or not value.isascii()
        or len(value) > MAX_LINE - 16
    ):
        raise ValueError(f"ongeldige Message-ID: {value!r}")
    return f"<{value}>"


def _boundaries(version: InviteVersion, ics: bytes) -> tuple[str, str]:
    """Two MIME boundaries that are a pure function of the version and its ics."""
    digest = hashlib.sha256(version.to_json().encode("utf-8") + b"\0" + ics).hexdigest()[:32]
    return f"=_nazorg_mixed_{digest}", f"=_nazorg_alt_{digest}"


def text_part(body: str, subtype: str) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    part.set_content(body, subtype=subtype, charset="utf-8", cte="quoted-printable")
    return part


def _calendar_part(ics: bytes, method: str) -> Message:
    """The inline text/calendar part, with `method=` written exactly as `method=REQUEST`.

    A plain (compat32) Message keeps the header as written; the policy-aware classes would
    re-render it as `method="REQUEST"`, which is legal but not the spelling clients are known
    to accept everywhere.
    """
    part = Message()
    part["Content-Type"] = f"text/calendar; method={method}; charset=UTF-8"
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(ics).decode("ascii"))
    return part


def _attachment_part(ics: bytes) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    part.set_content(
        ics,
        maintype="application",
        subtype="ics",
        cte="base64",
        disposition="attachment",
        filename=ATTACHMENT_NAME,
        params={"name": ATTACHMENT_NAME},
    )
    return part


def render_eml(
    version: InviteVersion, ics: bytes, env: jinja2.Environment, *, draft: bool = True
) -> bytes:
    """The .eml bytes of the draft for one version, carrying `ics` (from render_ics) twice.

    Subject, text and HTML come from the templates `subject.txt`, `email.txt` and `email.html`
    of `env`. ValueError for a payload that cannot be written safely (see the module docstring).

    `draft=False` gives the message nazorg sends itself (SMTP): the same structure and bytes
    rules, without `X-Unsent`, its text from `message.txt` and `message.html`, written for the
    recipients by the aftercare mailbox (no note for the leader, no signature in their name).
    """
    ctx = template_context(version)
    method = version.method.upper()
    found = _ICS_METHOD.search(ics)
    if method not in ("REQUEST", "CANCEL") or not found or found.group(1).decode() != method:
        raise ValueError(
            f"METHOD van de versie ({version.method!r}) en van de .ics "
            f"({found.group(1).decode() if found else None!r}) moeten gelijk zijn"
        )
    utc_stamp(version.dtstamp)  # refuses a naive DTSTAMP, as the ics does
    subject = no_encoded_words(render_line(env, "subject.txt", ctx))
    ctx = {**ctx, "subject": subject}
    stem = "email" if draft else "message"
    text = render_block(env, f"{stem}.txt", ctx)
    html = render_block(env, f"{stem}.html", ctx)
    mixed_boundary, alt_boundary = _boundaries(version, ics)

    # A compat32 Message stores header values as given; POLICY writes them unchanged.
    msg = Message()
    msg["From"] = address_header("From", [ctx["organizer"]])
    msg["To"] = address_header("To", ctx["attendees"])
    msg["Subject"] = subject_header(subject)
    msg["Date"] = format_datetime(version.dtstamp.astimezone(UTC))
    msg["Message-ID"] = message_id_header(version.message_id)
    msg["MIME-Version"] = "1.0"
    if draft:
        msg["X-Unsent"] = "1"
    msg["Content-Type"] = f'multipart/mixed;\r\n boundary="{mixed_boundary}"'

    alternative = MIMEPart(policy=POLICY)
    alternative["Content-Type"] = "multipart/alternative"
    alternative.attach(text_part(text, "plain"))
    alternative.attach(text_part(html, "html"))
    alternative.attach(_calendar_part(ics, method))  # type: ignore[arg-type]
    alternative.set_boundary(alt_boundary)
    msg.attach(alternative)
    msg.attach(_attachment_part(ics))
    data = msg.as_bytes(policy=POLICY)
    _verify_headers(data, ctx["attendees"], draft=draft)
    return data


def _verify_headers(data: bytes, attendees: tuple[Person, ...], *, draft: bool = True) -> None:
    """Read the generated header block back and refuse anything but the headers written.

    The last line of defence against header injection, whatever a library version does with odd
    input: exactly the expected header names, in order, and exactly the intended recipients.
    """
    head = BytesHeaderParser(policy=READ_POLICY).parsebytes(data)
    recipients = [a.addr_spec for a in head["To"].addresses] if head["To"] else []
    expected = [h for h in HEADERS if draft or h != "X-Unsent"]
    if head.keys() != expected or recipients != [p.email for p in attendees]:
        raise ValueError(
            f"concept geweigerd: onverwachte kopregels {head.keys()} of ontvangers {recipients}"
        )
