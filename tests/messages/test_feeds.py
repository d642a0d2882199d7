"""The Messages' Atom feed, parsed back with an independent parser (feedparser): what it lists, in which
language, with ids that never change, and the caching policy of every read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import feedparser
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.demo.loader import DemoReport
from tests.messages.support import get, if_match, message, move, refresh
from tests.support.auth import TokenFactory

PUBLIC_STATES = {"public_comment", "approved", "published"}


def parse(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/atom+xml"), answer.headers
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def link(item: Any, rel: str) -> str:
    found: str = next(entry["href"] for entry in item.links if entry["rel"] == rel)
    return found


async def test_the_feed_lists_the_public_messages_and_never_a_draft(
    client: httpx.AsyncClient, demo: DemoReport, db: asyncpg.Pool
) -> None:
    feed = parse(await client.get("/en/feeds/messages.atom"))
    assert feed.feed.title == "IGF Messages" and feed.feed.language == "en"
    assert link(feed.feed, "self") == "http://127.0.0.1:8000/en/feeds/messages.atom"
    assert link(feed.feed, "alternate") == "http://127.0.0.1:8000/en/messages"
    rows = await db.fetch("SELECT id, state FROM messages")
    states = {f"urn:uuid:{r['id']}": r["state"] for r in rows}
    listed = [entry.id for entry in feed.entries]
    assert listed and len(set(listed)) == len(listed)
    assert {states[entry_id] for entry_id in listed} <= PUBLIC_STATES
    # Every public Message of those states is there; drafts and the rest are not.
    assert set(listed) == {key for key, state in states.items() if state in PUBLIC_STATES}
    assert any(state == "draft" for state in states.values())
    for entry in feed.entries:
        message_id = entry.id.removeprefix("urn:uuid:")
        assert entry.link == f"http://127.0.0.1:8000/en/messages/{message_id}"
        api = (await client.get(f"/v1/messages/{message_id}")).json()
        assert entry.updated_parsed[:6] == _utc_tuple(api["updated_at"])
    open_now = [e for e in feed.entries if states[e.id] == "public_comment"]
    assert open_now and all("Comments are welcome until" in e.summary for e in open_now)


def _utc_tuple(moment: str) -> tuple[int, ...]:
    from datetime import UTC, datetime

    return datetime.fromisoformat(moment).astimezone(UTC).timetuple()[:6]


async def test_the_feed_speaks_the_readers_language_and_revalidates(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    english = parse(await client.get("/en/feeds/messages.atom"))
    french = parse(await client.get("/fr/feeds/messages.atom"))
    assert french.feed.language == "fr" and french.feed.title == "Messages du FGI"
    assert link(french.feed, "self") == "http://127.0.0.1:8000/fr/feeds/messages.atom"
    assert link(french.feed, "alternate") == "http://127.0.0.1:8000/fr/messages"
    assert french.feed.id != english.feed.id
    # The same entries (same ids), each titled in French where the Message has a French text.
    assert [e.id for e in french.entries] == [e.id for e in english.entries]
    translated = 0
    for entry in french.entries:
        api = (await client.get(f"/v1/messages/{entry.id.removeprefix('urn:uuid:')}")).json()
        texts = {t["language"]: t["title"] for t in api["languages"]}
        assert entry.title == texts.get("fr", api["languages"][0]["title"])
        translated += "fr" in texts
    assert translated, "the demonstration data has Messages in French"
    # One caching policy (core/caching.py): ETag, 304, public for an anonymous reader.
    answer = await client.get("/fr/feeds/messages.atom")
    assert answer.headers["cache-control"] == "public, max-age=60"
    again = await client.get("/fr/feeds/messages.atom", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and not again.content
    # The unprefixed address answers in the negotiated language, so it says what it varies on.
    spanish = await client.get("/feeds/messages.atom", headers={"Accept-Language": "es"})
    assert parse(spanish).feed.language == "es"
    assert "Accept-Language" in spanish.headers["vary"]


async def test_an_entry_keeps_its_id_across_edits_and_a_draft_never_shows(
    client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    draft = (await message(client, secretariat, title="Still a draft")).json()
    created = (await message(client, secretariat)).json()
    mid = created["id"]
    assert parse(await client.get("/en/feeds/messages.atom")).entries == []
    await move(client, secretariat, mid, {"to": "public_comment"})
    before = parse(await client.get("/fr/feeds/messages.atom")).entries
    assert [e.id for e in before] == [f"urn:uuid:{mid}"]
    assert before[0].title == "Connect the next billion"  # no French text yet: the authoritative one
    clock.advance(timedelta(minutes=5))
    await refresh(tokens, secretariat)
    current = await get(client, mid, secretariat)
    translated = await client.post(
        f"/v1/messages/{mid}/versions",
        json={
            "language": "fr",
            "title": "Connecter le prochain milliard",
            "machine_translation": True,
            "body": "Un accès utile.\n\nInvestir ensemble.\n\nDonnées et droits humains.",
        },
        headers=if_match(current, secretariat),
    )
    assert translated.status_code == 201, translated.text
    after = parse(await client.get("/fr/feeds/messages.atom")).entries
    assert [e.id for e in after] == [f"urn:uuid:{mid}"]  # the same entry, updated
    assert after[0].title == "Connecter le prochain milliard"
    assert "traduction automatique" in after[0].summary
    assert after[0].updated_parsed > before[0].updated_parsed
    assert draft["id"] not in " ".join(e.id for e in after)
