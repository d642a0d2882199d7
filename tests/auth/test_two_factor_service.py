"""Two-factor rules that need two requests at once or a look at the stored rows: a code or a recovery code used by
two parallel sign-ins passes once; a secret copied to another account does not decrypt."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from igf_hub.auth.principal import Role
from igf_hub.auth.twofactor_service import Outcome, TwoFactorService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.vault import VaultError
from tests.support import twofactor
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory


async def _verify_in_parallel(
    db: asyncpg.Pool, settings: Settings, clock: Clock, user_id: UUID, value: str
) -> list[Outcome]:
    async def one() -> Outcome:
        async with db.acquire() as conn, conn.transaction():
            outcome, _ = await TwoFactorService(conn, clock, settings).verify_code(user_id, value)
            return outcome

    return sorted(await asyncio.gather(one(), one(), one()))


async def test_one_code_sent_by_parallel_sign_ins_passes_once(
    db: asyncpg.Pool, settings: Settings, clock: Clock, tokens: TokenFactory
) -> None:
    person = await tokens.user()
    secret, codes = await twofactor.enrol(db, settings, clock, person.id)
    outcomes = await _verify_in_parallel(db, settings, clock, person.id, twofactor.code(secret, clock))
    assert outcomes.count(Outcome.accepted) == 1
    assert set(outcomes) == {Outcome.accepted, Outcome.replayed}

    outcomes = await _verify_in_parallel(db, settings, clock, person.id, codes[3])
    assert outcomes.count(Outcome.accepted) == 1
    assert set(outcomes) == {Outcome.accepted, Outcome.recovery_used}


async def test_a_secret_copied_to_another_account_does_not_decrypt(
    db: asyncpg.Pool, settings: Settings, clock: Clock, tokens: TokenFactory
) -> None:
    victim, attacker = await tokens.user(), await tokens.user()
    await twofactor.enrol(db, settings, clock, victim.id)
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO two_factor_totp (user_id, secret_encrypted, created_at, confirmed_at) "
            "SELECT $2, secret_encrypted, created_at, confirmed_at FROM two_factor_totp WHERE user_id = $1",
            victim.id,
            attacker.id,
        )
        with pytest.raises(VaultError):
            await TwoFactorService(conn, clock, settings).verify_code(attacker.id, "123456")


async def test_the_secretariat_resets_a_lost_two_factor(
    client: httpx.AsyncClient, db: asyncpg.Pool, settings: Settings, clock: Clock, tokens: TokenFactory
) -> None:
    admin, person = await tokens.user(Role.secretariat), await tokens.user()
    await twofactor.enrol(db, settings, clock, person.id)
    answer = await client.delete(f"/v1/users/{person.id}/two-factor", headers=admin.headers)
    assert answer.status_code == 204, answer.text
    async with db.acquire() as conn:
        assert not await TwoFactorService(conn, clock, settings).is_enabled(person.id)
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM two_factor_recovery_codes WHERE user_id = $1", person.id
            )
            == 0
        )
        await chain_audit(conn)
        actor = await conn.fetchval(
            "SELECT actor FROM audit_log WHERE action = 'user.two_factor_reset' AND subject_id = $1",
            str(person.id),
        )
    assert actor == f"user:{admin.id}"
    unknown = await client.delete(f"/v1/users/{uuid4()}/two-factor", headers=admin.headers)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
