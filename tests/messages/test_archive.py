"""Published Messages load from the archive as history (issue 15): their real publication date, languages and
source URL, marked as imported, never approved here, public, citable and supersedable; all or nothing."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from tests.messages.support import assert_problem, get, message, move
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory

Client = httpx.AsyncClient


def archived(year: int, **changes: Any) -> dict[str, Any]:
    return {
        "year": year,
        "theme": "Digital cooperation",
        "language": "en",
        "title": f"IGF {year} Messages: Digital cooperation",
        "body": "Cooperation must include every stakeholder.\n\nNRIs bring local voices to the global debate.",
        "published_on": f"{year}-12-20",
        "source_url": f"https://www.intgovforum.org/en/content/igf-{year}-messages",
        "translations": [
            {"language": "fr", "title": "Messages du FGI", "body": "La coopération inclut tous.\n\nLes NRI."},
            {
                "language": "zh",
                "title": "互联网治理论坛信息",
                "body": "合作包括所有人\n\n国家和地区倡议",
            },
        ],
        **changes,
    }


async def test_archived_messages_are_public_history_citable_and_supersedable(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    body = {"messages": [archived(2018), archived(2019, theme="Data governance")]}

    dry = await client.post("/v1/messages/archive?dry_run=true", json=body, headers=secretariat.headers)
    assert dry.status_code == 200, dry.text
    assert [(m["year"], "id" in m) for m in dry.json()["messages"]] == [(2018, False), (2019, False)]
    assert (await client.get("/v1/messages")).json()["items"] == []

    done = await client.post(
        "/v1/messages/archive?source=intgovforum.org", json=body, headers=secretariat.headers
    )
    assert done.status_code == 200, done.text
    older, newer = [m["id"] for m in done.json()["messages"]]

    public = (await get(client, older)).json()  # anonymous: public as history
    assert (public["state"], public["published_at"]) == ("published", "2018-12-20T00:00:00Z")
    assert public["source_url"] == "https://www.intgovforum.org/en/content/igf-2018-messages"
    assert public["import_source"] == "intgovforum.org" and public["imported_at"] is not None
    assert public["approved_at"] is None and public["approved_by"] is None  # no ballot is invented
    assert sorted(t["language"] for t in public["languages"]) == ["en", "fr", "zh"]
    history = (await client.get(f"/v1/messages/{older}/history")).json()
    kinds = [h["kind"] for h in (history["items"] if isinstance(history, dict) else history)]
    assert "imported" in kinds and "transition" not in kinds
    async with db.acquire() as conn:
        await chain_audit(conn)
        audit = await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'message.imported'")
    assert audit == 2

    # Cited as the provenance of a new Message.
    cited = (await message(client, secretariat, provenance=[{"kind": "message", "id": older}])).json()
    assert cited["provenance"][0]["citable_id"] == "IGF2018 Messages: Digital cooperation"

    # Superseded by a later published Message, as any published Message is.
    done_older = (await move(client, secretariat, older, {"to": "superseded", "superseded_by": newer})).json()
    assert done_older["state"] == "superseded" and done_older["superseded_by"] == newer


async def test_a_bad_archive_loads_nothing_and_names_every_problem(
    client: Client, tokens: TokenFactory
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    header = "year,theme,title,body,published_on,source_url,sdgs"
    rows = [
        '2017,Cybersecurity,IGF 2017 Messages,"One.\n\nTwo.",2017-12-21,https://igf.example/2017,16',
        "2005,X,Y,,2030-01-01,ftp://nowhere,99",  # year, theme, title, body, url; sdg 99
    ]
    content = ("\r\n".join([header, *rows]) + "\r\n").encode()
    response = await client.post(
        "/v1/messages/archive", content=content, headers={**secretariat.headers, "content-type": "text/csv"}
    )
    errors = assert_problem(response, 422, "message-archive-rejected")["errors"]
    assert {e["pointer"] for e in errors} >= {
        "/rows/5/year",
        "/rows/5/theme",
        "/rows/5/title",
        "/rows/5/source_url",
    }
    # (the first row spans lines 2-4: its body holds a blank line)
    assert all(e["detail"].startswith("line 5: ") for e in errors)
    assert (await client.get("/v1/messages")).json()["items"] == []


async def test_a_refused_change_names_the_state_in_plain_words(client: Client, tokens: TokenFactory) -> None:
    # Issue 15: "cannot save a new version while the Message is <MessageState.published: 'published'>".
    secretariat = await tokens.user(Role.secretariat)
    done = await client.post(
        "/v1/messages/archive", json={"messages": [archived(2018)]}, headers=secretariat.headers
    )
    message_id = done.json()["messages"][0]["id"]
    current = await get(client, message_id, secretariat)
    response = await client.post(
        f"/v1/messages/{message_id}/versions",
        json={"title": "A new text", "body": "Changed after publication."},
        headers={**secretariat.headers, "If-Match": current.headers["etag"]},
    )
    body = assert_problem(response, 409, "wrong-state")
    assert body["detail"].startswith(
        "cannot save a new version while the Message is published; possible in: "
    )
    assert "MessageState" not in body["detail"] and body["current_state"] == "published"
