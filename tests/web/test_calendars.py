"""The deadline calendars (web/calendar.py), parsed back with ``icalendar``: the public lists and the combined one,
a moved deadline that keeps its UID, and a person's own calendar behind a secret, revocable address."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
from icalendar import Calendar
from lxml import html
from structlog.testing import capture_logs

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.demo.loader import DemoReport
from tests.messages.support import message, move
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory
from tests.support.web import Site
from tests.tracks.conftest import Tracks, if_match
from tests.tracks.test_outputs import draft
from tests.web.conftest import PASSWORD

LISTS = ("comment-windows", "ballots", "calls", "output-comments", "nri-reports")


def parse(answer: httpx.Response) -> Calendar:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar"), answer.headers
    calendar = Calendar.from_ical(answer.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    for event in calendar.walk("VEVENT"):
        for needed in ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "SEQUENCE", "LAST-MODIFIED", "URL"):
            assert needed in event, (needed, event)
    return calendar


def second(moment: Any) -> Any:
    """iCalendar times have whole seconds: a deadline is shown at its second (never later than it is)."""
    return moment.replace(microsecond=0)


def events(calendar: Calendar) -> dict[str, Any]:
    found = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT")), "a UID appears once"
    return found


async def test_the_public_calendars_list_public_deadlines_and_combine(
    client: httpx.AsyncClient, demo: DemoReport, db: asyncpg.Pool, clock: Clock
) -> None:
    combined = events(parse(await client.get("/en/calendars/deadlines.ics")))
    each: dict[str, dict[str, Any]] = {}
    for key in LISTS:
        each[key] = events(parse(await client.get(f"/en/calendars/{key}.ics")))
    assert set(combined) == {uid for found in each.values() for uid in found}
    # Comment windows: one event per Message open for comment, closing when its window closes.
    rows = await db.fetch(
        "SELECT m.id, m.state, r.number, r.closes_at FROM messages m "
        "LEFT JOIN message_comment_rounds r ON r.message_id = m.id AND r.closed_at IS NULL"
    )
    open_now = {
        f"message-comment-window-{r['number']}-{r['id']}@igf-hub": second(r["closes_at"])
        for r in rows
        if r["state"] == "public_comment" and r["closes_at"] is not None
    }
    assert open_now and {uid: e.decoded("DTSTART") for uid, e in each["comment-windows"].items()} == open_now
    drafts = [str(r["id"]) for r in rows if r["state"] == "draft"]
    assert drafts and not any(d in uid for d in drafts for uid in combined)
    # Calls for input: every call, closing when it closes; NRI reports: the rule's day for last year and this.
    calls = await db.fetch("SELECT id, closes_at FROM track_calls")
    assert {uid: e.decoded("DTSTART") for uid, e in each["calls"].items()} == {
        f"track-call-closes-{c['id']}@igf-hub": second(c["closes_at"]) for c in calls
    }
    # Draft outputs open for community comment: when each window closes.
    drafts_open = await db.fetch(
        "SELECT id, comments_close_at FROM track_outputs WHERE status = 'draft' AND comments_open_at <= now()"
    )
    assert {uid: e.decoded("DTSTART") for uid, e in each["output-comments"].items()} == {
        f"track-output-comments-close-{o['id']}@igf-hub": second(o["comments_close_at"]) for o in drafts_open
    }
    year = clock.now().year
    assert each["nri-reports"][f"nri-annual-reports-due-{year - 1}@igf-hub"].decoded("DTSTART") == date(
        year, 3, 31
    )
    # French summaries under /fr/, the same UIDs.
    french = events(parse(await client.get("/fr/calendars/deadlines.ics")))
    assert set(french) == set(combined)
    assert any(str(e["SUMMARY"]).startswith("Appel à contributions") for e in french.values())
    # One caching policy (ETag, 304), public for an anonymous reader; unknown calendars are 404.
    answer = await client.get("/en/calendars/deadlines.ics")
    assert answer.headers["cache-control"] == "public, max-age=60"
    again = await client.get("/en/calendars/deadlines.ics", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304
    for missing in ("/en/calendars/nothing.ics", "/en/calendars/calls", "/calendars/people/calls.ics"):
        assert (await client.get(missing)).status_code == 404, missing


async def test_a_moved_deadline_keeps_its_uid_and_updates_the_event(
    client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock
) -> None:
    admin = await tokens.user(Role.secretariat)
    created = await client.post(
        "/v1/tracks",
        json={"slug": "pn-ai", "type": "policy_network", "name": "Policy Network on AI"},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    track = await client.get("/v1/tracks/pn-ai")
    active = await client.post(
        "/v1/tracks/pn-ai/transitions",
        json={"to": "active"},
        headers={**admin.headers, "If-Match": track.headers["etag"]},
    )
    assert active.status_code == 200, active.text
    opens = clock.now() + timedelta(days=1)
    body = {
        "title": "Call for input on AI governance",
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(days=14)).isoformat(),
    }
    call = await client.post("/v1/tracks/pn-ai/calls", json=body, headers=admin.headers)
    assert call.status_code == 201, call.text
    uid = f"track-call-closes-{call.json()['id']}@igf-hub"
    before = events(parse(await client.get("/calendars/calls.ics")))[uid]

    # The deadline moves, through the service, a day later on the injected clock.
    clock.advance(timedelta(days=1))
    admin.token = await tokens.token_for(admin.id)
    admin.headers = {"Authorization": f"Bearer {admin.token}"}
    later = opens + timedelta(days=30)
    moved = await client.patch(
        f"/v1/tracks/calls/{call.json()['id']}",
        json={"closes_at": later.isoformat()},
        headers={**admin.headers, "If-Match": f'"{call.json()["version"]}"'},
    )
    assert moved.status_code == 200, moved.text
    after_all = events(parse(await client.get("/calendars/calls.ics")))
    assert list(after_all) == [uid]  # the same event, not a second one
    after = after_all[uid]
    assert after.decoded("DTSTART") == second(later) and before.decoded("DTSTART") != second(later)
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert after.decoded("DTSTAMP") == after.decoded("LAST-MODIFIED")

    # A Message's comment window: its UID names the Message and the round, never a date.
    created_message = (await message(client, admin)).json()
    await move(client, admin, created_message["id"], {"to": "public_comment"})
    windows = events(parse(await client.get("/calendars/comment-windows.ics")))
    assert list(windows) == [f"message-comment-window-1-{created_message['id']}@igf-hub"]


async def _address(browser: Any, path: str = "/en/account/calendar") -> str:
    token = await browser.token(path)
    made = await browser.post(path, {"csrf_token": token})
    assert made.status_code == 200, made.text
    assert made.headers["cache-control"] == "no-store"
    found = re.search(r"(http://[^<\s]+/en/calendars/people/[A-Za-z0-9_-]+\.ics)", made.text)
    assert found, made.text
    return found.group(1)


async def test_a_persons_calendar_lives_at_a_secret_revocable_address(
    site: Site, tokens: TokenFactory, demo: DemoReport, db: asyncpg.Pool, clock: Clock
) -> None:
    nri_id = await db.fetchval("SELECT id FROM nris WHERE recognised_at IS NOT NULL ORDER BY name LIMIT 1")
    person = await tokens.user((Role.nri_coordinator, nri_id), password=PASSWORD)
    stranger = httpx.AsyncClient(timeout=60)  # a calendar program: no cookie, no token
    async with site.browser() as browser, stranger:
        assert (await browser.get("/en/account/calendar")).status_code == 303  # sign in first
        await browser.sign_in(person.user.email, PASSWORD)
        page = await browser.get("/en/account/calendar")
        assert page.status_code == 200 and "You have no calendar address yet." in page.text
        address = await _address(browser)
        secret = address.rsplit("/", 1)[1].removesuffix(".ics")
        assert await db.fetchval("SELECT count(*) FROM calendar_addresses WHERE token_hash = $1", secret) == 0

        with capture_logs() as logged:
            mine = await stranger.get(address)
        # The secret stays out of the access log, which says which kind of address was asked for.
        lines = [line for line in logged if line.get("event") == "request.completed"]
        assert lines and all(secret not in str(line) for line in lines)
        assert lines[-1]["path"] == "/calendars/people/<secret>.ics"
        assert mine.headers["cache-control"] == "private, no-cache"
        found = events(parse(mine))
        year = clock.now().year
        for reported in (year - 1, year):
            event = found.get(f"nri-report-due-{nri_id}-{reported}@igf-hub")
            submitted = await db.fetchval(
                "SELECT status = 'submitted' FROM nri_reports WHERE nri_id = $1 AND year = $2",
                nri_id,
                reported,
            )
            assert (event is None) == bool(submitted), reported
        assert not any(uid.startswith("message-ballot-") for uid in found)  # not a MAG member

        # The page no longer shows the address; a new one ends the old one; stopping it ends the new one.
        assert secret not in (await browser.get("/en/account/calendar")).text
        renewed = await _address(browser)
        assert (await stranger.get(address)).status_code == 404
        assert (await stranger.get(renewed)).status_code == 200
        revoke = await browser.post(
            "/en/account/calendar/revoke", {"csrf_token": await browser.token("/en/account/calendar")}
        )
        assert revoke.status_code == 303
        assert (await stranger.get(renewed)).status_code == 404
        assert (await stranger.get(f"{site.url}/calendars/people/{'x' * 43}.ics")).status_code == 404
        ballot_member = await db.fetchrow(
            "SELECT b.id, m.user_id FROM message_ballots b JOIN message_ballot_members m ON m.ballot_id = b.id "
            "WHERE b.status = 'open' LIMIT 1"
        )
        await chain_audit(db)
        audit = await db.fetch(
            "SELECT action FROM audit_log WHERE subject_id = $1 AND action LIKE 'user.calendar%' ORDER BY seq",
            str(person.id),
        )
        # A MAG member on an open ballot's roll finds its closing time in their own calendar.
        assert ballot_member is not None, "the demonstration data has an open ballot"
        await db.execute(
            "INSERT INTO calendar_addresses (user_id, token_hash, created_at) VALUES ($1, $2, now())",
            ballot_member["user_id"],
            hashlib.sha256(b"a-ballot-members-secret").hexdigest(),
        )
        theirs = events(parse(await stranger.get(f"{site.url}/calendars/people/a-ballot-members-secret.ics")))
        assert f"message-ballot-{ballot_member['id']}@igf-hub" in theirs
        assert [r["action"] for r in audit] == [
            "user.calendar_address_created",
            "user.calendar_address_created",
            "user.calendar_address_revoked",
        ]


async def test_the_public_pages_link_to_their_calendars(client: httpx.AsyncClient, demo: DemoReport) -> None:
    for path, expected in (
        ("/es/messages", ["comment-windows", "ballots", "deadlines"]),
        ("/es/tracks", ["calls"]),
        ("/es/nris", ["nri-reports"]),
    ):
        document = html.fromstring((await client.get(path)).text)
        links = document.xpath("//main//a[@type='text/calendar']/@href")
        assert links == [f"/es/calendars/{key}.ics" for key in expected], path
        for link in links:
            parse(await client.get(link))


async def test_an_extended_comment_window_keeps_its_uid(
    client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock
) -> None:
    """A draft output's community comment window, extended through the service on the injected clock: the same
    event with the new closing time; before its window opens the draft is in no calendar."""
    tracks = Tracks(client, tokens, await tokens.user(Role.secretariat))
    await tracks.active({"slug": "bpf-cybersecurity", "type": "bpf", "name": "BPF on Cybersecurity"})
    facilitator = await tracks.facilitator("bpf-cybersecurity")
    output = await draft(client, "bpf-cybersecurity", facilitator)
    assert events(parse(await client.get("/calendars/output-comments.ics"))) == {}
    first_close = clock.now() + timedelta(days=7)
    opened = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comment-window",
        json={"closes_at": first_close.isoformat()},
        headers=if_match(facilitator, output["version"]),
    )
    assert opened.status_code == 200, opened.text
    uid = f"track-output-comments-close-{output['id']}@igf-hub"
    before = events(parse(await client.get("/calendars/output-comments.ics")))
    assert list(before) == [uid] and before[uid].decoded("DTSTART") == second(first_close)

    clock.advance(timedelta(days=2))
    facilitator = await tracks.refreshed(facilitator)
    extended_to = first_close + timedelta(days=10)
    extended = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comment-window",
        json={"closes_at": extended_to.isoformat()},
        headers=if_match(facilitator, opened.json()["version"]),
    )
    assert extended.status_code == 200, extended.text
    after = events(parse(await client.get("/calendars/output-comments.ics")))
    assert list(after) == [uid]
    assert after[uid].decoded("DTSTART") == second(extended_to)
    assert after[uid]["SEQUENCE"] > before[uid]["SEQUENCE"]
    assert after[uid].decoded("LAST-MODIFIED") > before[uid].decoded("LAST-MODIFIED")
