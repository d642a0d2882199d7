"""The whole lifecycle through the API, as drafters, commenters, MAG members, the Chair and the Secretariat
would drive it: draft → public_comment → synthesis → mag_review → approved → published → superseded."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core import params
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.support import (
    Client,
    assert_problem,
    comment,
    dispose,
    events,
    get,
    if_match,
    mag,
    message,
    move,
    position,
    refresh,
    report,
    sweep,
    to_approved,
    to_review,
)
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory


async def test_a_message_goes_from_draft_to_published_and_is_superseded(
    client: Client,
    tokens: TokenFactory,
    clock: Clock,
    settings: Settings,
    db: asyncpg.Pool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    drafter = await tokens.user()
    organiser = await tokens.user()
    session = await report(client, organiser)

    # Drafting: the Secretariat creates it, citing a session report; a named drafter saves a new version.
    created = await message(
        client,
        secretariat,
        drafters=[str(drafter.id)],
        provenance=[
            {"kind": "session_report", "id": session["id"], "paragraph_ids": ["p2"], "note": "main source"}
        ],
    )
    m = created.json()
    mid = m["id"]
    assert m["state"] == "draft" and m["current_version_number"] == 1
    assert [p["id"] for p in m["languages"][0]["paragraphs"]] == ["p1", "p2", "p3"]
    assert m["provenance"][0]["title"] == "IGF 2025: Community networks for the last billion"
    assert m["provenance"][0]["url"].endswith(f"/v1/session-reports/{session['id']}")
    assert (await client.get(f"/v1/messages/{mid}")).status_code == 404  # a fresh draft is not public yet

    edited = m["languages"][0]["body"].replace("community networks", "community networks and small operators")
    saved = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"title": m["title"], "body": edited},
        headers=if_match(created, drafter),
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["number"] == 2
    assert [p["id"] for p in saved.json()["paragraphs"]] == ["p1", "p2", "p3"]  # the edited paragraph kept p2

    # Public comment: opens on version 2 for the default 21 days.
    opened = (await move(client, secretariat, mid, {"to": "public_comment"})).json()
    assert opened["comment_round"]["version_number"] == 2
    assert opened["comment_round"]["closes_at"] > opened["comment_round"]["opens_at"]
    assert (await client.get(f"/v1/messages/{mid}")).status_code == 200  # public from now on

    commenter = await tokens.user()
    other = await tokens.user()
    whole = (await comment(client, commenter, mid, display_name="Wanjiru")).json()
    on_p2 = (
        await comment(
            client,
            other,
            mid,
            paragraph_id="p2",
            body="Say who pays.",
            stakeholder_group="private_sector",
            country="BR",
        )
    ).json()
    assert on_p2["paragraph_id"] == "p2" and on_p2["disposition"] is None

    # The window closes by the clock and the worker; the Message moves to synthesis.
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat, drafter, commenter)
    late = await comment(client, commenter, mid, expect=409)
    assert_problem(late, 409, "comment-period-closed")
    await sweep(settings, clock)
    assert (await get(client, mid)).json()["state"] == "synthesis"

    # Review is refused while a comment lacks a disposition, and the refusal says how many and which.
    refused = await move(client, secretariat, mid, {"to": "mag_review"}, expect=409)
    body = assert_problem(refused, 409, "undisposed-comments")
    assert body["undisposed_count"] == 2 and set(body["undisposed_comment_ids"]) == {whole["id"], on_p2["id"]}

    # Synthesis: version 3 takes the paragraph comment in; every comment gets a disposition.
    v2 = (await client.get(f"/v1/messages/{mid}/versions/2")).json()
    paragraphs = [{"id": p["id"], "text": p["text"]} for p in v2["paragraphs"]]
    paragraphs[1]["text"] += " Public funds should leverage private investment."
    current = await get(client, mid, drafter)
    v3 = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"title": m["title"], "paragraphs": paragraphs},
        headers=if_match(current, drafter),
    )
    assert v3.status_code == 201, v3.text
    await dispose(
        client, drafter, mid, on_p2["id"], {"outcome": "accepted", "rationale": "Added.", "version_number": 3}
    )
    await dispose(
        client,
        drafter,
        mid,
        whole["id"],
        {"outcome": "partially_accepted", "rationale": "Small operators named.", "version_number": 3},
    )
    listed = (await client.get(f"/v1/messages/{mid}/comments")).json()["items"]
    assert {c["disposition"]["outcome"] for c in listed} == {"accepted", "partially_accepted"}

    # MAG review: a ballot on version 3 with a snapshot of the MAG.
    chair, *members = await mag(tokens, 4, chair=True)
    review = (await move(client, secretariat, mid, {"to": "mag_review"})).json()
    assert review["state"] == "mag_review"
    ballot = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    assert ballot["version_number"] == 3 and len(ballot["members"]) == 4 and ballot["passes"] is False
    assert ballot["members"][0]["is_chair"] in (True, False)
    assert sum(m["is_chair"] for m in ballot["members"]) == 1

    early = await move(client, chair, mid, {"to": "approved"}, expect=409)
    assert "still needs" in assert_problem(early, 409, "ballot-not-passed")["needed_to_pass"]
    for caller, (value, group) in zip(
        [chair, *members],
        [
            ("yes", "government"),
            ("yes", "civil_society"),
            ("no_objection", "private_sector"),
            ("abstain", "technical_community"),
        ],
        strict=True,
    ):
        await position(client, caller, mid, value, group=group)
    ballot = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    assert ballot["passes"] is True and ballot["needed_to_pass"].startswith("The ballot passes")
    assert ballot["outcome"]["tally"]["supporting_needed"] == 3  # ceil(2/3 x 4)

    # Approval by the Chair freezes version 3 and emits message.approved with the Message as the API shows it.
    approved = (await move(client, chair, mid, {"to": "approved"})).json()
    assert approved["state"] == "approved" and approved["approved_version_number"] == 3
    assert approved["approved_content_sha256"] == approved["content_sha256"]
    emitted = await events(db, "message.approved")
    assert len(emitted) == 1
    shown = (await get(client, mid)).json()
    assert emitted[0] == shown  # exactly what GET returns
    assert emitted[0]["classification"] == {
        "wsis_action_lines": ["C2", "C3"],
        "sdgs": [9],
        "gdc_objectives": [1],
    }
    assert emitted[0]["provenance"][0]["kind"] == "session_report"
    assert emitted[0]["languages"][0]["body"].count("\n\n") == 2
    frozen = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"title": "x" * 5, "body": "Another text."},
        headers=if_match(await get(client, mid, drafter), drafter),
    )
    assert assert_problem(frozen, 409, "wrong-state")["current_state"] == "approved"

    # Publication, and the public page.
    published = (await move(client, secretariat, mid, {"to": "published"})).json()
    assert published["links"]["page"].endswith(f"/messages/{mid}")
    page = await client.get(f"/messages/{mid}")
    assert page.status_code == 200 and "Connect the next billion" in page.text and 'id="p2"' in page.text
    assert len(await events(db, "message.published")) == 1

    # A newer Message that supersedes it, once published, supersedes it — linked both ways.
    newer = (
        await message(client, secretariat, title="Connect everyone, meaningfully", supersedes=mid)
    ).json()
    await to_approved(client, tokens, clock, settings, secretariat, newer["id"], [chair, *members])
    await move(client, secretariat, newer["id"], {"to": "published"})
    old = (await get(client, mid)).json()
    assert old["state"] == "superseded" and old["superseded_by"] == newer["id"]
    assert (await get(client, newer["id"])).json()["supersedes"] == mid
    superseded = await events(db, "message.superseded")
    assert [e["id"] for e in superseded] == [mid] and superseded[0]["superseded_by"] == newer["id"]
    banner = await client.get(f"/messages/{mid}")
    assert "This Message has been replaced by a newer one." in banner.text

    history = (await client.get(f"/v1/messages/{mid}/history")).json()
    # Answered whole, bounded to the latest params.LATEST_SHOWN entries (here lowered to two).
    monkeypatch.setattr(params, "LATEST_SHOWN", 2)
    assert (await client.get(f"/v1/messages/{mid}/history")).json() == history[-2:]
    monkeypatch.undo()
    transitions = [(h["from_state"], h["to_state"]) for h in history if h["kind"] == "transition"]
    assert transitions == [
        ("draft", "public_comment"),
        ("public_comment", "synthesis"),
        ("synthesis", "mag_review"),
        ("mag_review", "approved"),
        ("approved", "published"),
        ("published", "superseded"),
    ]
    async with db.acquire() as conn:
        await chain_audit(conn)
        actions = {
            r["action"] for r in await conn.fetch("SELECT action FROM audit_log WHERE subject_id = $1", mid)
        }
    assert {
        "message.created",
        "message.version_saved",
        "message.public_comment_opened",
        "message.approved",
        "message.published",
        "message.superseded",
        "message.comment_disposed",
    } <= actions


async def test_send_back_and_another_comment_round_and_withdrawal(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    chair, *members = await mag(tokens, 3, chair=True)
    mid = (await message(client, secretariat)).json()["id"]
    await to_review(client, tokens, clock, settings, secretariat, mid, with_comment=True)
    await refresh(tokens, chair, *members)

    # Dispositions are settled once the MAG reviews: changing one now is refused.
    [said] = (await client.get(f"/v1/messages/{mid}/comments")).json()["items"]
    late = await dispose(
        client,
        secretariat,
        mid,
        said["id"],
        {"outcome": "accepted", "rationale": "On reflection", "version_number": 1},
        expect=409,
    )
    assert assert_problem(late, 409, "wrong-state")["allowed_in"] == ["draft", "public_comment", "synthesis"]

    # The Chair sends it back with a reason; the open ballot closes.
    back = (
        await move(client, chair, mid, {"to": "draft", "reason": "Too long; needs a sharper call."})
    ).json()
    assert back["state"] == "draft"
    ballot = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    assert ballot["status"] == "closed" and ballot["closed_reason"] == "sent_back"
    assert (await client.get(f"/v1/messages/{mid}")).status_code == 200  # it was public: it stays visible

    # Another round of comment from synthesis.
    await move(client, secretariat, mid, {"to": "public_comment", "days": 14})
    clock.advance(timedelta(days=14, seconds=1))
    await refresh(tokens, secretariat)
    await sweep(settings, clock)
    second = (await move(client, secretariat, mid, {"to": "public_comment", "days": 30})).json()
    assert second["comment_round"]["number"] == 3

    withdrawn = (
        await move(client, secretariat, mid, {"to": "withdrawn", "reason": "Merged into another Message."})
    ).json()
    assert (
        withdrawn["state"] == "withdrawn" and withdrawn["withdrawn_reason"] == "Merged into another Message."
    )
    assert withdrawn["comment_round"]["closed_at"] is not None
    final = await move(client, secretariat, mid, {"to": "draft", "reason": "undo please"}, expect=409)
    assert assert_problem(final, 409, "illegal-transition")["allowed"] == []
    assert len(await events(db, "message.withdrawn")) == 1


async def test_a_published_message_is_superseded_explicitly_and_linked_both_ways(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    members = await mag(tokens, 3, chair=True)
    older = (await message(client, secretariat, year=2024)).json()["id"]
    newer = (await message(client, secretariat, title="Connect everyone")).json()["id"]
    draft = (await message(client, secretariat, title="Still a draft")).json()["id"]
    for mid in (older, newer):
        await to_approved(client, tokens, clock, settings, secretariat, mid, members)
        await refresh(tokens, secretariat)
        await move(client, secretariat, mid, {"to": "published"})

    itself = await move(client, secretariat, older, {"to": "superseded", "superseded_by": older}, expect=409)
    assert "is not another Message" in assert_problem(itself, 409, "supersession-conflict")["detail"]
    unpublished = await move(
        client, secretariat, older, {"to": "superseded", "superseded_by": draft}, expect=409
    )
    assert "only a published Message supersedes" in assert_problem(unpublished, 409)["detail"]
    by_member = await move(
        client, members[0], older, {"to": "superseded", "superseded_by": newer}, expect=403
    )
    assert_problem(by_member, 403, "forbidden")

    done = (await move(client, secretariat, older, {"to": "superseded", "superseded_by": newer})).json()
    assert done["state"] == "superseded" and done["superseded_by"] == newer
    assert (await get(client, newer)).json()["supersedes"] == older
    [event] = await events(db, "message.superseded")
    assert event["id"] == older and event["superseded_by"] == newer
    assert event["classification"] == {"wsis_action_lines": ["C2", "C3"], "sdgs": [9], "gdc_objectives": [1]}
