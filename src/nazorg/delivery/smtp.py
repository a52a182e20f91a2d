"""SMTP: send each invite as an iMIP message (RFC 6047) to its attendees, without review.

- An invite goes out as a message written for its recipients (`Item.message`: from the
  aftercare mailbox, without the draft's note for the leader and without a signature in the
  leader's name), around the same .ics as the outbox's draft; smtplib sends bytes as they are
  (CRLF, dot-stuffing only). Without one (an escalation), the outbox's draft goes with its
  `X-Unsent: 1` line removed (that header tells a mail program to open the file as an unsent
  draft, which a received message is not).
- Envelope: MAIL FROM the version's organizer (or `envelope_from`), RCPT TO its attendees.
- TLS from the first byte (465), STARTTLS (587), or, only to 127.0.0.1 (a local relay),
  none. A password is never sent without TLS.
- Refusals: smtplib resets the session after a refused sender, all recipients refused or
  refused data, so the next message starts clean.
- Some recipients refused, others accepted: the message went out, so the version counts as
  delivered (sending again would reach the others twice) and the refusal is kept as a note.
- The one window in which a message can go out twice: the server accepted the data but the
  connection broke (or the process died) before its answer was read or recorded. SMTP cannot
  tell whether it was queued, and the attempt is retried; receiving calendar programs then see
  the same UID and SEQUENCE twice and keep one event.
"""

from __future__ import annotations

import smtplib

from nazorg.delivery.base import (
    DeliveryError,
    Item,
    Outcome,
    describe_network_error,
    tls_context,
)
from nazorg.settings.delivery import SmtpTarget

_NETWORK_ERRORS = (OSError, EOFError, smtplib.SMTPServerDisconnected)


def without_unsent_header(eml: bytes) -> bytes:
    """The draft as a message to send: the top-level `X-Unsent: 1` line removed."""
    head, sep, body = eml.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if line.lower() != b"x-unsent: 1"]
    return b"\r\n".join(lines) + sep + body


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


class SmtpClient:
    def __init__(self, config: SmtpTarget, password: str | None) -> None:
        self.config = config
        self.password = password
        self.server = f"SMTP-server {config.host}:{config.effective_port}"
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            conn: smtplib.SMTP
            if config.security == "tls":
                conn = smtplib.SMTP_SSL(
                    config.host,
                    config.effective_port,
                    timeout=config.timeout,
                    context=tls_context(config.ca_file, "smtp"),
                )
            else:
                conn = smtplib.SMTP(config.host, config.effective_port, timeout=config.timeout)
            conn.ehlo()
            if config.security == "starttls":
                if not conn.has_extn("starttls"):
                    conn.close()
                    raise DeliveryError(
                        f'{self.server} biedt geen STARTTLS; kies security = "tls" (poort 465)',
                        connection=True,
                    )
                conn.starttls(context=tls_context(config.ca_file, "smtp"))
                conn.ehlo()
        except DeliveryError:
            raise
        except (*_NETWORK_ERRORS, smtplib.SMTPException) as exc:
            raise DeliveryError(describe_network_error(exc, self.server), connection=True) from None
        if config.username:
            try:
                conn.login(config.username, self.password or "")
            except smtplib.SMTPAuthenticationError as exc:
                conn.close()
                raise DeliveryError(
                    f"aanmelding als {config.username} geweigerd door {self.server} "
                    f"({_reply(exc.smtp_code, exc.smtp_error)}); controleer username en het "
                    "wachtwoord",
                    connection=True,
                ) from None
            except smtplib.SMTPNotSupportedError:
                conn.close()
                raise DeliveryError(
                    f"{self.server} biedt geen aanmelding (AUTH) aan; laat username weg of "
                    "kies een server die aanmelden ondersteunt",
                    connection=True,
                ) from None
            except (*_NETWORK_ERRORS, smtplib.SMTPException) as exc:
                raise DeliveryError(
                    describe_network_error(exc, self.server), connection=True
                ) from None
        return conn

    def deliver(self, item: Item) -> Outcome:
        if self._conn is None:
            self._conn = self._connect()
        sender = str(self.config.envelope_from or item.sender)
        try:
            refused = self._conn.sendmail(
                sender,
                list(item.recipients),
                item.message if item.message is not None else without_unsent_header(item.eml),
            )
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = "; ".join(
                f"{address}: {_reply(code, text)}"
                for address, (code, text) in exc.recipients.items()
            )
            raise DeliveryError(f"{self.server} weigert alle ontvangers ({reasons})") from None
        except smtplib.SMTPSenderRefused as exc:
            raise DeliveryError(
                f"{self.server} weigert afzender {sender} ({_reply(exc.smtp_code, exc.smtp_error)})"
                "; stel delivery.smtp.envelope_from in op een adres dat mag versturen"
            ) from None
        except smtplib.SMTPDataError as exc:
            raise DeliveryError(
                f"{self.server} weigert het bericht ({_reply(exc.smtp_code, exc.smtp_error)})"
            ) from None
        except (*_NETWORK_ERRORS, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError(describe_network_error(exc, self.server)) from None
        if not refused:
            return Outcome()
        return Outcome(
            note="verstuurd, maar geweigerd: "
            + "; ".join(
                f"{address}: {_reply(code, text)}" for address, (code, text) in refused.items()
            )
        )

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (*_NETWORK_ERRORS, smtplib.SMTPException):
            conn.close()
