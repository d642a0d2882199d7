"""Regressions for what the fuzzing and the authorization matrix found (see each test's docstring)."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
from litestar import Litestar

from igf_hub.auth.principal import Role
from tests.mag.support import Mag
from tests.messages import support as messages
from tests.nri import helpers as nri
from tests.support.auth import TokenFactory

Client = httpx.AsyncClient
BEYOND_INT4 = 2**31  # PostgreSQL `integer` holds up to 2**31 - 1


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body


async def test_mag_cycle_years_past_the_column_are_400_not_500(client: Client, tokens: TokenFactory) -> None:
    """An int path parameter went straight into SQL: asyncpg raised DataError (int32 overflow), a 500. Now the
    year is bounded like CycleCreate.year: outside 2006..2100 it is a 422 naming the parameter."""
    mag = Mag(client, await tokens.user(Role.secretariat), tokens, tokens.clock)
    for path in ("", "/balance", "/appointments", "/nominations/summary"):
        body = assert_problem(await client.get(f"/v1/mag/cycles/{BEYOND_INT4}{path}"), 422)
        assert body["errors"][0]["pointer"] == "path:year"
    assert_problem(await client.get(f"/v1/mag/cycles/{BEYOND_INT4}/nominations", headers=mag.headers), 422)
    listed = await client.get("/v1/mag/term-limit-exceptions", params={"year": BEYOND_INT4})
    assert assert_problem(listed, 422)["errors"][0]["pointer"] == "query:year"
    # Within the range a missing cycle is still what it was: not found.
    assert_problem(await client.get("/v1/mag/cycles/2031"), 404, "mag-cycle-not-found")


async def test_messages_integer_filters_and_numbers_past_the_column_are_400(
    client: Client, tokens: TokenFactory
) -> None:
    """Same overflow in /v1/messages (year, sdg, gdc_objective), session reports, year exports, and the
    version, ballot and comment-round numbers. (The optional filters documented bounds that Litestar did not
    enforce: ``Annotated[int, Parameter(...)] | None`` must be ``Annotated[int | None, Parameter(...)]``.)"""
    secretariat = await tokens.user(Role.secretariat)
    message_id = (await messages.message(client, secretariat)).json()["id"]
    for url, params in [
        ("/v1/messages", {"year": BEYOND_INT4}),
        ("/v1/messages", {"sdg": BEYOND_INT4}),
        ("/v1/messages", {"gdc_objective": -BEYOND_INT4}),
        ("/v1/session-reports", {"year": BEYOND_INT4}),
        ("/v1/session-reports", {"sdg": 18}),
        (f"/v1/messages/exports/{BEYOND_INT4}/messages.json", {}),
        (f"/v1/messages/{message_id}/versions/{BEYOND_INT4}", {}),
        (f"/v1/messages/{message_id}/ballots/{BEYOND_INT4}", {}),
        (f"/v1/messages/{message_id}/comments", {"round_number": BEYOND_INT4}),
        (f"/v1/messages/{message_id}/diff", {"from": BEYOND_INT4, "to": 1}),
    ]:
        response = await client.get(url, params=params, headers=secretariat.headers)
        assert_problem(response, 422, "validation-failed")
    assert (await client.get("/v1/messages", params={"year": 2025, "sdg": 9})).status_code == 200


async def test_nri_report_years_past_the_column_are_not_500(client: Client, tokens: TokenFactory) -> None:
    coordinator = await tokens.user()
    nri_id = (await nri.register(client, coordinator))["id"]
    """A year past int4 reached SQL and was a 500 (asyncpg DataError); the path parameter is now bounded."""
    url = f"/v1/nris/{nri_id}/reports/{BEYOND_INT4}"
    assert_problem(await client.get(url, headers=coordinator.headers), 422, "validation-failed")
    assert_problem(
        await client.get(f"{url}/revisions", headers=coordinator.headers), 422, "validation-failed"
    )
    submitted = await client.post(f"{url}/submit", headers=coordinator.headers)
    assert_problem(submitted, 422, "validation-failed")


async def test_a_refused_message_transition_is_403_before_any_version_or_state_check(
    client: Client, tokens: TokenFactory
) -> None:
    """A MAG member (not the Chair) moving a Message got 412 with a stale If-Match (and 409 naming the allowed
    moves for an illegal target) before being told they may not move it at all: refusals come first
    (RFC 9110 §13.2.1: a response that would not be 2xx takes precedence over preconditions)."""
    secretariat = await tokens.user(Role.secretariat)
    member = await tokens.user(Role.mag_member)
    created = await messages.message(client, secretariat)
    message_id = created.json()["id"]
    await messages.move(client, secretariat, message_id, {"to": "public_comment"})
    url = f"/v1/messages/{message_id}/transitions"
    for body in ({"to": "synthesis"}, {"to": "published"}):
        stale = await client.post(url, json=body, headers={**member.headers, "If-Match": '"1"'})
        assert_problem(stale, 403, "forbidden")
    # The Secretariat still gets the precondition and state answers.
    stale = await client.post(
        url, json={"to": "synthesis"}, headers={**secretariat.headers, "If-Match": '"1"'}
    )
    assert_problem(stale, 412, "stale-version")


def test_exports_document_the_media_types_they_send(app: Litestar) -> None:
    """The CSV and Markdown exports were documented as application/json (found by content-type checks)."""
    paths = app.openapi_schema.to_schema()["paths"]
    for path in (
        "/v1/messages/{message_id}/exports/comments.csv",
        "/v1/messages/{message_id}/exports/ballots.csv",
        "/v1/messages/exports/{year}/comments.csv",
        "/v1/messages/exports/{year}/ballots.csv",
        "/v1/nris.csv",
    ):
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["text/csv; charset=utf-8"], path
    for path in ("/v1/messages/{message_id}/exports/message.md", "/v1/messages/exports/{year}/messages.md"):
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["text/markdown; charset=utf-8"]


def test_error_responses_are_documented_as_the_problems_they_are(app: Litestar) -> None:
    """Litestar documented every 400 as its own {status_code, detail, extra} JSON, which the app never
    sends; core/openapi.py documents 400 and 4XX as application/problem+json."""
    document = app.openapi_schema.to_schema()
    patch = document["paths"]["/v1/nris/{nri_id}"]["patch"]["responses"]
    for status in ("400", "4XX"):
        assert list(patch[status]["content"]) == ["application/problem+json"]
        assert patch[status]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    assert set(document["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
    }
    # The OAuth token endpoint's errors are RFC 6749 JSON, not problems: documented as what they are.
    token = document["paths"]["/oauth/token"]["post"]["responses"]
    assert set(token) == {"200", "400", "401"}
    assert list(token["400"]["content"]) == ["application/json"]


def test_guards_and_hooks_are_async_so_they_run_on_the_event_loop(app: Litestar) -> None:
    """Litestar runs a sync guard or hook in a worker thread: the security-headers hook, sync, cost ~0.3 ms of
    CPU per request (found by the API benchmark). Every guard of every route and every app hook must be async."""
    sync = [
        f"{getattr(getattr(hook, 'func', hook), '__qualname__', hook)} ({kind})"
        for kind, hooks in (
            ("before_send", app.before_send),
            ("before_request", [app.before_request] if app.before_request else []),
            ("after_request", [app.after_request] if app.after_request else []),
        )
        for hook in hooks
        if not inspect.iscoroutinefunction(hook)  # Litestar wraps a sync one in AsyncCallable (a thread hop)
    ]
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for layer in handler.ownership_layers:
                sync += [
                    f"{getattr(g, '__name__', g)} on {route.path}"
                    for g in layer.guards or []
                    if not inspect.iscoroutinefunction(g)
                ]
    assert sync == []
