"""Bodies a JSON route cannot read are refused with a 4xx problem on every operation, and nothing is written:
invalid UTF-8 inside a JSON string (was a 500: UnicodeDecodeError), and a JSON body sent as a multipart form
(the input guard skipped it, the decoder read it anyway: deep nesting and NUL were 500s)."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from litestar import Litestar

from igf_hub.auth.principal import Role
from tests.hardening.routes import operations
from tests.hardening.test_hostile_input import DEEP, assert_problem, concrete, writes
from tests.support.auth import TokenFactory

Client = httpx.AsyncClient
MULTIPART = "multipart/form-data; boundary=x"


@pytest.fixture
async def admin(tokens: TokenFactory) -> dict[str, str]:
    """A caller holding every role, so that every route guard lets the request through to its body."""
    return (await tokens.user(*Role)).headers


async def test_invalid_utf8_in_a_json_string_is_400_on_every_operation_that_takes_a_body(
    client: Client, app: Litestar, admin: dict[str, str], db: asyncpg.Pool
) -> None:
    before = await writes(db)
    headers = {**admin, "content-type": "application/json"}
    bodies = {
        "in a field": b'{"name": "Ada \xff\xfe Lovelace"}',
        "a lone continuation byte": b'{"title": "\x80"}',
        "a truncated sequence": b'["\xe2\x82"]',
    }
    for op in (op for op in operations(app) if op.takes_body):
        for label, body in bodies.items():
            response = await client.request(op.method, concrete(op.path), content=body, headers=headers)
            assert_problem(response, 400, "malformed-body")
            assert "UTF-8" in response.json()["detail"], (op.key, label, response.text[:300])
    assert await writes(db) == before


async def test_a_json_operation_refuses_a_multipart_body_with_415(
    client: Client, app: Litestar, admin: dict[str, str], db: asyncpg.Pool
) -> None:
    before = await writes(db)
    headers = {**admin, "content-type": MULTIPART}
    bodies = {
        "deep": b"[" * DEEP + b"]" * DEEP,
        "nul": b'{"name": "a\\u0000b"}',
        "plain": b'{"name": "Ada Lovelace"}',
    }
    for op in (op for op in operations(app) if op.takes_body):
        for label, body in bodies.items():
            response = await client.request(op.method, concrete(op.path), content=body, headers=headers)
            assert response.status_code == 415, (op.key, label, response.text[:300])
            assert_problem(response, 415, "unsupported-media-type")
            assert "application/json" in response.json()["detail"]
    assert await writes(db) == before
