"""Issue 18, who hears what (webhooks): an endpoint failing, recovered and disabled reaches the staff of the
consumer organisation that owns it (the consumer role bound to it), in their language, by e-mail from a real SMTP
server on 127.0.0.1 and in their inbox; the staff of another consumer and the Secretariat hear nothing."""

from __future__ import annotations

from uuid import uuid4

import asyncpg
import httpx
import msgspec

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.dispatcher import Dispatcher
from igf_hub.webhooks.policy import FAILING_THRESHOLD
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer, fail
from tests.support.notices import deliver, inbox, set_language
from tests.support.smtp import smtp_server
from tests.webhooks.conftest import CSTD, UNGIS, approved_message, later, publish, verified_endpoint

KINDS = {"webhook.endpoint_failing", "webhook.endpoint_recovered", "webhook.endpoint_disabled"}


async def test_failing_recovered_and_disabled_reach_the_consumer_s_staff_only(
    client: httpx.AsyncClient,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
    settings: Settings,
    tokens: TokenFactory,
) -> None:
    staff = await tokens.user((Role.consumer, UNGIS))
    colleague = await tokens.user((Role.consumer, UNGIS))
    other = await tokens.user((Role.consumer, CSTD))
    await set_language(db, staff.id, "es")
    endpoint = await verified_endpoint(client, admin, consumer, dispatcher)
    url = endpoint["url"]

    async with smtp_server() as smtp:
        mail_settings = msgspec.structs.replace(settings, mail=smtp.settings())
        # Failing: the threshold of failures in a row.
        consumer.script(*[fail(500)] * FAILING_THRESHOLD)
        for _ in range(FAILING_THRESHOLD):
            subject = uuid4()
            await publish(db, "message.approved", subject, approved_message(subject))
        assert await dispatcher.run_once() == FAILING_THRESHOLD
        await deliver(db, mail_settings, clock)
        (failing,) = smtp.to(staff.user.email)
        assert failing.subject == f"Endpoint de webhook con fallos: {url}"
        assert f"falló {FAILING_THRESHOLD} veces seguidas" in failing.text
        assert [m.subject for m in smtp.to(colleague.user.email)] == [f"Webhook endpoint failing: {url}"]

        # Recovered: the next probe answers 2xx.
        later(clock, 1800)
        assert await dispatcher.run_once() >= 1
        await dispatcher.run_once()
        await deliver(db, mail_settings, clock)
        recovered = smtp.to(staff.user.email)[1]
        assert recovered.subject == f"Endpoint de webhook recuperado: {url}"
        assert [m.subject for m in smtp.to(colleague.user.email)][1] == f"Webhook endpoint recovered: {url}"
        await dispatcher.run_once()
        await deliver(db, mail_settings, clock)
        assert len(smtp.to(staff.user.email)) == 2  # a healthy endpoint's next success tells no one

        # Disabled: it answers 410 Gone.
        consumer.script(fail(410))
        subject = uuid4()
        await publish(db, "message.approved", subject, approved_message(subject))
        await dispatcher.run_once()
        await deliver(db, mail_settings, clock)
        disabled = smtp.to(staff.user.email)[2]
        assert disabled.subject == f"Endpoint de webhook desactivado: {url}"
        assert "410 Gone" in disabled.text

        for person in (staff, colleague):
            assert [kind for kind, _ in await inbox(db, person.id)] == [
                "webhook.endpoint_failing",
                "webhook.endpoint_recovered",
                "webhook.endpoint_disabled",
            ]
        # Who does not hear: another consumer's staff, and the Secretariat who registered the endpoint.
        for outsider in (other, admin):
            assert [kind for kind, _ in await inbox(db, outsider.id) if kind in KINDS] == []
            assert smtp.to(outsider.user.email) == []
