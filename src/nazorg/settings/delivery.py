"""The `[delivery]` settings: which servers get the emitted versions, and how to log in.

Only pydantic and the standard library are imported here: the settings are read when any
command starts, and the protocol modules (ssl, imaplib, smtplib, http.client) are imported only
by the delivery step itself.

Passwords: from the environment (`NAZORG_DELIVERY__IMAP__PASSWORD`, ...), from a `password_file`
that only its owner can read, or from the configuration file when that file is itself readable by
its owner only. Never from the command line (no option takes one), and never printed: they are
`SecretStr` (shown as `**********`) and error messages are scrubbed of them.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from nazorg.core.errors import ConfigError

TARGETS = ("imap", "smtp", "caldav")
#: Placeholder in the IMAP folder and the CalDAV URL: the mailbox the item is for (the leader of
#: a conversation; the aftercare mailbox for an escalation draft).
OWNER = "{owner}"
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (127.0.0.0/8, ::1 or localhost): the only place where
    an unencrypted connection is allowed (tests, a local relay)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_host(value: str) -> str:
    value = value.strip()
    if not value or any(ch.isspace() for ch in value) or "/" in value:
        raise ValueError("geef een hostnaam of IP-adres, bijvoorbeeld imap.example.org")
    return value


def check_private_file(path: Path, what: str) -> None:
    """Refuse a secret-holding file that another user could read or change (like ssh does).

    Owner: the user nazorg runs as; mode: no permission bits for group or others (chmod 600).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} bestaat niet; controleer het pad") from None
    except OSError as exc:
        raise ConfigError(f"{what} {path} is niet leesbaar ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{what} {path} is geen gewoon bestand")
    if info.st_uid != os.geteuid():
        raise ConfigError(
            f"{what} {path} is niet van de gebruiker die nazorg draait; "
            f"maak die eigenaar (chown) en zet de rechten op 600"
        )
    if info.st_mode & 0o077:
        raise ConfigError(
            f"{what} {path} is leesbaar voor anderen (rechten "
            f"{stat.S_IMODE(info.st_mode):03o}); zet ze op 600 met: chmod 600 {path}"
        )


class Login(BaseModel):
    """What every target shares: the account, its secret and the TLS trust anchors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str | None = Field(default=None, min_length=1, max_length=320)
    password: SecretStr | None = None
    password_file: Path | None = None
    # Extra certificate authorities (PEM) to trust, for a server with an internal CA; the
    # system's trust store is used otherwise. Certificates are always verified.
    ca_file: Path | None = None
    timeout: float = Field(default=30.0, gt=0, le=600)

    @model_validator(mode="after")
    def _one_secret(self) -> Login:
        if self.password is not None and self.password_file is not None:
            raise ValueError("geef password of password_file, niet allebei")
        if (self.password is not None or self.password_file is not None) and not self.username:
            raise ValueError("een wachtwoord zonder username; geef ook username")
        return self

    def secret(self, target: str) -> str | None:
        """The password, read now (a file is read at every delivery, so a rotated password
        needs no restart). ConfigError names the fix when the file is unsafe or unreadable."""
        if self.password is not None:
            return self.password.get_secret_value()
        if self.password_file is None:
            return None
        path = self.password_file.expanduser()
        check_private_file(path, f"delivery.{target}.password_file")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"delivery.{target}.password_file {path} is niet leesbaar: {exc}"
            ) from None
        password = text.rstrip("\r\n")
        if not password:
            raise ConfigError(f"delivery.{target}.password_file {path} is leeg")
        return password


class _Server(Login):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        return _check_host(value)


class ImapTarget(_Server):
    """`[delivery.imap]`: APPEND every draft to a folder, flagged `\\Draft`."""

    security: Literal["tls", "starttls"] = "tls"
    username: str = Field(min_length=1, max_length=320)
    # The drafts folder as the server names it ("Drafts", "Concepten", "INBOX.Drafts"); may hold
    # {owner} to reach each leader's own folder through a shared namespace.
    folder: str = Field(default="Drafts", min_length=1, max_length=500)

    @field_validator("folder")
    @classmethod
    def _folder(cls, value: str) -> str:
        if any(ch in value for ch in '\r\n\0"\\'):
            raise ValueError("een mapnaam zonder aanhalingstekens, backslash of regeleinde")
        return value

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)


class SmtpTarget(_Server):
    """`[delivery.smtp]`: send each invite as an iMIP message, without a person reviewing it."""

    security: Literal["tls", "starttls", "none"] = "starttls"
    # The envelope sender (MAIL FROM); the organizer of the version when not set.
    envelope_from: EmailStr | None = None

    @model_validator(mode="after")
    def _plain_only_locally(self) -> SmtpTarget:
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                'security = "none" mag alleen naar 127.0.0.1; kies "starttls" of "tls"'
            )
        return self

    @property
    def effective_port(self) -> int:
        return self.port or {"tls": 465, "starttls": 587, "none": 25}[self.security]


class CaldavTarget(Login):
    """`[delivery.caldav]`: PUT each invite into a calendar collection, one resource per
    conversation."""

    # The collection, e.g. https://dav.example.org/calendars/nazorg/aftercare/; may hold
    # {owner} for each leader's own calendar.
    url: str
    # On a CANCEL: "mark" keeps the event with STATUS:CANCELLED (visible as cancelled),
    # "delete" removes the resource.
    on_cancel: Literal["mark", "delete"] = "mark"
    # Planning also avoids the leader's busy times in this calendar (free-busy-query).
    free_busy: bool = False

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value.replace(OWNER, "owner"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("geef de URL van de agenda, beginnend met https://")
        if parts.username or parts.password:
            raise ValueError(
                "zet gebruikersnaam en wachtwoord niet in de URL; gebruik username en "
                "password_file (of NAZORG_DELIVERY__CALDAV__PASSWORD)"
            )
        if parts.query or parts.fragment:
            raise ValueError("een agenda-URL zonder ? of #")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError("http:// mag alleen naar 127.0.0.1; gebruik https://")
        if "{" in value.replace(OWNER, "") or "}" in value.replace(OWNER, ""):
            raise ValueError(f"de enige plaatshouder in de URL is {OWNER}")
        return value if value.endswith("/") else value + "/"


class DeliverySettings(BaseModel):
    """Delivery targets; none configured means the outbox folder is the only output."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    imap: ImapTarget | None = None
    smtp: SmtpTarget | None = None
    caldav: CaldavTarget | None = None

    @property
    def targets(self) -> dict[str, Login]:
        """The configured targets by name, in a fixed order."""
        found: dict[str, Login] = {}
        for name in TARGETS:
            target = getattr(self, name)
            if target is not None:
                found[name] = target
        return found


def check_config_file_secrets(values: Mapping[str, Any], path: Path) -> None:
    """A password written in the configuration file is only accepted when that file is as
    private as a password file (owner only); otherwise use password_file or the environment."""
    delivery = values.get("delivery")
    if not isinstance(delivery, Mapping):
        return
    for name in TARGETS:
        section = delivery.get(name)
        if isinstance(section, Mapping) and "password" in section:
            try:
                check_private_file(path, "configuratiebestand")
            except ConfigError as exc:
                raise ConfigError(
                    f"{exc} (het bevat delivery.{name}.password; of gebruik password_file "
                    f"of NAZORG_DELIVERY__{name.upper()}__PASSWORD)"
                ) from None
