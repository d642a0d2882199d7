"""Issue 18, who hears what (security): a sign-in from a device the person has not used lately is a security
notice to them — the browser's User-Agent with its network (IPv4 /24, IPv6 /48), as a fingerprint. It goes at
once, in their language, by e-mail from a real SMTP server on 127.0.0.1 and in their inbox, cannot be turned off,
and tells no one else."""

from __future__ import annotations

import asyncpg
import httpx
import msgspec
import pytest

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people import device_notices, notices
from tests.support.auth import TokenFactory
from tests.support.notices import deliver, inbox, set_language
from tests.support.smtp import SmtpServer
from tests.support.web import Site, WebClient
from tests.web.conftest import PASSWORD

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
KIND = device_notices.NEW_DEVICE_SIGN_IN.name


async def _sign_in(site: Site, email: str, user_agent: str) -> None:
    http = httpx.AsyncClient(base_url=site.url, timeout=60, headers={"User-Agent": user_agent})
    async with WebClient(http, site.url) as browser:
        answer = await browser.post(
            "/signin", {"csrf_token": await browser.token(), "email": email, "password": PASSWORD}
        )
        assert answer.status_code == 303, answer.text


def test_a_device_is_its_browser_and_network() -> None:
    assert device_notices.network_of("203.0.113.77") == "203.0.113.0/24"
    assert device_notices.network_of("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    same = device_notices.fingerprint(FIREFOX, "203.0.113.5")
    assert same == device_notices.fingerprint(FIREFOX, "203.0.113.200")  # the same network
    assert same != device_notices.fingerprint(FIREFOX, "198.51.100.5")
    assert same != device_notices.fingerprint(PHONE, "203.0.113.5")


async def test_a_sign_in_from_an_unknown_device_tells_the_person_only(
    site: Site,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
    smtp: SmtpServer,
) -> None:
    person = await tokens.user(password=PASSWORD)
    other = await tokens.user(password=PASSWORD)
    await set_language(db, person.id, "fr")
    mail_settings = msgspec.structs.replace(settings, mail=smtp.settings())

    await _sign_in(site, person.user.email, FIREFOX)  # the first device: nothing to compare it with
    await _sign_in(site, person.user.email, FIREFOX)  # the same device again
    await _sign_in(site, other.user.email, FIREFOX)
    await _sign_in(site, other.user.email, FIREFOX)
    await deliver(db, mail_settings, clock)
    assert smtp.to(person.user.email) == [] and await inbox(db, person.id) == []

    await _sign_in(site, person.user.email, PHONE)  # a device this person has not used
    await deliver(db, mail_settings, clock)
    (told,) = smtp.to(person.user.email)
    assert told.subject == "Nouvelle connexion à votre compte IGF Hub"
    assert f"Navigateur : {PHONE}" in told.text and "Réseau : 127.0.0.0/24" in told.text
    assert told.message["List-Unsubscribe"] is None  # a security notice: no way to turn it off
    [(kind, params)] = await inbox(db, person.id)
    assert kind == KIND and params["device"] == PHONE
    assert "127.0.0.1" not in str(params)  # the network is told and kept, never the address

    # Known from now on; and the other person, who used only a known device, was never told.
    await _sign_in(site, person.user.email, PHONE)
    await deliver(db, mail_settings, clock)
    assert len(smtp.to(person.user.email)) == 1
    assert smtp.to(other.user.email) == [] and await inbox(db, other.id) == []
    async with db.acquire() as conn:
        with pytest.raises(ValueError, match="security notice"):
            await notices.set_delivery(conn, person.id, KIND, "off", clock.now())
