"""Reading Messages: the public list with filters and search, visibility of drafts, exports per Message and per
year (JSON with provenance, CSV, Markdown), and the public page of a published Message."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web.templating import WEB_CSP
from tests.messages.support import (
    Client,
    assert_problem,
    comment,
    dispose,
    get,
    if_match,
    mag,
    message,
    move,
    position,
    refresh,
    report,
    sweep,
)
from tests.support.auth import TokenFactory


async def test_list_filters_search_and_visibility(client: Client, tokens: TokenFactory) -> None:
    secretariat = await tokens.user(Role.secretariat)
    a = (
        await message(
            client,
            secretariat,
            title="Trust in AI",
            theme="Artificial intelligence",
            classification={"wsis_action_lines": ["C5"], "sdgs": [16], "gdc_objectives": [5]},
        )
    ).json()
    b = (
        await message(
            client,
            secretariat,
            year=2024,
            title="Open data flows",
            body="Data should cross borders with trust.",
        )
    ).json()
    hidden = (await message(client, secretariat, title="Not ready yet")).json()
    for m in (a, b):
        await move(client, secretariat, m["id"], {"to": "public_comment"})
    fr = await client.post(
        f"/v1/messages/{a['id']}/versions",
        json={
            "language": "fr",
            "title": "Confiance",
            "body": "Un.\n\nDeux.\n\nTrois.",
            "machine_translation": True,
        },
        headers=if_match(await get(client, a["id"]), secretariat),
    )
    assert fr.status_code == 201

    public = await client.get("/v1/messages")
    assert {m["id"] for m in public.json()["items"]} == {
        a["id"],
        b["id"],
    }  # the untouched draft is not public
    assert public.headers["cache-control"] == "public, max-age=60"
    everything = await client.get("/v1/messages", headers=secretariat.headers)
    assert {m["id"] for m in everything.json()["items"]} == {a["id"], b["id"], hidden["id"]}
    assert "private" in everything.headers["cache-control"]

    async def ids(**params: str | int) -> list[str]:
        return [m["id"] for m in (await client.get("/v1/messages", params=params)).json()["items"]]

    assert await ids(year=2024) == [b["id"]]
    assert await ids(theme="Artificial intelligence") == [a["id"]]
    assert await ids(action_line="C5") == [a["id"]]
    assert await ids(sdg=16) == [a["id"]]
    assert await ids(gdc_objective=1) == [b["id"]]
    assert await ids(language="fr") == [a["id"]]
    assert await ids(q="cross borders") == [b["id"]]
    assert await ids(q="confiance") == [a["id"]]  # search covers every language
    assert await ids(q="%%") == []  # wildcards in the search text are taken literally
    assert await ids(state="public_comment") == [b["id"], a["id"]]  # newest first
    first = (await client.get("/v1/messages", params={"limit": 1})).json()
    second = (await client.get("/v1/messages", params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [b["id"], a["id"]] and second[
        "next_cursor"
    ] is None
    assert_problem(await client.get("/v1/messages", params={"state": "pending"}), 422, "validation-failed")
    assert_problem(await client.get(f"/v1/messages/{hidden['id']}/comments"), 404)


async def test_exports_and_public_page(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    commenter = await tokens.user()
    chair, *members = await mag(tokens, 3, chair=True)
    source = await report(client, secretariat)
    mid = (
        await message(
            client,
            secretariat,
            title="Safe <script>alert(1)</script> spaces",
            body='Protect **children** online.\n\n[Read more](javascript:alert(1)) and =HYPERLINK("x")\n\nThird.',
            provenance=[{"kind": "session_report", "id": source["id"]}],
        )
    ).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    said = (
        await comment(
            client, commenter, mid, paragraph_id="p1", body="=cmd|' /C calc'!A0", display_name="Ana"
        )
    ).json()
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat, chair, *members)
    await sweep(settings, clock)
    await dispose(
        client, secretariat, mid, said["id"], {"outcome": "out_of_scope", "rationale": "Not about the text."}
    )
    await move(client, secretariat, mid, {"to": "mag_review"})
    for caller, group in zip(
        [chair, *members], ["government", "civil_society", "private_sector"], strict=True
    ):
        await position(client, caller, mid, "yes", group=group)
    await move(client, chair, mid, {"to": "approved"})
    # The reading view shows what the API shows: an approved Message, not yet published, says so.
    approved_page = await client.get(f"/messages/{mid}")
    assert approved_page.status_code == 200 and "Approved" in approved_page.text
    await move(client, secretariat, mid, {"to": "published"})

    bundle = (await client.get(f"/v1/messages/{mid}/exports/message.json")).json()
    assert (
        bundle["message"]["state"] == "published" and bundle["message"]["provenance"][0]["id"] == source["id"]
    )
    assert [v["number"] for v in bundle["versions"]] == [1]
    assert bundle["comments"][0]["disposition"]["outcome"] == "out_of_scope"
    assert len(bundle["ballots"]) == 1 and bundle["ballots"][0]["passes"] is True
    assert [h["kind"] for h in bundle["history"]][:2] == ["created", "version_saved"]

    comments = await client.get(f"/v1/messages/{mid}/exports/comments.csv")
    assert comments.headers["content-type"].startswith("text/csv")
    assert comments.headers["content-type"] == "text/csv; charset=utf-8"  # the charset once
    assert comments.text.startswith("\ufeffMessage ID,")  # a BOM, human headers
    rows = list(csv.DictReader(io.StringIO(comments.text.removeprefix("\ufeff"))))
    assert rows[0]["Comment"] == "'=cmd|' /C calc'!A0"  # a formula stays text in a spreadsheet
    assert rows[0]["Disposition"] == "out_of_scope" and rows[0]["Paragraph"] == "p1"
    ballots_csv = (await client.get(f"/v1/messages/{mid}/exports/ballots.csv?bom=0")).text
    ballots = list(csv.DictReader(io.StringIO(ballots_csv)))
    assert sorted(r["Position"] for r in ballots) == ["yes", "yes", "yes"]
    markdown = (await client.get(f"/v1/messages/{mid}/exports/message.md")).text
    assert markdown.startswith("# Safe <script>") and "Protect **children** online." in markdown
    assert "- SDGs: 9" in markdown and "IGF 2025: Community networks" in markdown

    year = (await client.get("/v1/messages/exports/2025/messages.json")).json()
    assert [m["message"]["id"] for m in year["messages"]] == [mid]
    assert (await client.get("/v1/messages/exports/2024/messages.json")).json()["messages"] == []
    year_csv = (await client.get("/v1/messages/exports/2025/comments.csv")).text
    assert said["id"] in year_csv
    assert "# IGF 2025 Messages" in (await client.get("/v1/messages/exports/2025/messages.md")).text
    assert str(chair.id) in (await client.get("/v1/messages/exports/2025/ballots.csv")).text

    page = await client.get(f"/messages/{mid}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == WEB_CSP  # scripts from this origin only, none inline
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    html = page.text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html  # drafters' text is escaped
    assert "<strong>children</strong>" in html and 'href="javascript:' not in html
    assert 'id="p1"' in html and 'id="p3"' in html
    assert (await client.get("/messages/00000000-0000-4000-8000-000000000000")).status_code == 404
