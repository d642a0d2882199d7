"""The public page of an approved Message says how it reached UNGIS and the CSTD, per consumer: delivered (when)
or pending, read through core/wiring's delivery status (the Messages domain does not import webhooks)."""

from __future__ import annotations

import httpx
from lxml import html

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.messages import support as m
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer
from tests.webhooks.conftest import verified_endpoint


def rows(page: httpx.Response) -> dict[str, list[str]]:
    assert page.status_code == 200, page.text[:500]
    document = html.fromstring(page.text)
    return {
        tr.get("id"): [" ".join(td.text_content().split()) for td in tr.xpath("./th|./td")]
        for tr in document.xpath("//section[@aria-labelledby='deliveries']//tbody/tr")
    }


async def test_an_approved_message_shows_its_delivery_to_ungis_and_the_cstd(
    client: httpx.AsyncClient,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    tokens: TokenFactory,
    clock: Clock,
    settings: Settings,
) -> None:
    await verified_endpoint(
        client, admin, consumer, dispatcher, event_types=["message.approved", "message.published"]
    )
    secretariat = await tokens.user(Role.secretariat)
    mid = (await m.message(client, secretariat)).json()["id"]
    members = await m.mag(tokens, 3)
    await m.to_review(client, tokens, clock, settings, secretariat, mid)
    await m.refresh(tokens, *members)
    assert rows(await client.get(f"/en/messages/{mid}")) == {}, "nothing to deliver before approval"
    for caller, group in zip(members, m.GROUPS, strict=False):
        await m.position(client, caller, mid, "yes", group=group)
    await m.move(client, secretariat, mid, {"to": "approved"})
    # Recorded, not yet sent: pending for both.
    assert rows(await client.get(f"/en/messages/{mid}")) == {
        "delivery-ungis": ["UNGIS", "Pending", "Pending"],
        "delivery-cstd": ["CSTD secretariat", "Pending", "Pending"],
    }
    await dispatcher.run_once()
    shown = rows(await client.get(f"/en/messages/{mid}"))
    assert shown["delivery-ungis"][1].startswith("Delivered on") and shown["delivery-ungis"][2] == "Pending"
    assert shown["delivery-cstd"] == ["CSTD secretariat", "Pending", "Pending"], (
        "the CSTD has no endpoint: nothing sent"
    )

    await m.move(client, secretariat, mid, {"to": "published"})
    await dispatcher.run_once()
    shown = rows(await client.get(f"/fr/messages/{mid}"))
    assert [cell.startswith("Remis le") for cell in shown["delivery-ungis"][1:]] == [True, True]
    assert shown["delivery-cstd"][1:] == ["En attente", "En attente"]
    assert [r.json()["type"] for r in consumer.received if r.json()["type"] != "webhook.ping"] == [
        "message.approved",
        "message.published",
    ]
