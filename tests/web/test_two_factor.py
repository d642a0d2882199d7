"""Two-factor sign-in over real HTTP: setting TOTP up, the second step of signing in and every refusal in it,
recovery codes, the roles that require two-factor, and turning it off."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from uuid import UUID

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.auth.twofactor_repository import TwoFactorRepository
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.support.audit import chain_audit
from tests.support.auth import Caller, TokenFactory
from tests.support.twofactor import code, enrol, enter, second_step, secret_of
from tests.support.web import Site, WebClient
from tests.web.conftest import PASSWORD

CODES = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")
_secret, _code, _enrol, _enter = secret_of, code, enrol, enter


async def _person(tokens: TokenFactory, *roles: Role, chair: bool = False) -> Caller:
    return await tokens.user(*roles, password=PASSWORD, chair=chair)


async def _second_step(browser: WebClient, email: str) -> tuple[httpx.Response, str]:
    return await second_step(browser, email, PASSWORD)


async def _sessions(db: asyncpg.Pool, user_id: UUID) -> list[asyncpg.Record]:
    async with db.acquire() as conn:
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT second_factor_at FROM web_sessions WHERE user_id = $1", user_id
        )
    return rows


async def test_set_up_totp_from_the_page(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    person = await _person(tokens)
    async with site.browser() as browser:
        assert (await browser.sign_in(person.user.email, PASSWORD)).status_code == 303
        page = await browser.get("/account")
        assert 'href="/en/account/two-factor"' in page.text  # the account page leads there
        page = await browser.get("/account/two-factor")
        assert "Two-factor sign-in is off." in page.text
        token = await browser.token("/account/two-factor")
        answer = await browser.post("/account/two-factor/totp", {"csrf_token": token})
        assert answer.status_code == 303
        page = await browser.get("/account/two-factor")
        secret_text = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page.text)
        uri = re.search(r'<code id="totp-uri" class="break">([^<]+)</code>', page.text)
        assert secret_text is not None and uri is not None
        assert html.unescape(uri.group(1)).startswith("otpauth://totp/IGF%20Hub:")
        assert '<svg role="img"' in page.text and "<title>QR code of the setup link</title>" in page.text
        secret = _secret(secret_text.group(1))

        token = await browser.token("/account/two-factor")
        wrong = await browser.post(
            "/account/two-factor/totp/confirm", {"csrf_token": token, "code": "000000"}
        )
        if _code(secret, clock) != "000000":
            assert wrong.status_code == 422
            assert "That code is not right." in wrong.text
        answer = await browser.post(
            "/account/two-factor/totp/confirm", {"csrf_token": token, "code": _code(secret, clock)}
        )
        assert answer.status_code == 200, answer.text
        codes = CODES.findall(answer.text)
        assert len(codes) == 10 and len(set(codes)) == 10
        assert "this is the only time they are shown" in answer.text
        page = await browser.get("/account/two-factor")
        assert "Two-factor sign-in is on" in page.text
        assert "You have 10 recovery codes left." in page.text
        assert not any(code in page.text for code in codes)  # shown once

    async with db.acquire() as conn:
        stored = await conn.fetchrow("SELECT * FROM two_factor_totp WHERE user_id = $1", person.id)
        hashes = await conn.fetch(
            "SELECT code_hash FROM two_factor_recovery_codes WHERE user_id = $1", person.id
        )
        await chain_audit(conn)
        audit = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'user.two_factor_enabled' AND subject_id = $1",
            str(person.id),
        )
    assert stored["confirmed_at"] is not None
    assert secret not in bytes(stored["secret_encrypted"])  # encrypted at rest
    assert not any(code.replace("-", "") in h["code_hash"] for code in codes for h in hashes)
    assert audit == 1


async def test_sign_in_asks_for_the_code_and_makes_the_session_only_after_it(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await _person(tokens)
    secret, _ = await _enrol(db, settings, clock, person.id)
    async with site.browser() as browser:
        page, challenge = await _second_step(browser, person.user.email)
        assert "<h1>Two-factor sign-in</h1>" in page.text
        visitor_cookie = browser.cookie
        assert await _sessions(db, person.id) == []  # no session for the person before the second factor
        answer = await _enter(browser, challenge, _code(secret, clock))
        assert answer.status_code == 303 and answer.headers["location"] == "/en/account"
        assert browser.cookie is not None and browser.cookie != visitor_cookie  # a new session value
        (session,) = await _sessions(db, person.id)
        assert session["second_factor_at"] is not None
        assert (await browser.get("/account")).status_code == 200


async def test_every_refusal_of_the_second_step_says_why(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await _person(tokens)
    secret, codes = await _enrol(db, settings, clock, person.id)
    async with site.browser() as browser:
        _, challenge = await _second_step(browser, person.user.email)
        empty = await _enter(browser, challenge, "")
        assert empty.status_code == 422
        assert "Enter the 6-digit code from your authenticator app, or a recovery code." in empty.text
        malformed = await _enter(browser, challenge, "12ab")
        assert malformed.status_code == 401
        assert "Enter the 6-digit code from your authenticator app, or a recovery code." in malformed.text
        wrong_code = next(
            c for c in ("111111", "222222") if c not in {_code(secret, clock, s) for s in (-30, 0, 30)}
        )
        wrong = await _enter(browser, challenge, wrong_code)
        assert wrong.status_code == 401
        assert "That code is not right." in wrong.text
        assert await _sessions(db, person.id) == []
        code = _code(secret, clock)
        assert (await _enter(browser, challenge, code)).status_code == 303

    async with site.browser() as other:  # the same code again, within its 30 seconds
        _, challenge = await _second_step(other, person.user.email)
        replayed = await _enter(other, challenge, code)
        assert replayed.status_code == 401
        assert (
            "That code was already used. Wait for your app to show a new code, then enter it."
            in replayed.text
        )

        recovery = await _enter(other, challenge, codes[0].upper().replace("-", " "))  # typed loosely
        assert recovery.status_code == 303

    async with site.browser() as third:
        _, challenge = await _second_step(third, person.user.email)
        used = await _enter(third, challenge, codes[0])
        assert used.status_code == 401
        assert "That recovery code was already used: each one works once. Use another one." in used.text


async def test_a_code_one_step_early_or_late_is_accepted(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await _person(tokens)
    secret, _ = await _enrol(db, settings, clock, person.id)
    async with site.browser() as browser:
        _, challenge = await _second_step(browser, person.user.email)
        assert (await _enter(browser, challenge, _code(secret, clock, 30))).status_code == 303


async def test_an_expired_challenge_sends_the_person_back_to_sign_in(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await _person(tokens)
    secret, _ = await _enrol(db, settings, clock, person.id)
    async with site.browser() as browser:
        _, challenge = await _second_step(browser, person.user.email)
        clock.advance(timedelta(seconds=settings.auth.two_factor_challenge_ttl))
        answer = await _enter(browser, challenge, _code(secret, clock))
        assert answer.status_code == 303
        assert answer.headers["location"] == "/en/signin?done=second-factor-expired"
        page = await browser.get(answer.headers["location"])
        assert "Signing in took too long. Enter your e-mail address and password again." in page.text
        assert await _sessions(db, person.id) == []

        forged = await _enter(browser, "not-a-challenge|" + challenge.partition("|")[2], _code(secret, clock))
        assert forged.headers["location"] == "/en/signin?done=second-factor-expired"


async def test_the_second_step_is_throttled_like_the_password(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await _person(tokens)
    secret, _ = await _enrol(db, settings, clock, person.id)
    valid = {_code(secret, clock, s) for s in (-30, 0, 30)}
    wrong = next(c for c in ("111111", "222222", "333333", "444444") if c not in valid)
    async with site.browser() as browser:
        _, challenge = await _second_step(browser, person.user.email)
        for _ in range(settings.auth.signin_max_failures):
            assert (await _enter(browser, challenge, wrong)).status_code == 401
        limited = await _enter(browser, challenge, _code(secret, clock))  # even the right code waits
        assert limited.status_code == 429 and "Retry-After" in limited.headers
        assert "Too many failed sign-ins. Try again in 15 minutes." in limited.text
        # A right password again gives no fresh guesses.
        _, challenge = await _second_step(browser, person.user.email)
        assert (await _enter(browser, challenge, _code(secret, clock))).status_code == 429


async def test_the_secretariat_must_set_up_two_factor_before_anything_else(
    site: Site, tokens: TokenFactory, clock: Clock
) -> None:
    person = await _person(tokens, Role.secretariat)
    async with site.browser() as browser:
        answer = await browser.sign_in(person.user.email, PASSWORD)
        assert answer.headers["location"] == "/en/account/two-factor"
        page = await browser.get("/account/two-factor")
        assert "Your role requires two-factor sign-in. Set it up to continue" in page.text
        for path in ("/account", "/developer-access", "/fr/nris"):
            skipped = await browser.get(path)
            assert skipped.status_code == 303, path
            assert skipped.headers["location"].endswith("/account/two-factor"), path
        token = await browser.token("/account/two-factor")
        no_token = await browser.post("/developer-access", {"csrf_token": token})
        assert no_token.status_code == 303 and "access_token" not in no_token.text  # no API token for them

        await browser.post("/account/two-factor/totp", {"csrf_token": token})
        page = await browser.get("/account/two-factor")
        match = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page.text)
        assert match is not None
        answer = await browser.post(
            "/account/two-factor/totp/confirm",
            {"csrf_token": token, "code": _code(_secret(match.group(1)), clock)},
        )
        assert answer.status_code == 200
        assert (await browser.get("/account")).status_code == 200  # the new session passed a second factor
        assert (await browser.get("/developer-access")).status_code == 200

        page = await browser.get("/account/two-factor")
        assert "Your role requires two-factor sign-in, so it cannot be turned off." in page.text
        token = await browser.token("/account/two-factor")
        refused = await browser.post(
            "/account/two-factor/disable", {"csrf_token": token, "disable_confirm": PASSWORD}
        )
        assert refused.status_code == 409
        assert "Your role requires two-factor sign-in, so it cannot be turned off." in refused.text


async def test_the_mag_chair_too_but_not_a_member(site: Site, tokens: TokenFactory) -> None:
    chair = await _person(tokens, Role.mag_member, chair=True)
    member = await _person(tokens, Role.mag_member)
    async with site.browser() as browser:
        answer = await browser.sign_in(chair.user.email, PASSWORD)
        assert answer.headers["location"] == "/en/account/two-factor"
        assert (await browser.get("/account")).status_code == 303
    async with site.browser() as browser:
        answer = await browser.sign_in(member.user.email, PASSWORD)
        assert answer.headers["location"] == "/en/account"
        assert (await browser.get("/account")).status_code == 200


async def test_turning_it_off_needs_a_fresh_code_or_the_password(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await _person(tokens)
    secret, _ = await _enrol(db, settings, clock, person.id)
    async with site.browser() as browser:
        _, challenge = await _second_step(browser, person.user.email)
        code = _code(secret, clock)
        assert (await _enter(browser, challenge, code)).status_code == 303
        token = await browser.token("/account/two-factor")
        empty = await browser.post(
            "/account/two-factor/disable", {"csrf_token": token, "disable_confirm": ""}
        )
        assert empty.status_code == 422
        assert "Enter a code from your authenticator app, or your password." in empty.text
        stale = await browser.post(
            "/account/two-factor/disable", {"csrf_token": token, "disable_confirm": code}
        )
        assert stale.status_code == 422
        assert "That code was already used." in stale.text
        wrong = await browser.post(
            "/account/two-factor/disable", {"csrf_token": token, "disable_confirm": "nope"}
        )
        assert "That is neither a current code from your app nor your password." in wrong.text

        regenerated = await browser.post(
            "/account/two-factor/recovery-codes", {"csrf_token": token, "regenerate_confirm": PASSWORD}
        )
        assert regenerated.status_code == 200 and len(CODES.findall(regenerated.text)) == 10

        off = await browser.post(
            "/account/two-factor/disable", {"csrf_token": token, "disable_confirm": PASSWORD}
        )
        assert off.status_code == 303 and off.headers["location"] == "/en/account/two-factor?done=disabled"
        page = await browser.get(off.headers["location"])
        assert "Two-factor sign-in is off." in page.text
    async with db.acquire() as conn:
        await chain_audit(conn)
        events = await conn.fetch(
            "SELECT action, data FROM audit_log WHERE subject_id = $1 AND action LIKE 'user.two_factor%'"
            " ORDER BY id",
            str(person.id),
        )
    assert [e["action"] for e in events] == [
        "user.two_factor_enabled",
        "user.two_factor_recovery_codes_regenerated",
        "user.two_factor_disabled",
    ]
    async with site.browser() as browser:  # signing in is one step again
        assert (await browser.sign_in(person.user.email, PASSWORD)).status_code == 303


async def test_a_passkey_is_removed_only_by_its_owner(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    owner, other = await _person(tokens), await _person(tokens)
    owner_secret, _ = await _enrol(db, settings, clock, owner.id)
    other_secret, _ = await _enrol(db, settings, clock, other.id)
    async with db.acquire() as conn:
        passkey = await TwoFactorRepository(conn).insert_passkey(
            user_id=owner.id,
            credential_id=b"cred-1",
            public_key=b"key",
            sign_count=0,
            name="Phone",
            now=clock.now(),
        )
    async with site.browser() as browser:
        _, step = await _second_step(browser, other.user.email)
        assert (await _enter(browser, step, _code(other_secret, clock))).status_code == 303
        token = await browser.token("/account/two-factor")
        answer = await browser.post(
            f"/account/two-factor/passkeys/{passkey.id}/delete", {"csrf_token": token}
        )
        assert answer.status_code == 303
    async with db.acquire() as conn:
        assert len(await TwoFactorRepository(conn).passkeys(owner.id)) == 1  # another person's: untouched
    async with site.browser() as browser:
        _, step = await _second_step(browser, owner.user.email)
        assert (await _enter(browser, step, _code(owner_secret, clock))).status_code == 303
        page = await browser.get("/account/two-factor")
        assert 'aria-label="Remove the passkey Phone"' in page.text
        token = await browser.token("/account/two-factor")
        answer = await browser.post(
            f"/account/two-factor/passkeys/{passkey.id}/delete", {"csrf_token": token}
        )
        assert answer.headers["location"] == "/en/account/two-factor?done=passkey-removed"
    async with db.acquire() as conn:
        assert await TwoFactorRepository(conn).passkeys(owner.id) == []
        await chain_audit(conn)
        removed = await conn.fetchval(
            "SELECT actor FROM audit_log WHERE action = 'user.passkey_removed' AND subject_id = $1",
            str(owner.id),
        )
    assert removed == f"user:{owner.id}"
