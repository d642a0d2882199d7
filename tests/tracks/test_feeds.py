"""The tracks' Atom feeds (published outputs with their citable ids, calls for input), parsed back with an
independent parser (feedparser), and the public pages that point to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import feedparser
import httpx
from lxml import html

from igf_hub.core.clock import Clock
from igf_hub.demo.loader import DemoReport
from tests.tracks.conftest import Tracks, if_match

BASE = "http://127.0.0.1:8000"


def parse(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/atom+xml"), answer.headers
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


async def test_the_outputs_feed_lists_published_outputs_with_their_citable_ids(
    client: httpx.AsyncClient, demo: DemoReport, db: asyncpg.Pool
) -> None:
    feed = parse(await client.get("/es/feeds/outputs.atom"))
    assert feed.feed.language == "es" and feed.feed.title == "Resultados del trabajo entre sesiones"
    rows = await db.fetch(
        "SELECT o.id, o.status, o.citable_id, t.slug FROM track_outputs o JOIN tracks t ON t.id = o.track_id"
    )
    by_id = {f"urn:uuid:{r['id']}": r for r in rows}
    published = {key for key, r in by_id.items() if r["status"] == "published"}
    assert published and {e.id for e in feed.entries} == published
    assert any(r["status"] == "draft" for r in rows), "the demonstration data has drafts, which never show"
    for entry in feed.entries:
        row = by_id[entry.id]
        assert f"Identificador para citar: {row['citable_id']}." in entry.summary
        assert row["citable_id"] in [tag.term for tag in entry.tags]
        assert entry.link == f"{BASE}/es/tracks/{row['slug']}#output-{row['id']}"
    # The anchor the entry links to exists on the track's page.
    first = by_id[feed.entries[0].id]
    page = html.fromstring((await client.get(f"/es/tracks/{first['slug']}")).text)
    assert page.xpath(f"//*[@id='output-{first['id']}']")


async def test_a_moved_call_keeps_its_entry_and_says_the_new_deadline(
    client: httpx.AsyncClient, tracks: Tracks, clock: Clock
) -> None:
    await tracks.active({"slug": "pn-ai", "type": "policy_network", "name": "Policy Network on AI"})
    facilitator = await tracks.facilitator("pn-ai")
    opens = clock.now() + timedelta(days=1)
    body = {
        "title": "Call for input on AI governance",
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(days=14)).isoformat(),
    }
    created = await client.post("/v1/tracks/pn-ai/calls", json=body, headers=facilitator.headers)
    assert created.status_code == 201, created.text
    call = created.json()
    before = parse(await client.get("/en/feeds/calls.atom")).entries
    assert [e.id for e in before] == [f"urn:uuid:{call['id']}"]
    assert "Policy Network on AI asks for input from" in before[0].summary
    assert before[0].link == f"{BASE}/en/tracks/pn-ai#call-{call['id']}"

    clock.advance(timedelta(hours=1))
    facilitator = await tracks.refreshed(facilitator)
    later = opens + timedelta(days=30)
    moved = await client.patch(
        f"/v1/tracks/calls/{call['id']}",
        json={"closes_at": later.isoformat()},
        headers=if_match(facilitator, call["version"]),
    )
    assert moved.status_code == 200, moved.text
    after = parse(await client.get("/en/feeds/calls.atom")).entries
    assert [e.id for e in after] == [e.id for e in before]  # the same entry, never a second one
    assert after[0].updated_parsed > before[0].updated_parsed
    assert after[0].summary != before[0].summary
    assert str(later.year) in after[0].summary


async def test_the_public_pages_point_to_their_feeds(client: httpx.AsyncClient, demo: DemoReport) -> None:
    for path, feeds in (
        ("/fr/messages", ["/fr/feeds/messages.atom"]),
        ("/fr/tracks", ["/fr/feeds/outputs.atom", "/fr/feeds/calls.atom"]),
        ("/fr/tracks/bpf-local-content", ["/fr/feeds/outputs.atom", "/fr/feeds/calls.atom"]),
    ):
        document = html.fromstring((await client.get(path)).text)
        assert document.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href") == feeds
        # A visible link too, for readers whose browser shows no feed.
        assert document.xpath("//main//a[@type='application/atom+xml']/@href") == feeds, path
        for feed in feeds:
            assert (await client.get(feed)).status_code == 200
