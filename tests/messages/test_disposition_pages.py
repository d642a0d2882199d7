"""The drafters' disposition pages over HTTP: what is left before the MAG review, one disposition, one for
several identical comments, and the "start MAG review" gate, shown disabled and still refused by the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest
from lxml import html

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web.sessions import COOKIE_NAME
from tests.messages.support import Client, comment, get, mag, message, move, refresh
from tests.support import twofactor
from tests.support.auth import Caller, TokenFactory
from tests.support.web import Site, WebClient, serve
from tests.web.conftest import PASSWORD

SAME = "Please name small operators explicitly."


def doc(answer: httpx.Response, status: int = 200) -> html.HtmlElement:
    assert answer.status_code == status, answer.text[:2000]
    assert answer.headers["content-type"].startswith("text/html")
    return html.fromstring(answer.text)


def texts(document: html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in document.xpath(xpath)]


@pytest.fixture
async def site(settings: Settings, clock: Clock) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def in_synthesis(
    client: Client, tokens: TokenFactory, clock: Clock, secretariat: Caller
) -> tuple[str, list[dict[str, str]]]:
    """A Message whose window has closed, with three comments: two identical (but for spacing and case)."""
    people = [await tokens.user() for _ in range(3)]
    mid = (await message(client, secretariat)).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    made = [
        (await comment(client, people[0], mid, body=SAME)).json(),
        (await comment(client, people[1], mid, body="  please name SMALL operators   explicitly. ")).json(),
        (await comment(client, people[2], mid, body="Cite the ITU figures.", paragraph_id="p2")).json(),
    ]
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat)
    await move(client, secretariat, mid, {"to": "synthesis"})
    return mid, made


async def signed_in_secretariat(
    browser: WebClient, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> Caller:
    person = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)
    assert (await twofactor.sign_in(browser, person.user.email, PASSWORD, secret, clock)).status_code == 303
    return person


async def test_the_gate_is_shown_disabled_and_the_service_still_refuses(
    site: Site, client: Client, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    api = await tokens.user(Role.secretariat)
    await mag(tokens, 3)
    mid, made = await in_synthesis(client, tokens, clock, api)
    await refresh(tokens, api)
    async with site.browser() as browser:
        # Signed out: sign in first, then back here.
        out = await browser.get(f"/en/messages/{mid}/dispositions")
        assert out.status_code == 303 and out.headers["location"].startswith("/signin?next=%2Fen%2Fmessages")
        await signed_in_secretariat(browser, tokens, db, settings, clock)
        page = doc(await browser.get(f"/en/messages/{mid}/dispositions"))
        assert texts(page, "//dd[@id='left-count']") == ["3"]
        assert texts(page, "//ul[@id='start-blockers']/li") == [
            "3 comments still need a disposition before the MAG review can start."
        ]
        assert page.xpath("//form[contains(@action,'/start-review')]//button/@disabled") == ["disabled"]
        # The two identical comments are offered as one group.
        bulk_link = page.xpath("//a[contains(@href,'/dispositions/bulk?')]/@href")
        assert len(bulk_link) == 1 and made[0]["id"] in bulk_link[0] and made[1]["id"] in bulk_link[0]

        # A forced post (the button disabled, the form sent anyway) is refused by the service, in words.
        token = page.xpath("//input[@name='csrf_token']/@value")[0]
        version = page.xpath("//input[@name='version']/@value")[0]
        forced = doc(
            await browser.post(f"/es/messages/{mid}/start-review", {"csrf_token": token, "version": version}),
            409,
        )
        assert texts(forced, "//p[@id='refusal']") == [
            "La revisión del MAG no puede empezar: aún falta la disposición de 3 comentarios."
        ]
        assert (await get(client, mid, api)).json()["state"] == "synthesis", "nothing moved"

        # One comment: problems come back as sentences, the input kept.
        single = f"/en/messages/{mid}/dispositions/{made[2]['id']}"
        form = doc(await browser.get(single))
        comment_version = form.xpath("//input[@name='version']/@value")[0]
        wrong = doc(
            await browser.post(
                single,
                {"csrf_token": token, "version": comment_version, "outcome": "accepted", "rationale": "ok"},
            ),
            422,
        )
        assert texts(wrong, "//div[@class='error-summary']//a") == [
            "Give the reason for this disposition (at least 3 characters).",
            "A comment accepted, even partly, names the version of the text that took it in.",
        ]
        assert wrong.xpath("//select[@name='outcome']/option[@selected]/@value") == ["accepted"]
        done = await browser.post(
            single,
            {
                "csrf_token": token,
                "version": comment_version,
                "outcome": "out_of_scope",
                "rationale": "The figures belong in the report.",
            },
        )
        assert done.status_code == 303 and done.headers["location"].endswith(f"#comment-{made[2]['id']}")
        # The same form sent again, from the page as it was: someone (this person) changed it meanwhile.
        stale = doc(
            await browser.post(
                single,
                {
                    "csrf_token": token,
                    "version": comment_version,
                    "outcome": "not_accepted",
                    "rationale": "Changed my mind.",
                },
            ),
            412,
        )
        assert (
            "Someone changed this comment's disposition" in texts(stale, "//div[@class='error-summary']")[0]
        )
        assert stale.xpath("//textarea[@name='rationale']/text()") == ["Changed my mind."]

        # The identical pair, at once: one ticked comment refused refuses both (nothing half-written).
        bulk = doc(await browser.get(bulk_link[0]))
        ticks = bulk.xpath("//input[@name='comment']/@value")
        assert len(ticks) == 2 and bulk.xpath("//input[@name='comment']/@checked") == ["checked", "checked"]
        body = {"csrf_token": token, "outcome": "accepted", "rationale": "Now named.", "version_number": "1"}
        refused = await post_pairs(
            browser,
            f"/en/messages/{mid}/dispositions/bulk",
            [*body.items(), *(("comment", t) for t in ticks)],
        )
        assert texts(doc(refused, 422), "//div[@class='error-summary']//a") == [
            "Choose a version of the text that came after the one the comment was made on."
        ]
        listed = (await client.get(f"/v1/messages/{mid}/comments", params={"disposed": "false"})).json()
        assert len(listed["items"]) == 2
        body = {"csrf_token": token, "outcome": "not_accepted", "rationale": "Small operators are in p2."}
        sent = await post_pairs(
            browser,
            f"/en/messages/{mid}/dispositions/bulk",
            [*body.items(), *(("comment", t) for t in ticks)],
        )
        assert sent.status_code == 303, sent.text
        outcomes = [
            c["disposition"]["outcome"]
            for c in (await client.get(f"/v1/messages/{mid}/comments")).json()["items"]
        ]
        assert outcomes == ["not_accepted", "not_accepted", "out_of_scope"]

        # Nothing left: the button is enabled, and starting the review opens the ballot.
        page = doc(await browser.get(f"/en/messages/{mid}/dispositions"))
        assert texts(page, "//dd[@id='left-count']") == ["0"]
        assert page.xpath("//form[contains(@action,'/start-review')]//button/@disabled") == []
        version = page.xpath("//input[@name='version']/@value")[0]
        started = await browser.post(
            f"/en/messages/{mid}/start-review", {"csrf_token": token, "version": version}
        )
        assert started.status_code == 303 and started.headers["location"] == f"/en/messages/{mid}/ballot"
        assert (await get(client, mid, api)).json()["state"] == "mag_review"


async def post_pairs(browser: WebClient, path: str, pairs: list[tuple[str, str]]) -> httpx.Response:
    """A form with a repeated field (ticked checkboxes), as a browser sends it."""
    return await browser.http.post(
        path,
        content=urlencode(pairs),
        headers={
            "Cookie": f"{COOKIE_NAME}={browser.cookie}",
            "Origin": browser.origin,
            "Sec-Fetch-Site": "same-origin",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


async def test_only_drafters_see_the_dispositions(
    site: Site, client: Client, tokens: TokenFactory, clock: Clock
) -> None:
    api = await tokens.user(Role.secretariat)
    mid, made = await in_synthesis(client, tokens, clock, api)
    someone = await tokens.user(Role.mag_member, password=PASSWORD)
    async with site.browser() as browser:
        await browser.sign_in(someone.user.email, PASSWORD)
        for path in (
            "dispositions",
            f"dispositions/{made[0]['id']}",
            f"dispositions/bulk?comment={made[0]['id']}",
        ):
            refused = doc(await browser.get(f"/fr/messages/{mid}/{path}"), 403)
            assert "Single" not in refused.text_content()
        token = await browser.token("/signin")
        posted = await browser.post(
            f"/en/messages/{mid}/dispositions/{made[0]['id']}",
            {"csrf_token": token, "outcome": "out_of_scope", "rationale": "Not ours.", "version": "1"},
        )
        assert posted.status_code == 403
        started = await browser.post(f"/en/messages/{mid}/start-review", {"csrf_token": token})
        assert started.status_code == 403
    listed = (await client.get(f"/v1/messages/{mid}/comments", params={"disposed": "true"})).json()
    assert listed["items"] == []
