"""Oversized bodies, deeply nested JSON and the NUL character are refused early with a 4xx problem, and
nothing is written."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from litestar import Litestar

from igf_hub.auth.principal import Role
from igf_hub.core.input_guard import MAX_JSON_DEPTH, contains_nul, nesting_exceeds
from tests.hardening.routes import operations
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory

Client = httpx.AsyncClient
MAX_BODY = 2 * 1024 * 1024  # create_app's request_max_body_size
DEEP = 100_000


async def writes(db: asyncpg.Pool) -> tuple[int, int]:
    """Every state change appends an audit row and usually an outbox event: their counts tell "nothing"."""
    async with db.acquire() as conn:
        await chain_audit(conn)
        audit = await conn.fetchval("SELECT count(*) FROM audit_log")
        events = await conn.fetchval("SELECT count(*) FROM outbox")
    return audit, events


def assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"/problems/{slug}", response.text


def concrete(path: str) -> str:
    """A path with every placeholder filled in; the body is refused before any handler looks them up."""
    values = {"year": "2025", "number": "1", "slug": "some-track", "citable_id": "x"}
    for name in (
        "nri_id",
        "user_id",
        "grant_id",
        "donor_id",
        "contribution_id",
        "appointment_id",
        "nomination_id",
        "person_id",
        "output_id",
        "call_id",
        "message_id",
        "comment_id",
        "report_id",
        "consumer_id",
        "endpoint_id",
        "delivery_id",
        "recovery_id",
        "event_id",
    ):
        values[name] = str(uuid.uuid4())
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, path
    return path


def test_nesting_is_measured_outside_strings_and_up_to_the_limit() -> None:
    at_limit = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert not nesting_exceeds(at_limit)
    assert nesting_exceeds(b"[" + at_limit + b"]")
    assert nesting_exceeds(b'{"a": ' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1))
    assert nesting_exceeds(b"[" * DEEP)  # truncated, but already too deep
    # Brackets inside strings (escaped quotes included) are text, not structure.
    assert not nesting_exceeds(b'{"text": "' + b"[" * DEEP + b'", "q": "say \\"[[[\\" twice"}')
    # Many siblings are wide, not deep.
    assert not nesting_exceeds(b"[" + b"[[1, 2], {}]," * 10_000 + b"[]]")
    # Malformed input is the decoder's to report (as malformed-body), not this guard's.
    assert not nesting_exceeds(b"]]]][[[[")
    assert not nesting_exceeds(b"[" * 10 + b"}" * 10)


def test_nul_is_found_as_a_byte_or_a_json_escape_but_not_as_escaped_text() -> None:
    assert contains_nul(b'{"name": "a\x00b"}')
    assert contains_nul(b'{"name": "a\\u0000b"}')  # the JSON escape \u0000
    assert contains_nul(b'{"name": "a\\\\\\u0000b"}')  # \\ then \u0000
    assert not contains_nul(b'{"name": "a\\\\u0000b"}')  # \\u0000: a backslash, then the text u0000
    assert not contains_nul(b'{"name": "100%00 sure"}')


@pytest.fixture
async def admin_headers(tokens: TokenFactory) -> dict[str, str]:
    """A caller holding every role, so that every route guard lets the request through to its body."""
    caller = await tokens.user(*Role)
    return {**caller.headers, "content-type": "application/json"}


async def test_deeply_nested_json_is_refused_on_every_operation_that_takes_a_body(
    client: Client, app: Litestar, admin_headers: dict[str, str], db: asyncpg.Pool
) -> None:
    """100k nested arrays made msgspec raise RecursionError (a 500) on every JSON write; now a 400 before
    decoding — as a whole body, inside a field of the body's struct, and inside an unknown field."""
    before = await writes(db)
    bodies = {
        "whole": b"[" * DEEP + b"]" * DEEP,
        "field": b'{"name": ' + b"[" * DEEP + b"]" * DEEP + b"}",
        "unknown field": b'{"zz_unknown": ' + b"{" * DEEP + b"}" * DEEP + b"}",
    }
    writes_with_bodies = [op for op in operations(app) if op.takes_body]
    assert len(writes_with_bodies) > 50  # the whole API, not a sample
    for op in writes_with_bodies:
        for label, body in bodies.items():
            response = await client.request(op.method, concrete(op.path), content=body, headers=admin_headers)
            assert response.status_code == 400, (op.key, label, response.text[:300])
            assert_problem(response, 400, "json-too-deep")
    assert await writes(db) == before


