"""The MAG's pages over HTTP: a member's queue, the ballot page (version and hash, dispositions, the member's
position and its refusals, the live tally from ballot_rule), and the Chair's / Secretariat's decisions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.support import BODY, Client, get, if_match, message, position, refresh, to_review
from tests.messages.test_disposition_pages import doc, signed_in_secretariat, texts
from tests.support.auth import TokenFactory
from tests.support.web import Site, serve
from tests.web.conftest import PASSWORD


@pytest.fixture
async def site(settings: Settings, clock: Clock) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def test_a_member_takes_and_changes_a_position_and_the_secretariat_decides(
    site: Site, client: Client, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    api = await tokens.user(Role.secretariat)
    members = [await tokens.user(Role.mag_member, password=PASSWORD) for _ in range(5)]
    outsider = await tokens.user(password=PASSWORD)
    mid = (await message(client, api)).json()["id"]
    await to_review(client, tokens, clock, settings, api, mid, with_comment=True)
    await refresh(tokens, *members)
    ballot_api = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    page_path = f"/en/messages/{mid}/ballot"

    async with site.browser() as browser:
        await browser.sign_in(members[0].user.email, PASSWORD)
        queue = doc(await browser.get("/en/messages/ballots"))
        assert texts(queue, "//section[@aria-labelledby='waiting-title']//h3") == ["Connect the next billion"]
        assert "Closes" in texts(queue, "//section[@aria-labelledby='waiting-title']//p[@class='meta']")[0]

        page = doc(await browser.get(page_path))
        assert texts(page, "//code[@id='ballot-hash']") == [ballot_api["content_sha256"]]
        assert texts(page, "//dd[@id='ballot-version']") == [str(ballot_api["version_number"])]
        assert "1 comment was received." in page.text_content()
        assert "This is the first ballot on this Message." in page.text_content()
        token = page.xpath("//input[@name='csrf_token']/@value")[0]

        # A concern needs its reason; a member with no roster seat declares their group once.
        refused = doc(
            await browser.post(
                f"/en/messages/{mid}/ballot/position",
                {"csrf_token": token, "position": "concern", "text": ""},
            ),
            422,
        )
        assert texts(refused, "//div[@class='error-summary']//a") == [
            "Say what your concern is: a concern needs its reason.",
            "Choose your MAG stakeholder group.",
        ]
        assert refused.xpath("//select[@name='position']/option[@selected]/@value") == ["concern"]
        concern = {
            "csrf_token": token,
            "position": "concern",
            "text": "Paragraph 3 overreaches.",
            "stakeholder_group": "government",
        }
        taken = await browser.post(f"/en/messages/{mid}/ballot/position", concern)
        assert taken.status_code == 303 and taken.headers["location"].endswith("?saved=1#my-position")
        page = doc(await browser.get(page_path))
        assert texts(page, "//p[@id='my-current-position']") == [
            "Your position now: Concern. Paragraph 3 overreaches."
        ]
        assert "still needed" in texts(page, "//li[@id='requirement-no_open_concern']")[0]
        revision = page.xpath("//input[@name='revision']/@value")[0]

        # Changed (the concern withdrawn); the same form sent again is stale, and says so.
        change = {"csrf_token": token, "position": "yes", "text": "", "revision": revision}
        assert (await browser.post(f"/en/messages/{mid}/ballot/position", change)).status_code == 303
        stale = doc(await browser.post(f"/es/messages/{mid}/ballot/position", change), 409)
        assert "Su posición cambió" in texts(stale, "//div[@class='error-summary']")[0]
        queue = doc(await browser.get("/en/messages/ballots"))
        assert texts(queue, "//section[@aria-labelledby='taken-title']//h3") == ["Connect the next billion"]

    # Someone outside the roll is refused by the service, in words.
    async with site.browser() as browser:
        await browser.sign_in(outsider.user.email, PASSWORD)
        token = await browser.token(page_path)
        assert doc(await browser.get(page_path)).xpath("//form[contains(@action,'/ballot/position')]") == []
        forced = doc(
            await browser.post(
                f"/en/messages/{mid}/ballot/position",
                {"csrf_token": token, "position": "yes", "stakeholder_group": "government"},
            ),
            403,
        )
        assert "You were not a MAG member when this ballot opened" in forced.text_content()

    # The tally's numbers are ballot_rule's: 1 yes of 5, 4 supporting needed from 3 groups.
    async with site.browser() as browser:
        await signed_in_secretariat(browser, tokens, db, settings, clock)
        page = doc(await browser.get(page_path))
        assert "1 of 4" in texts(page, "//li[@id='requirement-supermajority']")[0]
        assert "3 more supporting positions" in texts(page, "//li[@id='requirement-supermajority']")[0]
        assert "1 of 3" in texts(page, "//li[@id='requirement-stakeholder_groups']")[0]
        approve = "//form[.//input[@name='action'][@value='approve']]//button"
        assert page.xpath(approve + "/@disabled") == ["disabled"]
        token = page.xpath("//input[@name='csrf_token']/@value")[0]
        version = page.xpath("//form[.//input[@value='approve']]//input[@name='version']/@value")[0]
        forced = doc(
            await browser.post(
                f"/en/messages/{mid}/ballot/decision",
                {"csrf_token": token, "action": "approve", "version": version},
            ),
            409,
        )
        assert texts(forced, "//p[@id='decision-refusal']") == [
            "The Message cannot be approved: the ballot on its current version has not passed."
        ]
        assert (await get(client, mid, api)).json()["state"] == "mag_review"

        await refresh(tokens, *members)
        await position(client, members[1], mid, "yes", group="civil_society")
        await position(client, members[2], mid, "no_objection", group="private_sector")
        await position(client, members[3], mid, "recuse", group="technical_community", text="I co-wrote it.")
        await position(client, members[4], mid, "abstain", group="civil_society")
        # 4 eligible after the recusal: 3 supporting needed, from 3 groups; it passes.
        page = doc(await browser.get(page_path))
        assert texts(page, "//p[@id='tally-verdict']") == [
            "The ballot passes: every requirement below is met."
        ]
        assert "3 of 3" in texts(page, "//li[@id='requirement-supermajority']")[0]
        assert page.xpath(approve + "/@disabled") == []
        version = page.xpath("//form[.//input[@value='approve']]//input[@name='version']/@value")[0]
        approved = await browser.post(
            f"/en/messages/{mid}/ballot/decision",
            {"csrf_token": token, "action": "approve", "version": version},
        )
        assert approved.status_code == 303 and approved.headers["location"] == page_path
        page = doc(await browser.get(page_path))
        assert "It closed because the Message was approved." in texts(page, "//p[@id='ballot-closed']")[0]
        version = page.xpath("//form[.//input[@value='publish']]//input[@name='version']/@value")[0]
        published = await browser.post(
            f"/en/messages/{mid}/ballot/decision",
            {"csrf_token": token, "action": "publish", "version": version},
        )
        assert published.status_code == 303 and published.headers["location"] == f"/en/messages/{mid}"
        assert (await get(client, mid, api)).json()["state"] == "published"

    # Closed: a position can no longer be changed.
    async with site.browser() as browser:
        await browser.sign_in(members[0].user.email, PASSWORD)
        page = doc(await browser.get(page_path))
        assert page.xpath("//form[contains(@action,'/ballot/position')]") == []
        token = page.xpath("//input[@name='csrf_token']/@value")
        token = token[0] if token else await browser.token("/signin")
        late = doc(
            await browser.post(
                f"/en/messages/{mid}/ballot/position",
                {"csrf_token": token, "position": "abstain", "revision": "3"},
            ),
            409,
        )
        assert "The ballot is closed: positions can no longer be taken or changed." in late.text_content()


async def test_a_chairs_send_back_needs_a_reason_and_members_only_see_their_queue(
    site: Site, client: Client, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    api = await tokens.user(Role.secretariat)
    member = await tokens.user(Role.mag_member, password=PASSWORD)
    mid = (await message(client, api)).json()["id"]
    await to_review(client, tokens, clock, settings, api, mid)
    async with site.browser() as browser:
        await browser.sign_in(member.user.email, PASSWORD)
        page = doc(await browser.get(f"/en/messages/{mid}/ballot"))
        assert page.xpath("//section[@id='decision']") == [], "a member does not decide"
        token = page.xpath("//input[@name='csrf_token']/@value")[0]
        forced = await browser.post(
            f"/en/messages/{mid}/ballot/decision",
            {"csrf_token": token, "action": "send_back", "reason": "No."},
        )
        assert forced.status_code == 403
    async with site.browser() as browser:
        await signed_in_secretariat(browser, tokens, db, settings, clock)
        queue = doc(await browser.get("/en/messages/ballots"))
        assert queue.xpath("//section//h3") == [], "the Secretariat is on no ballot's roll"
        token = await browser.token(f"/en/messages/{mid}/ballot")
        empty = doc(
            await browser.post(
                f"/fr/messages/{mid}/ballot/decision",
                {"csrf_token": token, "action": "send_back", "reason": ""},
            ),
            422,
        )
        assert texts(empty, "//p[@id='decision-refusal']") == [
            "Dites pourquoi le Message retourne à la rédaction (3 à 5 000 caractères)."
        ]
        back = await browser.post(
            f"/en/messages/{mid}/ballot/decision",
            {"csrf_token": token, "action": "send_back", "reason": "Paragraph 2 needs sources."},
        )
        assert back.status_code == 303
        assert (await get(client, mid, api)).json()["state"] == "draft"


async def test_a_new_ballot_shows_what_changed_since_the_previous_one(
    site: Site, client: Client, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    api = await tokens.user(Role.secretariat)
    await tokens.user(Role.mag_member)
    mid = (await message(client, api)).json()["id"]
    await to_review(client, tokens, clock, settings, api, mid)
    await refresh(tokens, api)
    first = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    # A new text in MAG review closes the ballot on the old one.
    current = await get(client, mid, api)
    saved = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"title": "Connect the next billion", "body": BODY.replace("local content", "local languages")},
        headers=if_match(current, api),
    )
    assert saved.status_code == 201, saved.text
    async with site.browser() as browser:
        await signed_in_secretariat(browser, tokens, db, settings, clock)
        page = doc(await browser.get(f"/en/messages/{mid}/ballot"))
        assert (
            "It closed because a new version of the text replaced the one under ballot."
            in texts(page, "//p[@id='ballot-closed']")[0]
        )
        assert page.xpath("//form[.//input[@value='approve']]") == [], "nothing to approve on the old text"
        token = page.xpath("//input[@name='csrf_token']/@value")[0]
        version = page.xpath("//form[.//input[@value='open_ballot']]//input[@name='version']/@value")[0]
        opened = await browser.post(
            f"/en/messages/{mid}/ballot/decision",
            {"csrf_token": token, "action": "open_ballot", "version": version},
        )
        assert opened.status_code == 303
        page = doc(await browser.get(f"/en/messages/{mid}/ballot"))
        second = (await client.get(f"/v1/messages/{mid}/ballot")).json()
        assert second["number"] == 2 and second["version_number"] == first["version_number"] + 1
        assert texts(page, "//code[@id='ballot-hash']") == [second["content_sha256"]]
        assert (
            f"Ballot 1 was on version {first['version_number']}; this one is on version {second['version_number']}."
            in page.text_content()
        )
        assert texts(page, "//ol[@class='diff']//ins") == ["languages."]
        assert texts(page, "//ol[@class='diff']//del") == ["content."]
