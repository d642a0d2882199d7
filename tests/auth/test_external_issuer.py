"""Tokens from an external OIDC issuer are trusted when configured: keys discovered and fetched over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar

from igf_hub.app import create_app
from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.conftest import BASE_URL, running
from tests.support.asgi import asgi
from tests.support.idp import ExternalIssuer


@pytest.fixture
def issuer() -> Iterator[ExternalIssuer]:
    with ExternalIssuer() as idp:
        yield idp


@pytest.fixture
async def trusting_client(
    settings: Settings, clock: Clock, issuer: ExternalIssuer
) -> AsyncIterator[httpx.AsyncClient]:
    auth = msgspec.structs.replace(settings.auth, external_issuer=issuer.url, external_audience="igf-hub-ext")
    app: Litestar = create_app(msgspec.structs.replace(settings, auth=auth), clock=clock)
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi(app)), base_url=BASE_URL) as c,
    ):
        yield c


async def test_an_unlinked_external_subject_is_signed_in_without_roles(
    trusting_client: httpx.AsyncClient, issuer: ExternalIssuer
) -> None:
    token = issuer.token("alice", "igf-hub-ext")
    me = await trusting_client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["subject"] == f"external:{issuer.url}|alice"
    assert me.json()["roles"] == []
    assert issuer.requests == ["/.well-known/openid-configuration", "/jwks"]
    await trusting_client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert len(issuer.requests) == 2  # keys are cached, not fetched per request


async def test_a_linked_external_subject_gets_the_local_roles(
    trusting_client: httpx.AsyncClient, issuer: ExternalIssuer, db: asyncpg.Pool
) -> None:
    async with db.acquire() as conn:
        user_id = await conn.fetchval(
            "INSERT INTO users (email, external_subject) VALUES ('bob@example.org', $1) RETURNING id",
            f"{issuer.url}|bob",
        )
        await conn.execute("INSERT INTO role_grants (user_id, role) VALUES ($1, 'secretariat')", user_id)
    token = issuer.token("bob", "igf-hub-ext")
    me = await trusting_client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["subject"] == f"user:{user_id}"
    assert me.json()["roles"] == [Role.secretariat.value]


@pytest.mark.parametrize("wrong", ["audience", "issuer_not_trusted"])
async def test_external_tokens_with_the_wrong_audience_or_issuer_are_refused(
    client: httpx.AsyncClient, trusting_client: httpx.AsyncClient, issuer: ExternalIssuer, wrong: str
) -> None:
    if wrong == "audience":
        response = await trusting_client.get(
            "/v1/me", headers={"Authorization": f"Bearer {issuer.token('alice', 'igf-hub')}"}
        )
    else:  # the default app trusts no external issuer at all
        response = await client.get(
            "/v1/me", headers={"Authorization": f"Bearer {issuer.token('alice', 'igf-hub-ext')}"}
        )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_external_tokens_need_the_configured_scope(
    trusting_client: httpx.AsyncClient, issuer: ExternalIssuer
) -> None:
    for scope, status in (("openid api", 200), ("openid profile", 403), ("", 403)):
        token = issuer.token("alice", "igf-hub-ext", scope=scope)
        response = await trusting_client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status, (scope, response.text)
    assert 'error="insufficient_scope", scope="api"' in response.headers["www-authenticate"]
