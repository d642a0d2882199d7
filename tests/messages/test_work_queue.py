"""What the Messages domain puts in the Secretariat's work queue: comments awaiting a disposition, ballots that
pass (a decision is due) and approved Messages to publish, each linking to the page where it is acted on."""

from __future__ import annotations

from datetime import timedelta

import httpx

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.support import GROUPS, comment, mag, message, move, position, refresh, to_review
from tests.support.auth import TokenFactory
from tests.web.test_work_queue import _sections


async def test_the_secretariat_s_queue_shows_messages_waiting_for_it(
    client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock, settings: Settings
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    members = await mag(tokens, 3)
    waiting = (await message(client, secretariat, title="Answer the comments")).json()["id"]
    passing = (await message(client, secretariat, title="Decide on the ballot")).json()["id"]
    approved = (await message(client, secretariat, title="Publish me")).json()["id"]
    for mid in (passing, approved):
        await to_review(client, tokens, clock, settings, secretariat, mid)
        await refresh(tokens, *members)
        for caller, group in zip(members, GROUPS, strict=False):
            await position(client, caller, mid, "yes", group=group)
    await move(client, secretariat, approved, {"to": "approved"})
    await move(client, secretariat, waiting, {"to": "public_comment"})
    await comment(client, await tokens.user(), waiting)
    await comment(client, await tokens.user(), waiting, body="A second thought.")
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat)
    await move(client, secretariat, waiting, {"to": "synthesis"})

    answer = await client.get("/en/secretariat/queue", headers=secretariat.headers)
    assert answer.status_code == 200, answer.text
    sections = _sections(answer)
    ((text, link),) = sections["queue-messages-awaiting-dispositions"]
    assert (
        text.startswith("Answer the comments · 2 waiting") and link == f"/en/messages/{waiting}/dispositions"
    )
    assert [(t.split(" · ")[0], href) for t, href in sections["queue-messages-ballots-passing"]] == [
        ("Decide on the ballot", f"/en/messages/{passing}/ballot")
    ]
    assert [(t.split(" · ")[0], href) for t, href in sections["queue-messages-awaiting-publication"]] == [
        ("Publish me", f"/en/messages/{approved}/ballot")
    ]
