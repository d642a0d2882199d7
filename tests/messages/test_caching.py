"""Messages' cached reads: ETag and 304 everywhere; the list varies by role and says so (Vary)."""

from __future__ import annotations

import httpx

from igf_hub.auth.principal import Role
from tests.messages.support import comment, message, move, report
from tests.support.auth import TokenFactory
from tests.support.caching import PRIVATE, PUBLIC, assert_revalidates


async def test_message_reads_revalidate_and_the_role_varying_list_says_vary(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    commenter = await tokens.user()
    draft = (await message(client, secretariat)).json()
    hidden = (await message(client, secretariat, title="Not ready yet")).json()
    await move(client, secretariat, draft["id"], {"to": "public_comment"})
    await comment(client, commenter, draft["id"])

    # the list holds unopened drafts for the Secretariat only: it says Vary, and the two answers differ
    public = await assert_revalidates(client, "/v1/messages", cache_control=PUBLIC)
    everything = await assert_revalidates(client, "/v1/messages", secretariat.headers, cache_control=PRIVATE)
    assert hidden["id"] in everything.text and hidden["id"] not in public.text
    assert public.headers["etag"] != everything.headers["etag"]

    read = await assert_revalidates(client, f"/v1/messages/{draft['id']}", cache_control=PUBLIC)
    assert read.headers["etag"] == f'"{read.json()["version"]}"'
    await assert_revalidates(
        client, f"/v1/messages/{hidden['id']}", secretariat.headers, cache_control=PRIVATE
    )
    await assert_revalidates(client, f"/v1/messages/{draft['id']}/comments", cache_control=PUBLIC)
    await assert_revalidates(
        client, f"/v1/messages/{draft['id']}/comments?mine=true", commenter.headers, cache_control=PRIVATE
    )
    await assert_revalidates(client, f"/v1/messages/{draft['id']}/exports/message.md", cache_control=PUBLIC)

    session = await report(client, secretariat)
    await assert_revalidates(client, f"/v1/session-reports/{session['id']}", cache_control=PUBLIC)
    await assert_revalidates(client, "/v1/session-reports", cache_control=PUBLIC)
