"""Issue 18, "Follow anything public from its page": the Follow / Unfollow form of a Message, a theme, the
Messages of a year, a track and an NRI (a CSRF-checked post that works without JavaScript), "Sign in to follow"
for signed-out readers, and the person's list at /account/following (people/follows.py)."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import asyncpg
import httpx
from icalendar import Calendar
from lxml import html

from igf_hub.demo.loader import DemoReport
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory
from tests.support.web import Site
from tests.web.conftest import PASSWORD


def follow_form(page: httpx.Response) -> tuple[str, dict[str, str]]:
    """The page's Follow / Unfollow form: where it posts, and its fields."""
    assert page.status_code == 200, page.text
    forms = [f for f in html.fromstring(page.text).forms if f.action and "/account/following" in f.action]
    assert len(forms) == 1, page.text
    return forms[0].action, {name: str(value) for name, value in forms[0].form_values()}


async def subjects(db: asyncpg.Pool) -> dict[str, tuple[str, str]]:
    """A page of each followable kind in the demonstration data: (page path, the name it shows)."""
    message = await db.fetchrow(
        "SELECT m.id, m.year, m.theme, v.title FROM messages m JOIN message_versions v ON v.message_id = m.id "
        "AND v.number = m.current_version_number AND v.language = m.source_language "
        "WHERE m.state = 'public_comment' ORDER BY v.title LIMIT 1"
    )
    track = await db.fetchrow("SELECT slug, name FROM tracks ORDER BY slug LIMIT 1")
    nri = await db.fetchrow("SELECT id, name FROM nris WHERE recognised_at IS NOT NULL ORDER BY name LIMIT 1")
    assert message and track and nri
    return {
        "message": (f"/en/messages/{message['id']}", message["title"]),
        "theme": ("/en/messages?" + urlencode({"theme": message["theme"]}), message["theme"]),
        "messages_of_year": (f"/en/messages?year={message['year']}", str(message["year"])),
        "track": (f"/en/tracks/{track['slug']}", track["name"]),
        "nri": (f"/en/nris/{nri['id']}", nri["name"]),
    }


async def test_a_signed_out_reader_is_offered_to_sign_in_and_comes_back(
    site: Site, demo: DemoReport, db: asyncpg.Pool
) -> None:
    async with site.browser() as browser:
        for path, _ in (await subjects(db)).values():
            page = await browser.get(path)
            assert page.status_code == 200
            links = html.fromstring(page.text).xpath("//a[normalize-space()='Sign in to follow']/@href")
            assert len(links) == 1, path
            target = urlsplit(links[0])
            assert target.path == "/en/signin" and parse_qs(target.query)["next"] == [path]
        # A post without a session is sent to sign in (the CSRF check refuses it first without a token).
        refused = await browser.post("/en/account/following", {"kind": "track", "key": "x"})
        assert refused.status_code == 403
        assert (await browser.get("/en/account/following")).status_code == 303


