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
- The whole message is 7-bit ASCII with CRLF line ends: non-ASCII names are RFC 2047 encoded.
- No injection: display names are cleaned (no control characters or line breaks), addresses are
  checked and refused (ValueError) when they contain anything unusual, and the HTML body is
  autoescaped by its template environment.
"""

from __future__ import annotations

import base64
import email.policy
import hashlib
from datetime import UTC
from email.headerregistry import Address
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesHeaderParser
from email.policy import SMTP
from email.utils import format_datetime

import jinja2

from nazorg.invite import utc_stamp
from nazorg.payload import InviteVersion, Person
from nazorg.templating import no_encoded_words, one_line, render_block, render_line, template_context

#: Output policy: RFC 5322 with CRLF line ends, headers folded at 78, no raw UTF-8 in headers.
POLICY = SMTP
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


def _address(person: Person) -> Address:
    """A header address from a cleaned person (templating.clean_person did the checks)."""
    return Address(display_name=person.name, addr_spec=person.email)


def _message_id(value: str) -> str:
    """`<value>`; ValueError when the stored id could break the header or is not `left@right`."""
    if (
        not value
        or one_line(value) != value
        or any(ch in value for ch in " <>\"\\()[],;:")
        or value.count("@") != 1
        or not value.isascii()
    ):
        raise ValueError(f"ongeldige Message-ID: {value!r}")
    return f"<{value}>"


def _boundaries(version: InviteVersion, ics: bytes) -> tuple[str, str]:
    """Two MIME boundaries that are a pure function of the version and its ics."""
    digest = hashlib.sha256(version.to_json().encode("utf-8") + b"\0" + ics).hexdigest()[:32]
    return f"=_nazorg_mixed_{digest}", f"=_nazorg_alt_{digest}"


def _text_part(body: str, subtype: str) -> MIMEPart:
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


def render_eml(version: InviteVersion, ics: bytes, env: jinja2.Environment) -> bytes:
    """The .eml bytes of the draft for one version, carrying `ics` (from render_ics) twice.

    Subject, text and HTML come from the templates `subject.txt`, `email.txt` and `email.html`
    of `env`. ValueError for a payload that cannot be written safely (see the module docstring).
    """
    ctx = template_context(version)
    method = version.method.upper()
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"onbekende METHOD {version.method!r}")
    utc_stamp(version.dtstamp)  # refuses a naive DTSTAMP, as the ics does
    subject = no_encoded_words(render_line(env, "subject.txt", ctx))
    ctx = {**ctx, "subject": subject}
    text = render_block(env, "email.txt", ctx)
    html = render_block(env, "email.html", ctx)
    mixed_boundary, alt_boundary = _boundaries(version, ics)

    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address(ctx["organizer"])
    msg["To"] = [_address(p) for p in ctx["attendees"]]
    msg["Subject"] = subject
    msg["Date"] = format_datetime(version.dtstamp.astimezone(UTC))
    msg["Message-ID"] = _message_id(version.message_id)
    msg["MIME-Version"] = "1.0"
    msg["X-Unsent"] = "1"
    msg["Content-Type"] = "multipart/mixed"

    alternative = MIMEPart(policy=POLICY)
    alternative["Content-Type"] = "multipart/alternative"
    alternative.attach(_text_part(text, "plain"))
    alternative.attach(_text_part(html, "html"))
    alternative.attach(_calendar_part(ics, method))  # type: ignore[arg-type]
    msg.attach(alternative)
    msg.attach(_attachment_part(ics))
    msg.set_boundary(mixed_boundary)
    alternative.set_boundary(alt_boundary)
    data = msg.as_bytes(policy=POLICY)
    _verify_headers(data, ctx["attendees"])
    return data


def _verify_headers(data: bytes, attendees: tuple[Person, ...]) -> None:
    """Read the generated header block back and refuse anything but the headers written.

    The last line of defence against header injection, whatever a library version does with odd
    input: exactly the expected header names, in order, and exactly the intended recipients.
    """
    head = BytesHeaderParser(policy=email.policy.default).parsebytes(data)
    recipients = [a.addr_spec for a in head["To"].addresses] if head["To"] else []
    if head.keys() != list(HEADERS) or recipients != [p.email for p in attendees]:
        raise ValueError(
            f"concept geweigerd: onverwachte kopregels {head.keys()} of ontvangers {recipients}"
        )
