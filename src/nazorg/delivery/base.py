"""What the three protocol clients share: the item to deliver, the error they raise, TLS."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from nazorg.core.errors import ConfigError


class DeliveryError(Exception):
    """One attempt failed; the message (Dutch, no credentials) is stored and shown.

    `connection`: the server cannot be used at all (down, TLS or login refused), so the other
    items of this target are not tried in this run. `permanent`: trying again cannot help (the
    file is gone), so only `nazorg deliver --retry` tries again.
    """

    def __init__(self, message: str, *, connection: bool = False, permanent: bool = False):
        super().__init__(message)
        self.connection = connection
        self.permanent = permanent


@dataclass(frozen=True)
class Item:
    """One version for one target, as read from the outbox and the emission's payload."""

    delivery_id: int
    method: str  # REQUEST, CANCEL, ESCALATION, DECLINECOUNTER
    uid: str
    sequence: int
    message_id: str  # without angle brackets
    dtstamp: datetime
    sender: str  # the organizer's address
    recipients: tuple[str, ...]
    destination: str  # folder, recipients or resource URL, under the current settings
    eml: bytes
    ics: bytes | None  # None for an escalation draft
    first_attempt: bool  # False: an earlier attempt may have reached the server
    #: The message to send directly (SMTP), written for the recipients; None: not rendered
    message: bytes | None = None


@dataclass(frozen=True)
class Outcome:
    """A successful delivery: what the server called it, and anything worth noting."""

    remote_id: str | None = None
    note: str | None = None


class Client(Protocol):
    """A connection to one target, opened on the first delivery and reused for the next."""

    def deliver(self, item: Item) -> Outcome:
        """Deliver one item, or raise DeliveryError."""
        ...

    def close(self) -> None: ...


def tls_context(ca_file: Path | None, target: str) -> ssl.SSLContext:
    """A client context that verifies the server's certificate and name (TLS 1.2 or newer),
    trusting the system's authorities plus `ca_file` when given."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(ca_file.expanduser()))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"delivery.{target}.ca_file {ca_file} is geen leesbaar PEM-bestand met "
                f"certificaten ({getattr(exc, 'strerror', None) or exc})"
            ) from None
    return context


def describe_network_error(exc: BaseException, server: str) -> str:
    """A short Dutch description of a connection problem, naming the server."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS-certificaat van {server} niet vertrouwd ({exc.verify_message}); "
            "controleer de hostnaam of geef ca_file"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS-fout met {server}: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return f"{server} weigert de verbinding (draait de server, klopt de poort?)"
    if isinstance(exc, TimeoutError):
        return f"{server} antwoordt niet op tijd"
    if isinstance(exc, ConnectionError | EOFError):
        return f"verbinding met {server} verbroken ({type(exc).__name__})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{server} niet bereikbaar: {exc.strerror}"
    text = str(exc).strip() or type(exc).__name__
    return f"{server}: {text}"


def scrub(message: str, secrets: tuple[str | None, ...]) -> str:
    """`message` with every secret replaced, so a server that echoes a password (or an
    exception that holds one) can never put it in the database or on the screen."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return " ".join(message.split())
