"""The `[web]` settings: where the web application is reached, its sessions, and logging in
through the organisation's OpenID provider.

Only pydantic and the standard library here: the settings are read when any command starts.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from nazorg.core.access import ROLES
from nazorg.settings.delivery import check_private_file


def _check_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"geef {what} als volledige URL, beginnend met https://")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f"{what} zonder gebruikersnaam, wachtwoord, ? of #")
    return value.rstrip("/")


class OidcSettings(BaseModel):
    """`[web.oidc]`: authorization code with PKCE against the organisation's identity provider.

    Roles come from a claim of the ID token (`roles_claim`, a list of group names) through
    `group_roles` (group name -> nazorg roles); a leader is matched to their employee record by
    the `email` claim. Someone whose groups give no role is refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str
    client_id: str = Field(min_length=1, max_length=200)
    client_secret: SecretStr | None = None
    client_secret_file: Path | None = None
    scopes: str = "openid email profile groups"
    roles_claim: str = "groups"
    group_roles: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # A button label on the login page, e.g. "Inloggen met je politie-account".
    label: str = "Inloggen met het account van de organisatie"

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        return _check_url(value, "de issuer")

    @field_validator("group_roles")
    @classmethod
    def _roles(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for group, roles in value.items():
            for role in roles:
                if role not in ROLES:
                    raise ValueError(f"groep {group}: onbekende rol '{role}'; kies uit {ROLES}")
        return value

    @model_validator(mode="after")
    def _one_secret(self) -> OidcSettings:
        if self.client_secret is not None and self.client_secret_file is not None:
            raise ValueError("geef client_secret of client_secret_file, niet allebei")
        return self

    def secret(self) -> str | None:
        """The client secret, read now (a file must be readable by its owner only)."""
        if self.client_secret is not None:
            return self.client_secret.get_secret_value()
        if self.client_secret_file is None:
            return None
        check_private_file(self.client_secret_file, "web.oidc.client_secret_file")
        return self.client_secret_file.read_text(encoding="utf-8").strip() or None


class WebSettings(BaseModel):
    """`[web]`: the address people reach nazorg on, and its sessions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The public address (e.g. https://nazorg.politie.example); invites and drafts link to a
    # conversation's page under it. Not set: no links.
    url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Signs the session cookie; without it, a key is made once and kept in the database, so that
    # every worker and node shares it.
    secret_key: SecretStr | None = None
    local_accounts: bool = True  # the username/password form next to (or instead of) OpenID
    oidc: OidcSettings | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_url(value, "web.url") if value else None

    @property
    def secure_cookies(self) -> bool:
        """Cookies are `Secure` when nazorg is reached over https."""
        return bool(self.url and self.url.startswith("https://"))