async def test_deep_json_is_refused_for_anonymous_callers_on_public_writes_too(client: Client) -> None:
    """An anonymous caller meets the sign-in guard first: the body is never read, let alone decoded."""
    body = b"[" * DEEP + b"]" * DEEP
    response = await client.post("/v1/nris", content=body, headers={"content-type": "application/json"})
    assert_problem(response, 401, "unauthorized")


async def test_an_oversized_body_is_413_and_nothing_is_written(
    client: Client, admin_headers: dict[str, str], db: asyncpg.Pool
) -> None:
    person = b'{"name": "Padded Person"}'
    padded = person + b" " * (MAX_BODY + 1 - len(person))  # valid JSON, one byte over the limit
    before = await writes(db)

    declared = await client.post("/v1/mag/people", content=padded, headers=admin_headers)
    assert_problem(declared, 413, "too-large")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: refused while streaming
        yield person
        for _ in range(3):
            yield b" " * (1024 * 1024)

    streamed = await client.post("/v1/mag/people", content=chunks(), headers=admin_headers)
    assert_problem(streamed, 413, "too-large")
    assert await writes(db) == before
    people = (await client.get("/v1/mag/people", headers=admin_headers)).json()["items"]
    assert [p["name"] for p in people] == []

    # The same body within the limit is accepted: the size alone made the difference.
    within = person + b" " * (MAX_BODY - 1024)
    assert (await client.post("/v1/mag/people", content=within, headers=admin_headers)).status_code == 201


async def test_nul_in_a_path_query_or_body_is_refused_before_it_reaches_sql(
    client: Client, app: Litestar, admin_headers: dict[str, str], db: asyncpg.Pool
) -> None:
    """PostgreSQL text cannot hold U+0000: a NUL in a search, a filter, a slug or any body field was a 500
    (CharacterNotInRepertoireError) in every domain, and broke the ledger export after it had started."""
    before = await writes(db)
    for url in (
        "/v1/nris?q=a%00b",
        "/v1/messages?theme=a%00b",
        "/v1/tracks?q=a%00b",
        "/v1/audit?action=a%00",
        "/v1/transparency/exports/ledger.json?country=K%00",
        "/v1/tracks/a%00b",
    ):
        response = await client.get(url, headers=admin_headers)
        assert_problem(response, 400, "nul-character")
    for op in (op for op in operations(app) if op.takes_body):
        for body in (b'{"name": "a\\u0000b"}', b'{"zz_unknown": "\x00"}'):
            response = await client.request(op.method, concrete(op.path), content=body, headers=admin_headers)
            assert response.status_code == 400, (op.key, body, response.text[:300])
            assert_problem(response, 400, "nul-character")
    assert await writes(db) == before
    # Text that merely mentions it is text.
    created = await client.post("/v1/mag/people", json={"name": "Back\\u0000slash"}, headers=admin_headers)
    assert created.status_code == 201, created.text


async def test_nul_in_a_csv_upload_is_refused_but_an_unreadable_file_is_left_to_its_importer(
    client: Client, tokens: TokenFactory
) -> None:
    """The exchange-rate and session-report importers stored a cell holding U+0000: a 500."""
    headers = {**(await tokens.user(Role.secretariat)).headers, "content-type": "text/csv"}
    rates = b"currency,effective_on,usd_per_unit,source\nEUR,2024-01-01,1.1,UN\x00 rates\n"
    assert_problem(
        await client.post("/v1/funding/exchange-rates/upload", content=rates, headers=headers),
        400,
        "nul-character",
    )
    reports = (
        b"year,session_ref,session_title,session_type,organisers,key_takeaways,calls_to_action\n"
        b"2025,WS 1,Ti\x00tle,workshop,APC,A takeaway,A call\n"
    )
    assert_problem(
        await client.post("/v1/session-reports/imports", content=reports, headers=headers),
        400,
        "nul-character",
    )
    # Bytes that are not UTF-8 text at all: the importer says the file is unreadable, in its own terms.
    unreadable = await client.post(
        "/v1/funding/exchange-rates/upload", content=b"\xff\xfe\x00", headers=headers
    )
    assert_problem(unreadable, 422, "invalid-exchange-rates")
