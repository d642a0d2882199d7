"""Sign-up, the one-time links (verification, reset) and their refusals, over real HTTP with the session and CSRF of
a browser. The links here are made by the service with a token the test knows (the e-mail that carries them is
tested in test_account_mail.py)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import asyncpg
import httpx

from igf_hub.core.clock import Clock
from igf_hub.people.account_repository import AccountRepository
from igf_hub.people.account_service import RESET, VERIFY, token_hash
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory
from tests.support.web import Site, WebClient

GOOD = "a quiet river under the old bridge"
FORM = {
    "email": "amina@example.org",
    "display_name": "Amina Diallo",
    "language": "fr",
    "group": "civil_society",
    "country": "SN",
    "password": GOOD,
}


async def _sign_up(browser: WebClient, **changes: str) -> httpx.Response:
    return await browser.post(
        "/en/signup", {"csrf_token": await browser.token("/en/signup"), **FORM, **changes}
    )


async def _link(db: asyncpg.Pool, clock: Clock, user_id: UUID, purpose: str, token: str) -> None:
    async with db.acquire() as conn:
        email = await conn.fetchval("SELECT email::text FROM users WHERE id = $1", user_id)
        await AccountRepository(conn).insert_link(
            token_hash=token_hash(token),
            purpose=purpose,
            user_id=user_id,
            email=email,
            now=clock.now(),
            expires_at=clock.now() + timedelta(hours=1),
        )


async def test_signing_up_makes_an_unconfirmed_account_with_what_the_person_declared(
    site: Site, db: asyncpg.Pool
) -> None:
    async with site.browser() as browser:
        answer = await _sign_up(browser)
    assert answer.status_code == 303 and answer.headers["location"] == "/fr/signup/sent"
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT display_name, preferred_language, stakeholder_group, country, email_verified_at, password_hash "
            "FROM users WHERE email = 'amina@example.org'"
        )
        await chain_audit(conn)
        audited = await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'user.signed_up'")
        links = await conn.fetchval("SELECT count(*) FROM account_links WHERE purpose = 'verify_email'")
    assert (row["display_name"], row["preferred_language"], row["stakeholder_group"], row["country"]) == (
        "Amina Diallo",
        "fr",
        "civil_society",
        "SN",
    )
    assert row["email_verified_at"] is None and row["password_hash"].startswith("$argon2")
    assert (audited, links) == (1, 1)


async def test_signing_up_with_a_taken_address_answers_the_same_and_changes_nothing(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    taken = await tokens.user(email="taken@example.org")
    async with site.browser() as browser:
        fresh = await _sign_up(browser, email="fresh@example.org")
        again = await _sign_up(browser, email="TAKEN@example.org", display_name="Someone Else")
    assert (again.status_code, again.headers["location"]) == (fresh.status_code, fresh.headers["location"])
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT display_name, password_hash FROM users WHERE id = $1", taken.id)
        count = await conn.fetchval("SELECT count(*) FROM users WHERE email = 'taken@example.org'")
    assert (row["display_name"], row["password_hash"], count) == ("", None, 1)


async def test_the_form_names_each_problem_in_the_readers_language_and_keeps_the_input(site: Site) -> None:
    async with site.browser() as browser:
        token = await browser.token("/fr/signup")
        answer = await browser.post(
            "/fr/signup",
            {
                **FORM,
                "csrf_token": token,
                "email": "not an address",
                "display_name": "",
                "password": "iloveyou",
            },
        )
    assert answer.status_code == 422
    page = answer.text
    assert '<a href="#field-email">Saisissez une adresse e-mail au bon format' in page
    assert '<a href="#field-display_name">Saisissez votre nom' in page
    assert "Votre mot de passe doit comporter au moins 15 caractères." in page
    assert 'value="not an address"' in page and "iloveyou" not in page  # kept; the password never sent back
    assert '<option value="SN" selected>' in page


async def test_requests_for_one_address_are_limited(site: Site) -> None:
    async with site.browser() as browser:
        answers = [await _sign_up(browser, email="busy@example.org") for _ in range(4)]
        asked = await browser.post(
            "/en/password-reset",
            {"csrf_token": await browser.token("/en/password-reset"), "email": "busy@example.org"},
        )
    assert [a.status_code for a in answers] == [303, 303, 303, 429]
    assert "Too many e-mails were asked for this address. Try again in 60 minutes." in answers[3].text
    assert asked.status_code == 429 and int(asked.headers["retry-after"]) > 0


async def test_a_verification_link_confirms_once_then_the_person_signs_in(
    site: Site, db: asyncpg.Pool, clock: Clock
) -> None:
    async with site.browser() as browser:
        await _sign_up(browser)
        async with db.acquire() as conn:
            user_id = await conn.fetchval("SELECT id FROM users WHERE email = 'amina@example.org'")
        await _link(db, clock, user_id, VERIFY, "known-token")
        shown = await browser.get("/en/verify-email/known-token")
        assert shown.status_code == 200 and "Confirm my e-mail address" in shown.text
        token = await browser.token("/en/verify-email/known-token")
        confirmed = await browser.post("/en/verify-email/known-token", {"csrf_token": token})
        assert confirmed.headers["location"] == "/en/signin?done=email-confirmed"
        again = await browser.post("/en/verify-email/known-token", {"csrf_token": token})
        assert again.status_code == 410
        assert "This link has already been used" in again.text and 'action="/en/verify-email"' in again.text
        signed_in = await browser.sign_in("amina@example.org", GOOD)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/en/account"
    async with db.acquire() as conn:
        await chain_audit(conn)
        audited = await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'user.email_verified'")
    assert audited == 1


async def test_an_expired_or_forged_link_explains_and_offers_a_new_one(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    person = await tokens.user()
    await _link(db, clock, person.id, RESET, "old-token")
    await _link(db, clock, person.id, RESET, "new-token")  # sending a new link voids the older one
    async with site.browser() as browser:
        older = await browser.get("/es/password-reset/old-token")
        forged = await browser.get("/es/password-reset/made-up-token")
        clock.advance(timedelta(hours=1, seconds=1))
        expired = await browser.get("/es/password-reset/new-token")
    assert older.status_code == 410 and "Este enlace ya se ha usado" in older.text
    assert forged.status_code == 404 and "Este enlace no es válido." in forged.text
    assert expired.status_code == 410 and "Este enlace ha caducado." in expired.text
    for page in (older, forged, expired):
        assert 'action="/es/password-reset"' in page.text  # the form that sends a new link


async def test_a_reset_sets_the_password_and_ends_every_session_and_refresh_token(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    old = "the old and long password"
    person = await tokens.user(password=old)
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO oauth_refresh_tokens (token_hash, client_id, user_id, expires_at) "
            "VALUES ('h', 'igf-hub-console', $1, now() + interval '1 day')",
            person.id,
        )
    await _link(db, clock, person.id, RESET, "reset-token")
    async with site.browser() as elsewhere, site.browser() as browser:
        assert (await elsewhere.sign_in(person.user.email, old)).status_code == 303
        token = await browser.token("/en/password-reset/reset-token")
        weak = await browser.post(
            "/en/password-reset/reset-token", {"csrf_token": token, "password": "short"}
        )
        assert weak.status_code == 422 and "at least 15 characters" in weak.text
        done = await browser.post("/en/password-reset/reset-token", {"csrf_token": token, "password": GOOD})
        assert done.headers["location"] == "/en/signin?done=password-changed"
        assert (await elsewhere.get("/en/account")).status_code == 303  # signed out there too
        assert (await browser.sign_in(person.user.email, old)).status_code == 401
        assert (await browser.sign_in(person.user.email, GOOD)).status_code == 303
        reused = await browser.get("/en/password-reset/reset-token")
        assert reused.status_code == 410
    async with db.acquire() as conn:
        revoked = await conn.fetchval("SELECT revoked_at FROM oauth_refresh_tokens WHERE token_hash = 'h'")
        await chain_audit(conn)
        actions = await conn.fetch(
            "SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY id", str(person.id)
        )
    assert revoked is not None
    assert {"user.password_reset", "user.refresh_tokens_revoked"} <= {a["action"] for a in actions}


async def test_forgot_password_answers_the_same_for_an_unknown_address(
    site: Site, tokens: TokenFactory
) -> None:
    person = await tokens.user()
    async with site.browser() as browser:
        known = await browser.post(
            "/en/password-reset",
            {"csrf_token": await browser.token("/en/password-reset"), "email": person.user.email},
        )
        unknown = await browser.post(
            "/en/password-reset",
            {"csrf_token": await browser.token("/en/password-reset"), "email": "no@example.org"},
        )
    assert (known.status_code, known.headers["location"]) == (
        unknown.status_code,
        unknown.headers["location"],
    )
    assert known.headers["location"] == "/en/link-sent/reset_password"
