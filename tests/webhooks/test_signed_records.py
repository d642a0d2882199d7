"""An approved Message reaches a consumer with the IGF's signature, by webhook and in the pull log, and the
signature verifies with an independent implementation (tests/core/test_signing.py's, on `cryptography`) against
the public JWKS and the exact signed document; the webhook's own signature scheme is unchanged."""

from __future__ import annotations

import httpx
import pytest
from cryptography.exceptions import InvalidSignature

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.core.test_signing import independent_verify, jwks_of
from tests.messages import support as m
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer
from tests.webhooks import schemas
from tests.webhooks.conftest import UNGIS, verified_endpoint

Client = httpx.AsyncClient


async def test_an_approved_message_carries_its_signature_to_consumers_and_it_verifies(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    tokens: TokenFactory,
    clock: Clock,
    settings: Settings,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher, event_types=["message.approved"])
    secretariat = await tokens.user(Role.secretariat)
    mid = (await m.message(client, secretariat)).json()["id"]
    members = await m.mag(tokens, 3, chair=True)
    await m.to_approved(client, tokens, clock, settings, secretariat, mid, members)
    await dispatcher.run_once()

    [delivery] = [r for r in consumer.received if r.json()["type"] == "message.approved"]
    assert delivery.signature_ok  # the webhook's own scheme, untouched
    schemas.check_event(await schemas.openapi(client), delivery.json())
    signature = delivery.json()["data"]["signature"]
    shown = (await client.get(f"/v1/messages/{mid}")).json()
    assert shown["signature"] == signature and shown["approved_version_number"] == signature["version"]
    assert signature["kind"] == "message" and signature["id"] == mid and signature["alg"] == "Ed25519"

    # The proof a consumer keeps: the exact signed document and the JWS, checked against the public keys.
    document = await client.get(signature["document"].removeprefix(settings.base_url))
    assert document.status_code == 200
    header = independent_verify(document.content, signature["jws"], await jwks_of(client))
    assert header["kid"] == signature["kid"]
    record = document.json()["record"]
    text = shown["languages"][0]
    assert (record["title"], record["body"], record["content_sha256"]) == (
        text["title"],
        text["body"],
        text["content_sha256"],
    )
    assert record["approved_at"] is not None and record["url"] == shown["links"]["self"]
    with pytest.raises(InvalidSignature):
        independent_verify(
            document.content.replace(b"affordable", b"affordabme"), signature["jws"], await jwks_of(client)
        )

    # The pull log carries the same event, signature included.
    member = await tokens.user((Role.consumer, UNGIS))
    pulled = (await client.get("/v1/events", headers=member.headers)).json()["items"]
    [approved] = [e for e in pulled if e["type"] == "message.approved"]
    assert approved["data"]["signature"] == signature
    assert (await client.get(f"/v1/signatures/message/{mid}/{signature['version']}")).json() == signature
