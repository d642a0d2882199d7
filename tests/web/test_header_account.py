"""Every page's header says who is signed in (components/header_account.html): their name, a link to their
account and a sign-out form carrying the session's CSRF token; or, for everyone else, a "Sign in" link that
leads back to the page they were reading, and only ever to a page of this site."""

from __future__ import annotations

import html
import re

import pytest

from tests.support.auth import TokenFactory
from tests.support.web import Site
from tests.web.conftest import PASSWORD

SIGN_IN_LINK = re.compile(r'<div class="header-account">\s*<a href="([^"]*)">([^<]*)</a>')


def _header(page: str) -> str:
    return page.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]


async def test_a_visitor_sees_a_sign_in_link_back_to_the_page(site: Site, tokens: TokenFactory) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        page = await browser.get("/fr/nris?q=forum")
        assert page.status_code == 200
        header = _header(page.text)
        match = SIGN_IN_LINK.search(header)
        assert match, header
        href, label = html.unescape(match.group(1)), match.group(2)
        assert label == "Se connecter"
        assert href == "/fr/signin?next=%2Ffr%2Fnris%3Fq%3Dforum"
        assert "Signed in as" not in header and 'action="/fr/signout"' not in header
        form = await browser.get(href)
        assert 'name="next" value="/fr/nris?q=forum"' in form.text
        answer = await browser.sign_in(person.user.email, PASSWORD, next_path="/fr/nris?q=forum")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/fr/nris?q=forum"


async def test_the_sign_in_page_links_to_itself_without_a_way_back(site: Site) -> None:
    async with site.browser() as browser:
        header = _header((await browser.get("/en/signin")).text)
        match = SIGN_IN_LINK.search(header)
        assert match and match.group(1) == "/en/signin"


async def test_a_signed_in_person_sees_their_name_account_and_sign_out(
    site: Site, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        await browser.sign_in(person.user.email, PASSWORD)
        page = await browser.get("/en/nris")
        header = _header(page.text)
        assert f"Signed in as {person.user.email}" in header
        assert '<a href="/en/account">Account</a>' in header
        assert 'action="/en/signout"' in header
        assert not SIGN_IN_LINK.search(header)
        token = re.search(r'name="csrf_token" value="([^"]+)"', header)
        assert token
        assert page.headers["cache-control"] == "no-store"  # one person's header is never cached for another
        # The header's form is a working sign-out (the session's own token), and the next page says so.
        out = await browser.post("/en/signout", {"csrf_token": token.group(1)})
        assert out.status_code == 303
        after = _header((await browser.get("/en/nris")).text)
        assert "Signed in as" not in after and SIGN_IN_LINK.search(after)


async def test_the_header_speaks_arabic(site: Site, tokens: TokenFactory) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        await browser.sign_in(person.user.email, PASSWORD)
        header = _header((await browser.get("/ar/nris")).text)
        assert 'href="/ar/account"' in header and 'action="/ar/signout"' in header
        assert "Signed in as" not in header  # translated


@pytest.mark.parametrize(
    "crafted",
    ["//attacker.example/", "https://attacker.example/", "/\\attacker.example", "/\r\nSet-Cookie: x=y"],
)
async def test_a_crafted_sign_in_link_never_leads_to_another_site(
    site: Site, tokens: TokenFactory, crafted: str
) -> None:
    """An open-redirect attempt: someone sends a sign-in link whose ``next`` is another site."""
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        form = await browser.get("/en/signin", params={"next": crafted})
        assert 'name="next"' not in form.text
        header = SIGN_IN_LINK.search(_header(form.text))
        assert header and header.group(1) == "/en/signin"
        answer = await browser.sign_in(person.user.email, PASSWORD, next_path=crafted)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/en/account"
