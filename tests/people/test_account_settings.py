"""The account page's parts (issue 18): sessions with "sign out everywhere else", "sign out everywhere" ending the
programs' refresh tokens too, connected programs revocable, a download of one's own data, and deletion that keeps
the public record (a comment stays; its published name goes unless the person keeps it)."""

from __future__ import annotations

from uuid import uuid4

import asyncpg
import httpx
import pytest

from igf_hub.auth.principal import Role
from tests.messages.support import comment, message, move
from tests.support.audit import chain_audit
from tests.support.auth import Caller, TokenFactory
from tests.support.web import Site, WebClient

GOOD = "a quiet river under the old bridge"


async def _refresh_token(db: asyncpg.Pool, person: Caller, name: str) -> None:
    await db.execute(
        "INSERT INTO oauth_refresh_tokens (token_hash, client_id, user_id, expires_at) "
        "VALUES ($1, 'igf-hub-console', $2, now() + interval '1 day')",
        name,
        person.id,
    )


async def _revoked(db: asyncpg.Pool, name: str) -> bool:
    revoked: bool = await db.fetchval(
        "SELECT revoked_at IS NOT NULL FROM oauth_refresh_tokens WHERE token_hash = $1", name
    )
    return revoked


async def _signed_in(site: Site, person: Caller) -> WebClient:
    browser = site.browser()
    answer = await browser.sign_in(person.user.email, GOOD)
    assert answer.status_code == 303
    return browser


async def test_sign_out_everywhere_else_keeps_this_browser(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(password=GOOD)
    async with await _signed_in(site, person) as here, await _signed_in(site, person) as there:
        page = await here.get("/en/account/sessions")
        assert page.status_code == 200 and page.text.count("<tr><td>") == 2 and "(this browser)" in page.text
        ended = await here.post(
            "/en/account/sessions/others", {"csrf_token": await here.token("/en/account")}
        )
        assert ended.headers["location"] == "/en/account?done=signed-out-others"
        assert (await here.get("/en/account")).status_code == 200
        assert (await there.get("/en/account")).status_code == 303  # signed out there
    await chain_audit(db)
    row = await db.fetchrow("SELECT data FROM audit_log WHERE action = 'user.signed_out_others'")
    assert row["data"] == {"sessions": 1}


async def test_sign_out_everywhere_also_ends_the_programs_refresh_tokens(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    """Before: only browser sessions ended; a program signed in as the person kept refreshing its access."""
    person = await tokens.user(password=GOOD)
    await _refresh_token(db, person, "program")
    async with await _signed_in(site, person) as browser:
        await browser.post("/en/signout/everywhere", {"csrf_token": await browser.token("/en/account")})
    assert await _revoked(db, "program")


async def test_a_connected_program_is_listed_and_revocable(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(password=GOOD)
    other = await tokens.user(password=GOOD)
    await _refresh_token(db, person, "mine")
    await _refresh_token(db, other, "theirs")
    async with await _signed_in(site, person) as browser:
        page = await browser.get("/en/account/sessions")
        assert "igf_hub console" in page.text
        revoked = await browser.post(
            "/en/account/programs/igf-hub-console/revoke", {"csrf_token": await browser.token("/en/account")}
        )
        assert revoked.headers["location"] == "/en/account/sessions?done=disconnected"
        after = await browser.get("/en/account/sessions?done=disconnected")
        assert "No program can act for you." in after.text
    assert await _revoked(db, "mine") and not await _revoked(db, "theirs")


async def test_the_export_is_the_persons_own_data_and_no_secret(site: Site, tokens: TokenFactory) -> None:
    person = await tokens.user((Role.funder, uuid4()), password=GOOD)
    async with await _signed_in(site, person) as browser:
        answer = await browser.get("/en/account/export")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="igf-hub-account.json"'
    assert answer.headers["cache-control"] == "no-store"
    data = answer.json()
    assert data["account"]["email"] == person.user.email
    assert [r["role"] for r in data["roles"]] == ["funder"]
    assert len(data["sessions"]) == 1 and "token_hash" not in data["sessions"][0]
    assert "user.signed_in" in {a["action"] for a in data["activity"]}
    assert "argon2" not in answer.text and "csrf" not in answer.text


@pytest.mark.parametrize("keep_name", [False, True])
async def test_deleting_the_account_keeps_its_public_comments(
    site: Site, client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, keep_name: bool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    person = await tokens.user((Role.funder, uuid4()), password=GOOD)
    await _refresh_token(db, person, "program")
    mid = (await message(client, secretariat)).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    await comment(client, person, mid, display_name="Amina Diallo")
    async with await _signed_in(site, person) as browser:
        wrong = await browser.post(
            "/en/account/delete",
            {"csrf_token": await browser.token("/en/account/delete"), "password": "not mine"},
        )
        assert wrong.status_code == 422 and "The password is wrong" in wrong.text
        form = {"csrf_token": await browser.token("/en/account/delete"), "password": GOOD}
        if keep_name:
            form["keep_name"] = "yes"
        deleted = await browser.post("/en/account/delete", form)
        assert deleted.headers["location"] == "/en/signin?done=account-deleted"
        assert (await browser.get("/en/account")).status_code == 303
        assert (await browser.sign_in(person.user.email, GOOD)).status_code == 401
    row = await db.fetchrow(
        "SELECT email::text, display_name, password_hash, is_active FROM users WHERE id = $1", person.id
    )
    assert dict(row) == {
        "email": f"deleted-{person.id}@deleted.invalid",
        "display_name": "",
        "password_hash": None,
        "is_active": False,
    }
    assert await db.fetchval("SELECT count(*) FROM role_grants WHERE user_id = $1", person.id) == 0
    assert await _revoked(db, "program")
    comments = (await client.get(f"/v1/messages/{mid}/comments")).json()["items"]
    assert [(c["body"], c["display_name"]) for c in comments] == [
        ("Please name small operators explicitly.", "Amina Diallo" if keep_name else None)
    ]
    await chain_audit(db)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'user.deleted'") == 1
