"""Logging in through the organisation's OpenID provider (authorization code with PKCE), in a
real browser against a real provider (tests/oidc, the certified `oidc-provider`): roles come
from the groups claim, a leader is matched to their employee record by e-mail address, and
someone without a nazorg group is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from nazorg.settings.web import OidcSettings, WebSettings
from nazorg.store.engine import transaction
from nazorg.store.models import UserAccount
from tests.livesite import serve
from tests.webapp import NOW, TODAY, Site
from tests.webservers import OidcProvider

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def oidc_site(site: Site, oidc_provider: OidcProvider) -> Iterator[str]:
    from nazorg.web.app import create_app

    oidc = OidcSettings(
        issuer=oidc_provider.issuer,
        client_id=oidc_provider.client_id,
        client_secret=oidc_provider.client_secret,
        group_roles={"nazorg-tco": ("staff",), "nazorg-leiding": ("leader",)},
    )
    settings = site.settings.model_copy(update={"web": WebSettings(oidc=oidc)})
    app = create_app(settings, engine=site.engine, clock=lambda: NOW, today=lambda: TODAY)
    yield from serve(app)


def _login(page: Any, url: str, provider: OidcProvider, username: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_role("link", name="Inloggen met het account van de organisatie").click()
    page.wait_for_url(f"{provider.issuer}/**")
    provider.login(page, provider.user(username))


def test_staff_and_a_leader_log_in_through_the_provider(
    oidc_site: str, oidc_provider: OidcProvider, page: Any, site: Site
) -> None:
    _login(page, oidc_site, oidc_provider, "tineke")
    page.wait_for_url(f"{oidc_site}/")
    assert "tineke@politie.example" in page.inner_text("header")
    assert page.get_by_role("link", name="Incidenten", exact=True).count() == 1
    page.context.clear_cookies()

    _login(page, oidc_site, oidc_provider, "lars")
    page.wait_for_url(f"{oidc_site}/")
    page.goto(f"{oidc_site}/gesprekken/{site.e1_checkin}")  # L1 holds E1's conversations
    assert "Eva Eerste" in page.inner_text("h1")
    page.goto(f"{oidc_site}/gesprekken/{site.e3_checkin}")
    assert "Niet gevonden" in page.inner_text("h1")
    with transaction(site.engine) as session:
        accounts = {
            a.username: (a.roles, a.employee_number, a.source, a.password_hash)
            for a in session.exec(select(UserAccount).where(UserAccount.source == "oidc")).all()
        }
    assert accounts == {
        "tineke@politie.example": ("staff", "T1", "oidc", None),
        "lars@politie.example": ("leader", "L1", "oidc", None),
    }


def test_someone_without_a_nazorg_group_is_refused(
    oidc_site: str, oidc_provider: OidcProvider, page: Any
) -> None:
    _login(page, oidc_site, oidc_provider, "gast")
    page.wait_for_url(f"{oidc_site}/auth/callback**")
    assert "geen toegang: uw account heeft geen rol in nazorg" in page.inner_text("main")
    page.goto(f"{oidc_site}/")
    assert page.url.startswith(f"{oidc_site}/login")