async def test_a_person_follows_each_kind_from_its_page_and_unfollows_from_the_list(
    site: Site, demo: DemoReport, db: asyncpg.Pool, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    found = await subjects(db)
    async with site.browser() as browser:
        await browser.sign_in(person.user.email, PASSWORD)
        for kind, (path, _name) in found.items():
            action, fields = follow_form(await browser.get(path))
            assert action.endswith("/en/account/following") and fields["kind"] == kind
            followed = await browser.post(action, fields)
            assert followed.status_code == 303 and followed.headers["location"] == path, followed.text
            # Back on the page, the form now unfollows; following twice changes nothing.
            action, _ = follow_form(await browser.get(path))
            assert action.endswith("/en/account/following/remove")
            assert (await browser.post("/en/account/following", fields)).status_code == 303

        listing = await browser.get("/en/account/following")
        assert listing.status_code == 200 and listing.headers["cache-control"] == "no-store"
        tree = html.fromstring(listing.text)
        links = {a.text_content().strip(): a.get("href") for a in tree.xpath("//table//td/a")}
        assert links == {name: path for path, name in found.values()}
        rows = await db.fetch("SELECT subject_kind FROM follows WHERE user_id = $1", person.id)
        assert sorted(r["subject_kind"] for r in rows) == sorted(found)

        # Unfollow the track from the list: the list comes back without it, and so does the track's page.
        track_path, track_name = found["track"]
        forms = [f for f in tree.forms if dict(f.form_values()).get("kind") == "track"]
        gone = await browser.post(forms[0].action, dict(forms[0].form_values()))
        assert gone.status_code == 303 and gone.headers["location"] == "/en/account/following"
        assert track_name not in (await browser.get("/en/account/following")).text
        action, _ = follow_form(await browser.get(track_path))
        assert action.endswith("/en/account/following")

        # A form that is not ours is a 400 page, and nothing is written.
        token = await browser.token("/en/account/following")
        for bad in (
            {"kind": "person", "key": "x"},
            {"kind": "message", "key": "not-an-id"},
            {"kind": "track"},
        ):
            answer = await browser.post("/en/account/following", {"csrf_token": token, **bad})
            assert answer.status_code == 400, bad
            assert "Something in the address or the form is not right." in answer.text
        # A "next" that leads off the site brings the person to their list instead.
        offsite = {**fields, "csrf_token": token, "next": "//evil.example/"}
        assert (await browser.post("/en/account/following/remove", offsite)).headers["location"] == (
            "/en/account/following"
        )
    assert await db.fetchval("SELECT count(*) FROM follows WHERE user_id = $1", person.id) == 3
    # Personal data, not public record: following is not in the audit log.
    await chain_audit(db)
    assert not await db.fetchval("SELECT count(*) FROM audit_log WHERE action LIKE '%follow%'")


async def test_what_a_person_follows_is_theirs_alone(
    site: Site, demo: DemoReport, db: asyncpg.Pool, tokens: TokenFactory
) -> None:
    alice, bob = await tokens.user(password=PASSWORD), await tokens.user(password=PASSWORD)
    path, name = (await subjects(db))["nri"]
    async with site.browser() as first:
        await first.sign_in(alice.user.email, PASSWORD)
        action, fields = follow_form(await first.get(path))
        assert (await first.post(action, fields)).status_code == 303
    async with site.browser() as second:
        await second.sign_in(bob.user.email, PASSWORD)
        assert name not in (await second.get("/en/account/following")).text
        action, _ = follow_form(await second.get(path))
        assert action.endswith("/en/account/following")  # bob does not follow it


async def test_a_persons_calendar_has_the_deadlines_of_what_they_follow(
    site: Site, demo: DemoReport, db: asyncpg.Pool, tokens: TokenFactory
) -> None:
    message = await db.fetchrow("SELECT id, theme FROM messages WHERE state = 'public_comment' LIMIT 1")
    call = await db.fetchrow(
        "SELECT c.id, t.slug FROM track_calls c JOIN tracks t ON t.id = c.track_id "
        "WHERE c.closes_at > now() ORDER BY c.closes_at LIMIT 1"
    )
    assert message and call, "the demonstration data has an open comment window and a call"
    person = await tokens.user(password=PASSWORD)
    await db.execute(
        "INSERT INTO calendar_addresses (user_id, token_hash, created_at) VALUES ($1, $2, now())",
        person.id,
        hashlib.sha256(b"a-followers-secret").hexdigest(),
    )

    async def uids() -> str:
        async with httpx.AsyncClient() as calendar_program:
            answer = await calendar_program.get(f"{site.url}/calendars/people/a-followers-secret.ics")
        assert answer.status_code == 200
        return " ".join(str(e["UID"]) for e in Calendar.from_ical(answer.content).walk("VEVENT"))

    assert str(message["id"]) not in await uids() and str(call["id"]) not in await uids()
    async with site.browser() as browser:
        await browser.sign_in(person.user.email, PASSWORD)
        for path in ("/en/messages?" + urlencode({"theme": message["theme"]}), f"/en/tracks/{call['slug']}"):
            action, fields = follow_form(await browser.get(path))
            assert (await browser.post(action, fields)).status_code == 303
    found = await uids()
    assert "message-comment-window-" in found and str(message["id"]) in found
    assert f"track-call-closes-{call['id']}@igf-hub" in found
