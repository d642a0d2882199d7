"""The track facilitator's workspace over real HTTP (tracks/workspace_pages.py): what each page shows, and that
every rule is the API's — a refusal comes back as a sentence in the form with the input kept and nothing
written, and whoever the API refuses is refused here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from lxml import html

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.support import twofactor
from tests.support.auth import Caller, TokenFactory
from tests.support.web import Site, WebClient, serve
from tests.tracks.conftest import Tracks, dc_body

PASSWORD = "a quiet river under the old bridge"


@pytest.fixture
async def site(settings: Settings, clock: Clock, client: httpx.AsyncClient) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


class Desk:
    """A track with a facilitator who signs in to the workspace in a browser-like client."""

    def __init__(self, site: Site, tracks: Tracks, tokens: TokenFactory, client: httpx.AsyncClient) -> None:
        self.site = site
        self.tracks = tracks
        self.tokens = tokens
        self.client = client

    async def facilitator(self, slug: str, name: str = "Faith Facilitator") -> tuple[Caller, WebClient]:
        """A new person bound to ``slug`` as facilitator (through the API), signed in to the pages."""
        person = await self.tokens.user(password=PASSWORD, display_name=name)
        bound = await self.client.post(
            f"/v1/tracks/{slug}/facilitators",
            json={"user_id": str(person.id)},
            headers=self.tracks.admin.headers,
        )
        assert bound.status_code == 201, bound.text
        return await self.tracks.refreshed(person), await self.signed_in(person)

    async def signed_in(self, person: Caller) -> WebClient:
        browser = self.site.browser()
        answer = await browser.sign_in(person.user.email, PASSWORD)
        assert answer.status_code == 303, answer.text
        return browser


@pytest.fixture
async def desk(site: Site, tracks: Tracks, tokens: TokenFactory, client: httpx.AsyncClient) -> Desk:
    return Desk(site, tracks, tokens, client)


async def dc(tracks: Tracks, slug: str = "dc-open-standards") -> dict[str, Any]:
    return await tracks.active(dc_body(slug))


async def form_post(browser: WebClient, page: str, action: str, fields: dict[str, str]) -> httpx.Response:
    """Post ``fields`` to ``action`` as the form on ``page`` does (with its CSRF token)."""
    return await browser.post(action, {"csrf_token": await browser.token(page), **fields})


def doc(answer: httpx.Response) -> Any:
    return html.fromstring(answer.text)


def errors_of(answer: httpx.Response) -> dict[str, str]:
    """Each field in error and its sentence, as the page shows them at the field."""
    return {
        e.get("id").removeprefix("field-").removesuffix("-error"): " ".join(e.text_content().split())
        .removeprefix("Error:")
        .strip()
        for e in doc(answer).xpath("//p[@class='field-error']")
    }


async def api_call_count(client: httpx.AsyncClient, slug: str) -> int:
    return len((await client.get(f"/v1/tracks/{slug}/calls")).json()["items"])


# -- My tracks -------------------------------------------------------------------------------------------


async def test_signed_out_readers_are_sent_to_sign_in(site: Site) -> None:
    async with site.browser() as browser:
        answer = await browser.get("/fr/workspace/tracks")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/fr/signin?next=%2Ffr%2Fworkspace%2Ftracks"


async def test_my_tracks_lists_the_tracks_a_facilitator_manages_and_the_secretariat_sees_all(
    desk: Desk, tracks: Tracks, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    await dc(tracks)
    await tracks.active({"slug": "bpf-other", "type": "bpf", "name": "BPF someone else facilitates"})
    _, browser = await desk.facilitator("dc-open-standards")
    listed = doc(await browser.get("/en/workspace/tracks"))
    assert listed.xpath("//main//tbody//th/a/@href") == ["/en/workspace/tracks/dc-open-standards"]

    admin = await desk.tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, admin.id)
    async with desk.site.browser() as staff:
        signed = await twofactor.sign_in(staff, admin.user.email, PASSWORD, secret, clock)
        assert signed.status_code == 303, signed.text
        everything = doc(await staff.get("/en/workspace/tracks"))
        assert sorted(everything.xpath("//main//tbody//th/a/@href")) == [
            "/en/workspace/tracks/bpf-other",
            "/en/workspace/tracks/dc-open-standards",
        ]


async def test_a_person_with_no_track_is_told_so(desk: Desk, tracks: Tracks) -> None:
    await dc(tracks)
    person = await desk.tokens.user(password=PASSWORD)
    browser = await desk.signed_in(person)
    page = doc(await browser.get("/en/workspace/tracks"))
    assert not page.xpath("//main//table")
    assert "You do not facilitate any track" in page.xpath("string(//main)")


# -- one track -------------------------------------------------------------------------------------------


async def test_the_manage_page_is_refused_to_someone_who_does_not_facilitate_the_track(
    desk: Desk, tracks: Tracks
) -> None:
    await dc(tracks)
    await tracks.active({"slug": "bpf-other", "type": "bpf", "name": "BPF someone else facilitates"})
    _, browser = await desk.facilitator("bpf-other")
    answer = await browser.get("/en/workspace/tracks/dc-open-standards")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    # Its forms too: the services' guard answers, as the API's does.
    token = await browser.token("/en/workspace/tracks/bpf-other")
    posted = await browser.post(
        "/en/workspace/tracks/dc-open-standards/calls",
        {"csrf_token": token, "call_title": "Not mine", "call_closes_at": "2099-01-01T10:00"},
    )
    assert posted.status_code == 403
    assert await api_call_count(desk.client, "dc-open-standards") == 0


async def test_the_manage_page_shows_people_participant_counts_without_names_and_what_is_due(
    desk: Desk, tracks: Tracks, clock: Clock
) -> None:
    await dc(tracks)
    member = await desk.tokens.user(email="named.participant@example.org", display_name="Pat Participant")
    joined = await desk.client.put(
        "/v1/tracks/dc-open-standards/participants/me",
        json={"stakeholder_group": "academia", "country": "KE"},
        headers=member.headers,
    )
    assert joined.status_code == 201, joined.text
    _, browser = await desk.facilitator("dc-open-standards")
    answer = await browser.get("/en/workspace/tracks/dc-open-standards")
    assert answer.status_code == 200, answer.text
    page = doc(answer)
    people = page.xpath("string(//section[@aria-labelledby='people'])")
    assert "Faith Facilitator" in people
    participants = page.xpath("string(//section[@aria-labelledby='participants'])")
    assert "1 person participates." in " ".join(participants.split())
    assert "Academia" in participants and "Kenya" in participants
    # The API shows no participant's name, and neither does the page.
    assert member.user.display_name not in answer.text and "named.participant" not in answer.text
    standing = " ".join(page.xpath("string(//section[@aria-labelledby='standing'])").split())
    assert "Participants from at least three stakeholder groups: not met" in standing
    assert f"Due next: a report or output for {clock.now().year + 1}" in standing


async def test_saving_the_description_goes_through_the_api_rules(desk: Desk, tracks: Tracks) -> None:
    await dc(tracks)
    _, browser = await desk.facilitator("dc-open-standards")
    page = "/en/workspace/tracks/dc-open-standards"
    version = str((await desk.client.get("/v1/tracks/dc-open-standards")).json()["version"])
    fields = {
        "name": "Dynamic Coalition on Open Standards",
        "description": "A sharper description.",
        "mailing_list_url": "not a web address",
        "mailing_list_archive_url": "",
        "open_membership": "on",
        "version": version,
    }
    refused = await form_post(browser, page, page, fields)
    assert refused.status_code == 422
    assert errors_of(refused) == {
        "mailing_list_url": "Enter a web address that starts with https:// or http://."
    }
    kept = doc(refused)
    assert kept.xpath("string(//textarea[@name='description'])") == "A sharper description."
    api = (await desk.client.get("/v1/tracks/dc-open-standards")).json()
    assert api["description"] != "A sharper description." and str(api["version"]) == version

    saved = await form_post(
        browser, page, page, {**fields, "mailing_list_url": "https://lists.example.org/os"}
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{page}?done=saved"
    api = (await desk.client.get("/v1/tracks/dc-open-standards")).json()
    assert api["description"] == "A sharper description."
    assert api["mailing_list_url"] == "https://lists.example.org/os"

    # The same form again, from the version it was opened at: someone else's change is not overwritten.
    stale = await form_post(
        browser, page, page, {**fields, "description": "Older idea", "mailing_list_url": ""}
    )
    assert stale.status_code == 422
    assert errors_of(stale)["name"].startswith("Someone changed this since you opened the page.")
    assert doc(stale).xpath("string(//textarea[@name='description'])") == "Older idea"
    assert (await desk.client.get("/v1/tracks/dc-open-standards")).json()["description"] == (
        "A sharper description."
    )


# -- calls for input -------------------------------------------------------------------------------------


async def test_opening_a_call_refuses_a_missing_or_past_deadline_and_writes_nothing(
    desk: Desk, tracks: Tracks, clock: Clock
) -> None:
    await dc(tracks)
    _, browser = await desk.facilitator("dc-open-standards")
    page = "/en/workspace/tracks/dc-open-standards"
    action = f"{page}/calls"
    missing = await form_post(browser, page, action, {"call_title": "Tell us", "call_closes_at": ""})
    assert missing.status_code == 422
    assert errors_of(missing) == {"call_closes_at": "Enter the closing date and time, like 2027-03-31 17:00."}
    past = (clock.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = await form_post(browser, page, action, {"call_title": "Tell us", "call_closes_at": past})
    assert refused.status_code == 422
    assert errors_of(refused) == {
        "call_closes_at": "Choose a closing date and time in the future, after the opening."
    }
    assert doc(refused).xpath("string(//input[@name='call_title']/@value)") == "Tell us"
    bad = await form_post(browser, page, action, {"call_title": "T", "call_closes_at": "2099-01-01T10:00"})
    assert errors_of(bad) == {"call_title": "Enter a title of 2 to 300 characters."}
    assert await api_call_count(desk.client, "dc-open-standards") == 0


async def test_a_facilitator_opens_a_call_reads_its_submissions_and_closes_it(
    desk: Desk, tracks: Tracks, clock: Clock
) -> None:
    await dc(tracks)
    _, browser = await desk.facilitator("dc-open-standards")
    page = "/en/workspace/tracks/dc-open-standards"
    deadline = (clock.now() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    opened = await form_post(
        browser,
        page,
        f"{page}/calls",
        {
            "call_title": "Open standards you rely on",
            "call_description": "Tell us.",
            "call_closes_at": deadline,
        },
    )
    assert opened.status_code == 303, opened.text
    call_page = opened.headers["location"].split("?")[0]
    call_id = call_page.rsplit("/", 1)[1]
    api = (await desk.client.get(f"/v1/tracks/calls/{call_id}")).json()
    assert api["state"] == "open" and api["closes_at"].startswith(deadline)

    clock.advance(timedelta(minutes=5))
    someone = await desk.tokens.user()
    sent = await desk.client.post(
        f"/v1/tracks/calls/{call_id}/submissions",
        json={"stakeholder_group": "civil_society", "text": "We rely on HTML and IPv6.", "country": "GH"},
        headers=someone.headers,
    )
    assert sent.status_code == 201, sent.text
    shown = doc(await browser.get(call_page))
    submissions = shown.xpath("string(//section[@aria-labelledby='submissions'])")
    assert "We rely on HTML and IPv6." in submissions and "Ghana" in submissions

    closed = await form_post(browser, call_page, f"{call_page}/close", {"version": str(api["version"])})
    assert closed.status_code == 303
    assert (await desk.client.get(f"/v1/tracks/calls/{call_id}")).json()["state"] == "closed"
    late = await desk.client.post(
        f"/v1/tracks/calls/{call_id}/submissions",
        json={"stakeholder_group": "academia", "text": "Too late?"},
        headers=someone.headers,
    )
    assert late.status_code == 409
    # Closing again: the service's refusal, as a sentence on the page.
    again = await browser.post(
        f"{call_page}/close", {"csrf_token": await browser.token(page), "version": str(api["version"] + 1)}
    )
    assert again.status_code == 422
    assert "This call for input is closed: it no longer changes." in again.text


async def test_the_api_closes_an_open_call_and_refuses_a_scheduled_one(
    desk: Desk, tracks: Tracks, clock: Clock
) -> None:
    await dc(tracks)
    facilitator, _ = await desk.facilitator("dc-open-standards")
    now = clock.now()

    async def call(opens: timedelta) -> dict[str, Any]:
        made = await desk.client.post(
            "/v1/tracks/dc-open-standards/calls",
            json={
                "title": "A call",
                "opens_at": (now + opens).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
            },
            headers=facilitator.headers,
        )
        assert made.status_code == 201, made.text
        body: dict[str, Any] = made.json()
        return body

    scheduled, running = await call(timedelta(days=2)), await call(-timedelta(hours=1))
    headers = {**facilitator.headers, "If-Match": f'"{scheduled["version"]}"'}
    refused = await desk.client.post(f"/v1/tracks/calls/{scheduled['id']}/close", headers=headers)
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/call-not-open"
    stranger = await desk.tokens.user(Role.track_facilitator)
    denied = await desk.client.post(
        f"/v1/tracks/calls/{running['id']}/close",
        headers={**stranger.headers, "If-Match": f'"{running["version"]}"'},
    )
    assert denied.status_code == 403
    ok = await desk.client.post(
        f"/v1/tracks/calls/{running['id']}/close",
        headers={**facilitator.headers, "If-Match": f'"{running["version"]}"'},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"] == "closed" and ok.json()["closes_at"] == ok.json()["updated_at"]


# -- outputs ---------------------------------------------------------------------------------------------


async def start_draft(browser: WebClient, slug: str, **fields: str) -> httpx.Response:
    page = f"/en/workspace/tracks/{slug}"
    body = {
        "title": "Annual report",
        "kind": "report",
        "year": "2026",
        "languages": "en",
        "text": "What we did.",
    }
    return await form_post(browser, page, f"{page}/outputs", {**body, **fields})


async def test_a_draft_needs_a_link_or_a_text_and_a_known_kind(desk: Desk, tracks: Tracks) -> None:
    await dc(tracks)
    _, browser = await desk.facilitator("dc-open-standards")
    empty = await start_draft(browser, "dc-open-standards", text="", url="")
    assert empty.status_code == 422
    assert errors_of(empty) == {"url": "An output needs a web address, a text, or both."}
    kind = await start_draft(browser, "dc-open-standards", kind="")
    assert errors_of(kind) == {"kind": "Choose the kind of output."}
    year = await start_draft(browser, "dc-open-standards", year="1999")
    assert errors_of(year) == {"year": "Enter the year the output is for, between 2006 and 2100."}
    listed = await desk.client.get("/v1/tracks/dc-open-standards/outputs", headers=desk.tracks.admin.headers)
    assert listed.json()["items"] == []


async def test_a_facilitator_drafts_publishes_and_versions_an_output(desk: Desk, tracks: Tracks) -> None:
    await dc(tracks)
    _, browser = await desk.facilitator("dc-open-standards")
    started = await start_draft(browser, "dc-open-standards")
    assert started.status_code == 303, started.text
    output_page = started.headers["location"].split("?")[0]
    output_id = output_page.rsplit("/", 1)[1]
    assert (await desk.client.get(f"/v1/tracks/outputs/{output_id}")).status_code == 404  # a private draft

    draft = doc(await browser.get(output_page))
    version = draft.xpath("string(//form[contains(@action,'/publish')]/input[@name='version']/@value)")
    saved = await form_post(
        browser,
        output_page,
        output_page,
        {"title": "Annual report 2026", "languages": "en, fr", "text": "What we did.", "version": version},
    )
    assert saved.status_code == 303, saved.text
    stale = await form_post(browser, output_page, f"{output_page}/publish", {"version": version})
    assert stale.status_code == 422 and "Someone changed this" in stale.text

    fresh = doc(await browser.get(output_page))
    version = fresh.xpath("string(//form[contains(@action,'/publish')]/input[@name='version']/@value)")
    published = await form_post(browser, output_page, f"{output_page}/publish", {"version": version})
    assert published.status_code == 303
    api = (await desk.client.get(f"/v1/tracks/outputs/{output_id}")).json()
    assert api["status"] == "published" and api["citable_id"] == "igf:dc-open-standards:2026:1:v1"
    shown = doc(await browser.get(output_page))
    assert shown.xpath("//code[@class='citable-id']/text()") == ["igf:dc-open-standards:2026:1:v1"]
    assert not shown.xpath("//form[contains(@action,'/publish')]")  # published: nothing to publish

    # A published output never changes: the draft form's post is the service's refusal.
    immutable = await form_post(
        browser,
        output_page,
        output_page,
        {"title": "Changed", "languages": "en", "text": "x", "version": "9"},
    )
    assert immutable.status_code == 422
    assert "A published output never changes: start a new version instead." in immutable.text

    nextv = await form_post(
        browser,
        output_page,
        f"{output_page}/versions",
        {"title": "Annual report 2026 (corrected)", "languages": "en", "text": "What we did, corrected."},
    )
    assert nextv.status_code == 303
    second = nextv.headers["location"].split("?")[0]
    assert second != output_page
    twice = await form_post(
        browser, output_page, f"{output_page}/versions", {"title": "Again", "languages": "en", "text": "x"}
    )
    assert twice.status_code == 422
    assert "A draft of the next version already exists: edit that draft instead." in twice.text


async def test_a_bpf_draft_is_not_published_before_its_comment_window_closed(
    desk: Desk, tracks: Tracks, clock: Clock
) -> None:
    await tracks.active({"slug": "bpf-cyber", "type": "bpf", "name": "BPF on Cybersecurity"})
    _, browser = await desk.facilitator("bpf-cyber")
    started = await start_draft(browser, "bpf-cyber")
    output_page = started.headers["location"].split("?")[0]
    version = doc(await browser.get(output_page)).xpath(
        "string(//form[contains(@action,'/publish')]/input[@name='version']/@value)"
    )
    refused = await form_post(browser, output_page, f"{output_page}/publish", {"version": version})
    assert refused.status_code == 422
    assert errors_of(refused) == {
        "publish": "Drafts of Best Practice Forums and Policy Networks are published only after a community "
        "comment window that has closed."
    }
    past = (clock.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    window = await form_post(
        browser, output_page, f"{output_page}/comment-window", {"window_closes_at": past, "version": version}
    )
    assert window.status_code == 422
    assert errors_of(window) == {
        "window_closes_at": "Choose a closing date and time in the future, after the opening."
    }
    later = (clock.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    opened = await form_post(
        browser, output_page, f"{output_page}/comment-window", {"window_closes_at": later, "version": version}
    )
    assert opened.status_code == 303, opened.text
    output_id = output_page.rsplit("/", 1)[1]
    assert (await desk.client.get(f"/v1/tracks/outputs/{output_id}")).json()["comment_window"]["is_open"]


async def test_a_message_cites_the_published_output_and_the_output_page_shows_it(
    desk: Desk, tracks: Tracks
) -> None:
    """#19's "done when": an output a facilitator publishes is a provenance reference a Message cites."""
    await dc(tracks)
    _, browser = await desk.facilitator("dc-open-standards")
    started = await start_draft(browser, "dc-open-standards")
    output_page = started.headers["location"].split("?")[0]
    output_id = output_page.rsplit("/", 1)[1]
    admin = desk.tracks.admin
    body = {
        "year": 2026,
        "theme": "Open standards",
        "title": "Standards keep the Internet open",
        "body": "Open standards matter.",
        "classification": {"wsis_action_lines": ["C2"], "sdgs": [9], "gdc_objectives": [1]},
        "provenance": [{"kind": "track_output", "id": output_id}],
    }
    draft_cited = await desk.client.post("/v1/messages", json=body, headers=admin.headers)
    assert draft_cited.status_code == 422, draft_cited.text  # a draft is not citable

    version = doc(await browser.get(output_page)).xpath(
        "string(//form[contains(@action,'/publish')]/input[@name='version']/@value)"
    )
    assert (
        await form_post(browser, output_page, f"{output_page}/publish", {"version": version})
    ).status_code == 303
    made = await desk.client.post("/v1/messages", json=body, headers=admin.headers)
    assert made.status_code == 201, made.text
    message = made.json()
    cited = message["provenance"][0]
    assert cited["citable_id"] == "igf:dc-open-standards:2026:1:v1" and cited["kind"] == "track_output"

    # Not yet public: nobody lists a draft Message as citing anything.
    assert (await desk.client.get(f"/v1/tracks/outputs/{output_id}/cited-by")).json() == []
    opened = await desk.client.post(
        f"/v1/messages/{message['id']}/transitions",
        json={"to": "public_comment"},
        headers={**admin.headers, "If-Match": made.headers.get("message-etag") or made.headers["etag"]},
    )
    assert opened.status_code == 200, opened.text
    api = (await desk.client.get(f"/v1/tracks/outputs/{output_id}/cited-by")).json()
    assert [(c["kind"], c["id"], c["page"]) for c in api] == [
        ("message", message["id"], f"/messages/{message['id']}")
    ]
    shown = doc(await browser.get(output_page))
    assert shown.xpath("//section[@aria-labelledby='cited-by']//a/@href") == [f"/en/messages/{message['id']}"]
