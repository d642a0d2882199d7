"""docs/consumers.md, run: every Python example of the consumer guide, against igf_hub and real deliveries to a
consumer on 127.0.0.1, as an integrator would use it (a machine client's token, the public standardwebhooks
library for HMAC signatures)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from litestar import Litestar
from standardwebhooks.webhooks import WebhookVerificationError

from igf_hub.webhooks.dispatcher import Dispatcher
from tests.conftest import BASE_URL
from tests.support.asgi import asgi
from tests.support.auth import Caller
from tests.support.consumer import ConsumerServer
from tests.webhooks.conftest import UNGIS, approved_message, publish

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "consumers.md"


def guide_examples() -> dict[str, Any]:
    """Every ```python block of the guide, executed in order in one namespace (as a reader would paste them)."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    assert len(blocks) == 5, "the guide's examples changed: exercise the new ones here"
    namespace: dict[str, Any] = {"__name__": "consumer_guide"}
    for block in blocks:
        exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace


def test_the_guide_links_the_event_pages_and_keeps_feed_b_s_sections() -> None:
    text = GUIDE.read_text()
    events = (GUIDE.parent / "consumers-events.md").read_text()
    for heading, anchor in (
        ("## Visibility", "visibility"),
        ("## Ordering and sequence", "ordering-and-sequence"),
        ("## Event catalogue", "event-catalogue"),
    ):
        section = text.split(f"{heading}\n", 1)[1].split("\n## ", 1)[0]
        assert f"(consumers-events.md#{anchor})" in section, heading
        assert f"\n{heading}\n" in events  # the anchor exists
    assert "(docs/consumers.md)" in (GUIDE.parents[1] / "README.md").read_text()


async def test_every_example_of_the_consumer_guide_works_against_real_deliveries(
    app: Litestar,
    client: httpx.AsyncClient,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
) -> None:
    guide = guide_examples()
    # Signing in: a machine client of UNGIS, made by the Secretariat, gets a token.
    made = await client.post(
        f"/v1/consumers/{UNGIS}/clients", json={"name": "UNGIS feed"}, headers=admin.headers
    )
    assert made.status_code == 201, made.text
    token = await guide["access_token"](client, made.json()["client_id"], made.json()["client_secret"])
    transport = httpx.ASGITransport(app=asgi(app))
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE_URL, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        # The handshake: the receiver gets the secret, then the first ping it receives verifies.
        secrets: dict[str, str] = {}

        def store_secret(endpoint_id: str, secret: str) -> None:
            secrets[endpoint_id] = secret
            consumer.trust(secret)

        endpoint = await guide["register_and_verify"](api, str(UNGIS), consumer.url(), store_secret)
        await dispatcher.run_once()
        (ping,) = consumer.received
        seen: set[str] = set()
        mine = [secrets[endpoint["id"]]]
        assert guide["accept"](ping.body, ping.headers, mine, seen)["type"] == "webhook.ping"
        state = (await api.get(f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}")).json()
        assert state["status"] == "active"

        # A delivery: verified with standardwebhooks, de-duplicated by webhook-id, refused with a wrong secret.
        subject = uuid4()
        event = await publish(db, "message.approved", subject, approved_message(subject))
        await dispatcher.run_once()
        delivery = consumer.received[-1]
        assert delivery.headers["content-type"] == "application/cloudevents+json; charset=utf-8"
        accepted = guide["accept"](delivery.body, delivery.headers, mine, seen)
        assert accepted["id"] == str(event.event_id) and accepted["data"]["id"] == str(subject)
        assert guide["accept"](delivery.body, delivery.headers, mine, seen) is None  # the same message again
        with pytest.raises(WebhookVerificationError):
            guide["verify_delivery"](delivery.body, delivery.headers, ["whsec_" + "A" * 43 + "="])
        with pytest.raises(WebhookVerificationError):
            guide["verify_delivery"](delivery.body + b" ", delivery.headers, mine)

        # Ed25519: the key named by webhook-key-id, fetched once, fetched again after a rotation.
        keys: dict[str, str] = {}
        await guide["verify_v1a"](api, delivery.body, delivery.headers, keys)
        assert list(keys) == [delivery.headers["webhook-key-id"]]
        with pytest.raises(InvalidSignature):
            await guide["verify_v1a"](
                api, delivery.body.replace(b"approved", b"withdrawn"), delivery.headers, keys
            )
        rotated = await client.post("/v1/events/signing-keys/rotate", headers=admin.headers)
        assert rotated.status_code == 200
        await publish(db, "message.withdrawn", subject, {"id": str(subject)})
        await dispatcher.run_once()
        after = consumer.received[-1]
        assert after.headers["webhook-key-id"] not in keys
        await guide["verify_v1a"](api, after.body, after.headers, keys)  # refreshes its copy, then verifies
        assert after.headers["webhook-key-id"] in keys and len(keys) == 2

        # The pull log: from the start, then resumed from the kept cursor; and filtered by type.
        pulled: list[dict[str, Any]] = []
        cursor = await guide["catch_up"](api, None, pulled.append)
        assert [e["type"] for e in pulled] == ["message.approved", "message.withdrawn"]
        assert pulled[0] == accepted  # the same event as the webhook carried
        newer = uuid4()
        await publish(db, "message.approved", newer, approved_message(newer))
        await publish(db, "nri.recognised", uuid4(), {"id": "kenya-igf"})
        more: list[dict[str, Any]] = []
        cursor = await guide["catch_up"](api, cursor, more.append)
        assert [e["type"] for e in more] == ["message.approved", "nri.recognised"]
        assert more[0]["subject"] == str(newer)
        assert await guide["catch_up"](api, cursor, more.append) == cursor and len(more) == 2  # nothing newer
        only: list[dict[str, Any]] = []
        await guide["catch_up"](api, None, only.append, types="nri.*")
        assert [e["type"] for e in only] == ["nri.recognised"]
