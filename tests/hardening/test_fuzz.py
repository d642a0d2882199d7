"""Property-based fuzzing of every documented operation against the app's own OpenAPI document.

Schemathesis generates requests from the document — valid ones and, in its negative mode, ones that break
the schema — and checks each answer: never a 5xx, a documented Content-Type and headers, and a body that
matches the schema documented for its status (errors are problem+json: core/openapi.py documents them).
Every operation is fuzzed anonymously and as a Secretariat user, who passes every route guard, so the
generated input reaches the services and the SQL behind them.

Budget: 8 examples per operation and caller (half valid, half invalid input), derandomised so that CI
replays the same requests on every run. 182 operations x 2 callers x 8 examples is ~2,900 requests, about
a minute and a half on 2 cores. More examples mostly repeat the same few code paths: the bugs this
found (integers past PostgreSQL's range, unknown cursors) showed up within the first few examples.
Raise FUZZ_EXAMPLES locally for a deeper run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase

from igf_hub.app import create_app
from igf_hub.auth.principal import Role
from igf_hub.core.settings import Settings
from tests.conftest import BASE_URL
from tests.hardening.live import LiveApp

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all"},  # valid and schema-breaking input
        # The coverage phase adds dozens of boundary cases per operation outside max_examples: off, to bound
        # the run; stateful links are not declared by this API.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            # Schema-breaking input must be refused with a 4xx.
            "negative_data_rejection": {"enabled": True},
        },
    }
)


async def _served_document() -> dict[str, Any]:
    """The document exactly as the app serves it (examples and all, JSON-encoded); no database needed."""
    app = create_app(Settings(public_url=BASE_URL))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        response = await client.get("/schema/openapi.json")
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


DOCUMENT = asyncio.run(_served_document())
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)

CALLERS = ["anonymous", "secretariat"]


@pytest.fixture(scope="module")
def secretariat(live: LiveApp) -> str:
    caller = live.run(live.tokens.user(Role.secretariat, email="fuzz-secretariat@example.org"))
    return caller.user.id.hex


@pytest.fixture
def headers(request: pytest.FixtureRequest, live: LiveApp, secretariat: str) -> Iterator[dict[str, str]]:
    """Per operation, so that a fresh token (15 minutes) never expires during a long local run."""
    if request.param == "anonymous":
        yield {}
        return
    from uuid import UUID

    yield {"Authorization": f"Bearer {live.run(live.tokens.token_for(UUID(secretariat)))}"}


@pytest.mark.parametrize("headers", CALLERS, indirect=True)
@schema.parametrize()
@hypothesis.settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # Generation of the large bodies of some operations is slow by Hypothesis's standards; that is fine.
    suppress_health_check=list(HealthCheck),
    # No shrinking: a failure is reported with the request that found it, as a curl command.
    phases=[Phase.explicit, Phase.generate],
)
def test_no_server_error_and_every_answer_as_documented(
    case: schemathesis.Case, live: LiveApp, headers: dict[str, str]
) -> None:
    response = case.call_and_validate(session=live.session(headers), base_url=BASE_URL)
    if headers and case.operation.path != "/oauth/token":  # there a bearer token is no client credential
        # The token must have worked, or the "Secretariat" run silently fuzzed the route guards only.
        assert response.status_code != 401, response.text


def test_the_fuzzed_document_is_the_served_one(live: LiveApp) -> None:
    served = live.request("GET", "/schema/openapi.json")
    assert served.status_code == 200
    assert served.json()["paths"] == DOCUMENT["paths"]
