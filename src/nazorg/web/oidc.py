"""OpenID Connect: authorization code with PKCE (S256) against the organisation's identity
provider, with Authlib. Roles come from the configured claim (`web.oidc.roles_claim`, a list of
group names) through `web.oidc.group_roles`; a leader is matched to their employee record by the
`email` claim (`nazorg.services.users.sign_in_oidc` has the rules)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from nazorg.services import users
from nazorg.web.context import web


def client(request: Request) -> Any:
    """The Authlib client of this app (registered once, from the settings)."""
    ctx = web(request)
    existing = ctx.extra.get("oidc")
    if existing is not None:
        return existing
    from authlib.integrations.starlette_client import OAuth

    config = ctx.settings.web.oidc
    assert config is not None, "OpenID is not configured"
    oauth = OAuth()
    oauth.register(
        name="nazorg",
        server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
        client_id=config.client_id,
        client_secret=config.secret(),
        client_kwargs={"scope": config.scopes, "code_challenge_method": "S256"},
    )
    registered = oauth.create_client("nazorg")
    ctx.extra["oidc"] = registered
    return registered


def sign_in(request: Request, claims: dict[str, Any]) -> users.Login:
    """The account for verified ID-token claims, made or updated in one transaction."""
    ctx = web(request)
    config = ctx.settings.web.oidc
    assert config is not None
    groups = claims.get(config.roles_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    with ctx.transaction() as session:
        return users.sign_in_oidc(
            session,
            subject=str(claims.get("sub", "")),
            email=str(claims.get("email") or ""),
            groups=[str(g) for g in groups],
            group_roles=config.group_roles,
            now=ctx.now(),
        )
