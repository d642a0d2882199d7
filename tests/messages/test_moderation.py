"""Hiding an abusive comment (HideMessageComment): the Message's drafters and the Secretariat give a public
reason; the comment stays in the record (its text for them, its disposition still required), and everyone else
reads the reason instead of the text."""

from __future__ import annotations

from igf_hub.auth.principal import Role
from tests.messages.support import Client, assert_problem, comment, get, message, move
from tests.support.auth import TokenFactory


async def test_a_hidden_comment_shows_its_reason_and_stays_in_the_record(
    client: Client, tokens: TokenFactory
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    commenter = await tokens.user()
    reader = await tokens.user()
    mid = (await message(client, secretariat)).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    posted = (await comment(client, commenter, mid, body="You are all idiots and liars.")).json()
    path = f"/v1/messages/{mid}/comments/{posted['id']}"
    reason = {"reason": "Insults, not a comment on the text."}

    refused = await client.post(f"{path}/hide", json=reason, headers={**reader.headers, "If-Match": '"1"'})
    assert_problem(refused, 403, "not-a-drafter")
    assert_problem(await client.post(f"{path}/hide", json=reason, headers=secretariat.headers), 428)
    short = await client.post(
        f"{path}/hide", json={"reason": "x"}, headers={**secretariat.headers, "If-Match": '"1"'}
    )
    assert_problem(short, 422)

    hidden = await client.post(
        f"{path}/hide", json=reason, headers={**secretariat.headers, "If-Match": '"1"'}
    )
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["hidden"]["reason"] == reason["reason"]
    assert hidden.json()["body"] == "You are all idiots and liars."  # the Secretariat still reads it

    public = (await client.get(path)).json()
    assert public["body"] == "" and public["hidden"]["reason"] == reason["reason"]
    listed = (await client.get(f"/v1/messages/{mid}/comments", headers=reader.headers)).json()["items"]
    assert [(c["body"], c["hidden"]["reason"]) for c in listed] == [("", reason["reason"])]
    # Still in the record: counted, and waiting for its disposition like any other.
    shown = (await get(client, mid, secretariat)).json()
    assert (shown["comment_count"], shown["undisposed_comment_count"]) == (1, 1)

    again = await client.post(
        f"{path}/hide", json=reason, headers={**secretariat.headers, "If-Match": hidden.headers["etag"]}
    )
    assert_problem(again, 409, "comment-already-hidden")
    stale = await client.post(f"{path}/hide", json=reason, headers={**secretariat.headers, "If-Match": '"1"'})
    assert_problem(stale, 412)
