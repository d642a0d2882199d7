"""Versions: immutable in the database, hash-stable and recomputable from the API, ids stable across edits,
translations labelled and never authoritative, diffs between any two versions of a language."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import asyncpg
import pytest

from igf_hub.auth.principal import Role
from tests.messages.support import Client, assert_problem, get, if_match, message, move
from tests.support.auth import TokenFactory


def recompute(version: dict[str, Any]) -> str:
    """An independent implementation of the documented canonical encoding."""
    document = {
        "language": version["language"],
        "paragraphs": [{"id": p["id"], "text": p["text"]} for p in version["paragraphs"]],
        "title": version["title"],
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def test_versions_are_immutable_and_hash_stable(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    created = await message(client, secretariat, body="Première idée.\n\nSecond thought — with “quotes”.")
    mid = created.json()["id"]
    v1 = (await client.get(f"/v1/messages/{mid}/versions/1", headers=secretariat.headers)).json()
    assert v1["content_sha256"] == recompute(v1) == created.json()["content_sha256"]

    # The same text saved again is refused as identical; a changed one gets a new number and hash.
    same = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"title": v1["title"], "body": v1["body"]},
        headers=if_match(created, secretariat),
    )
    assert "identical to version 1" in assert_problem(same, 422, "invalid-content")["detail"]
    v2 = await client.post(
        f"/v1/messages/{mid}/versions",
        json={
            "title": v1["title"],
            "paragraphs": [{"id": "p2", "text": "Second thought, sharpened."}, {"text": "New closing line."}],
        },
        headers=if_match(created, secretariat),
    )
    assert v2.status_code == 201, v2.text
    assert [p["id"] for p in v2.json()["paragraphs"]] == ["p2", "p3"]
    assert v2.json()["content_sha256"] == recompute(v2.json()) != v1["content_sha256"]
    assert v2.headers["message-etag"] == '"2"'
    again = (await client.get(f"/v1/messages/{mid}/versions/1", headers=secretariat.headers)).json()
    assert again == v1  # reading it later gives the same bytes

    async with db.acquire() as conn:
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("UPDATE message_versions SET body = 'tampered' WHERE message_id = $1", mid)
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("DELETE FROM message_versions WHERE message_id = $1", mid)

    unknown_id = await client.post(
        f"/v1/messages/{mid}/versions",
        json={
            "title": "Title",
            "paragraphs": [{"id": "p42", "text": "x"}, {"id": "p2", "text": "y"}, {"id": "p2", "text": "z"}],
        },
        headers=if_match(await get(client, mid, secretariat), secretariat),
    )
    pointers = [e["pointer"] for e in assert_problem(unknown_id, 422)["errors"]]
    assert pointers == ["/paragraphs/0/id", "/paragraphs/2/id"]
    assert_problem(
        await client.get(f"/v1/messages/{mid}/versions/9", headers=secretariat.headers),
        404,
        "version-not-found",
    )


async def test_translations_diff_and_version_lists(client: Client, tokens: TokenFactory) -> None:
    secretariat = await tokens.user(Role.secretariat)
    created = await message(client, secretariat)
    mid = created.json()["id"]
    tag = if_match(created, secretariat)
    fr = await client.post(
        f"/v1/messages/{mid}/versions",
        json={
            "language": "fr",
            "title": "Connecter le prochain milliard",
            "machine_translation": True,
            "body": "Un accès utile.\n\nInvestir ensemble.\n\nDonnées et droits humains.",
        },
        headers=tag,
    )
    assert fr.status_code == 201, fr.text
    assert fr.json()["is_authoritative"] is False and fr.json()["machine_translation"] is True
    assert fr.json()["translation_of"] == 1 and [p["id"] for p in fr.json()["paragraphs"]] == [
        "p1",
        "p2",
        "p3",
    ]
    wrong_count = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"language": "es", "title": "Conectar", "body": "Solo un párrafo."},
        headers=if_match(await get(client, mid, secretariat), secretariat),
    )
    assert "paragraph for paragraph" in assert_problem(wrong_count, 422)["errors"][0]["detail"]

    shown = (await get(client, mid, secretariat)).json()
    assert [t["language"] for t in shown["languages"]] == ["en", "fr"]
    assert shown["languages"][0]["is_authoritative"] and not shown["languages"][1]["is_authoritative"]
    assert shown["title"] == "Connect the next billion"  # the title is the authoritative one

    # A new English version: the French text translates the old one, so it drops out of `languages`.
    en = await client.post(
        f"/v1/messages/{mid}/versions",
        json={
            "title": "Connect the next billion",
            "body": shown["languages"][0]["body"] + "\n\nA fourth point.",
        },
        headers=if_match(await get(client, mid, secretariat), secretariat),
    )
    assert en.json()["number"] == 3
    assert [t["language"] for t in (await get(client, mid, secretariat)).json()["languages"]] == ["en"]

    listed = (
        await client.get(
            f"/v1/messages/{mid}/versions", params={"language": "en", "limit": 1}, headers=secretariat.headers
        )
    ).json()
    assert [v["number"] for v in listed["items"]] == [1] and listed["next_cursor"]
    rest = (
        await client.get(
            f"/v1/messages/{mid}/versions",
            params={"language": "en", "cursor": listed["next_cursor"]},
            headers=secretariat.headers,
        )
    ).json()
    assert [v["number"] for v in rest["items"]] == [3] and rest["next_cursor"] is None

    changes = (
        await client.get(f"/v1/messages/{mid}/diff", params={"from": 1, "to": 3}, headers=secretariat.headers)
    ).json()
    assert changes["stats"] == {"unchanged": 3, "changed": 0, "added": 1, "removed": 0}
    assert changes["paragraphs"][-1] == {
        "paragraph_id": "p4",
        "change": "added",
        "before": None,
        "after": "A fourth point.",
        "moved": False,
        "segments": [],
    }
    assert "+A fourth point." in changes["unified"]
    cross = await client.get(
        f"/v1/messages/{mid}/diff", params={"from": 1, "to": 2}, headers=secretariat.headers
    )
    assert "diff two versions of one language" in assert_problem(cross, 422)["detail"]
    missing = await client.get(f"/v1/messages/{mid}/diff", params={"from": 1}, headers=secretariat.headers)
    assert missing.status_code in (400, 422)

    # While comment is open the source text is frozen, but translations of it help commenters.
    await move(client, secretariat, mid, {"to": "public_comment"})
    es = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"language": "es", "title": "Conectar", "body": "Uno.\n\nDos.\n\nTres.\n\nCuatro."},
        headers=if_match(await get(client, mid), secretariat),
    )
    assert es.status_code == 201 and es.json()["translation_of"] == 3


async def test_a_person_confirms_a_machine_translation_without_changing_a_word(
    client: Client, tokens: TokenFactory
) -> None:
    """Until a person confirms it, a translation stays marked as machine-made; confirming the same words is a
    new version without the mark (it was refused as identical before), and the same again is refused."""
    secretariat = await tokens.user(Role.secretariat)
    created = await message(client, secretariat)
    mid = created.json()["id"]
    text = {
        "language": "fr",
        "title": "Connecter le prochain milliard",
        "body": "Un accès utile.\n\nInvestir ensemble.\n\nDonnées et droits humains.",
    }
    machine = await client.post(
        f"/v1/messages/{mid}/versions",
        json={**text, "machine_translation": True},
        headers=if_match(created, secretariat),
    )
    assert machine.status_code == 201, machine.text
    confirmed = await client.post(
        f"/v1/messages/{mid}/versions",
        json={**text, "machine_translation": False},
        headers=if_match(machine, secretariat),
    )
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["machine_translation"] is False
    assert confirmed.json()["content_sha256"] == machine.json()["content_sha256"]
    shown = (await get(client, mid, secretariat)).json()["languages"]
    assert [(t["language"], t["machine_translation"]) for t in shown] == [("en", False), ("fr", False)]
    again = await client.post(
        f"/v1/messages/{mid}/versions",
        json={**text, "machine_translation": False},
        headers=if_match(confirmed, secretariat),
    )
    assert "nothing to save" in assert_problem(again, 422)["detail"]
