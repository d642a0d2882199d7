"""The consumer staff's pages over real HTTP (no browser): who may see them, the refusals the services make said
as sentences in the form with the input kept and nothing written, and the handshake, test event, delivery log,
rotation, recovery and replay through the same services the API uses."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID

import asyncpg
import httpx
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.support import twofactor
from tests.support.auth import TokenFactory
from tests.support.consumer import ConsumerServer, fail
from tests.support.web import Site, WebClient, serve
from tests.webhooks.conftest import CSTD, UNGIS, later

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


@pytest.fixture
async def site(settings: Settings, clock: Clock) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def signed_in(site: Site, tokens: TokenFactory, *roles: Role | tuple[Role, UUID]) -> WebClient:
    """A browser signed in as a new person with ``roles`` (the Secretariat passes its required second factor)."""
    caller = await tokens.user(*roles, password=PASSWORD)
    browser = site.browser()
    if Role.secretariat in roles:
        secret, _ = await twofactor.enrol(tokens.pool, tokens.settings, tokens.clock, caller.id)
        answer = await twofactor.sign_in(browser, caller.user.email, PASSWORD, secret, tokens.clock)
    else:
        answer = await browser.sign_in(caller.user.email, PASSWORD)
    assert answer.status_code == 303, answer.text
    return browser


def token_of(page: httpx.Response) -> str:
    match = TOKEN.search(page.text)
    assert match, page.text[:500]
    return match.group(1)


def endpoint_form(url: str, **fields: str) -> dict[str, str]:
    return {"url": url, "event_types": "message.approved", "description": "", **fields}


async def endpoints_of(db: asyncpg.Pool, consumer_id: UUID) -> int:
    return int(
        await db.fetchval("SELECT count(*) FROM webhook_endpoints WHERE consumer_id = $1", consumer_id)
    )


async def register(browser: WebClient, consumer_id: UUID, form: dict[str, str]) -> httpx.Response:
    page = await browser.get(f"/en/consumers/{consumer_id}/endpoints/new")
    assert page.status_code == 200, page.text[:300]
    return await browser.post(
        f"/en/consumers/{consumer_id}/endpoints/new", {"csrf_token": token_of(page), **form}
    )


async def test_a_reader_who_is_not_signed_in_is_sent_to_sign_in_and_back(site: Site) -> None:
    async with site.browser() as browser:
        answer = await browser.get(f"/en/consumers/{UNGIS}/deliveries?state=dead")
    assert answer.status_code == 303
    assert answer.headers["location"] == (
        f"/en/signin?next=%2Fen%2Fconsumers%2F{UNGIS}%2Fdeliveries%3Fstate%3Ddead"
    )


async def test_only_the_secretariat_and_the_consumers_own_staff_see_its_pages(
    site: Site, tokens: TokenFactory
) -> None:
    funder = await signed_in(site, tokens, Role.funder)
    other = await signed_in(site, tokens, (Role.consumer, CSTD))
    own = await signed_in(site, tokens, (Role.consumer, UNGIS))
    secretariat = await signed_in(site, tokens, Role.secretariat)
    for path in (
        f"/en/consumers/{UNGIS}",
        f"/en/consumers/{UNGIS}/deliveries",
        f"/en/consumers/{UNGIS}/endpoints/new",
    ):
        refused = await funder.get(path)
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
        assert "You cannot see this page" in refused.text
        assert (await other.get(path)).status_code == 403
        assert (await own.get(path)).status_code == 200
        assert (await secretariat.get(path)).status_code == 200
    # The list names the consumers a person acts for: their own only; the Secretariat sees every one.
    listed = (await own.get("/en/consumers")).text
    assert f"/en/consumers/{UNGIS}" in listed and f"/en/consumers/{CSTD}" not in listed
    assert f"/en/consumers/{CSTD}" in (await secretariat.get("/en/consumers")).text
    for browser in (funder, other, own, secretariat):
        await browser.http.aclose()


async def test_a_refused_address_is_said_at_the_field_the_input_kept_and_nothing_written(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    async with await signed_in(site, tokens, (Role.consumer, UNGIS)) as staff:
        # Not on the allowlist (only 127.0.0.1 is, in these tests): the service's SSRF check refuses it.
        answer = await register(staff, UNGIS, endpoint_form("https://10.0.0.1/hooks", description="Our hub"))
        assert answer.status_code == 422
        assert "This address cannot receive webhooks" in answer.text
        assert 'href="#field-url"' in answer.text  # the error summary links to the field
        assert 'value="https://10.0.0.1/hooks"' in answer.text and "Our hub" in answer.text
        # Not an address at all: the form says how to write one.
        answer = await register(staff, UNGIS, endpoint_form("ftp:/nowhere"))
        assert answer.status_code == 422 and "starting with https://" in answer.text
    assert await endpoints_of(db, UNGIS) == 0


async def test_an_unknown_event_type_is_named_in_a_sentence(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, consumer: ConsumerServer
) -> None:
    async with await signed_in(site, tokens, (Role.consumer, UNGIS)) as staff:
        answer = await register(
            staff, UNGIS, endpoint_form(consumer.url(), event_types="message.approved, gossip.heard")
        )
        assert answer.status_code == 422
        assert "not an event type you can subscribe to: gossip.heard." in answer.text
        answer = await register(staff, UNGIS, endpoint_form(consumer.url(), filter_sdgs="nine"))
        assert answer.status_code == 422 and "Enter numbers separated by commas" in answer.text
        answer = await register(staff, UNGIS, endpoint_form(consumer.url(), filter_sdgs="99"))
        assert answer.status_code == 422 and "not in the list" in answer.text
    assert await endpoints_of(db, UNGIS) == 0


async def test_the_handshake_test_event_and_delivery_log(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, consumer: ConsumerServer, dispatcher: Dispatcher
) -> None:
    async with await signed_in(site, tokens, (Role.consumer, UNGIS)) as staff:
        answer = await register(
            staff, UNGIS, endpoint_form(consumer.url(), filter_lines="c7", sign_ed25519="yes")
        )
        assert answer.status_code == 303, answer.text
        endpoint_path = answer.headers["location"].split("?")[0]
        endpoint_id = UUID(endpoint_path.rsplit("/", 1)[1])
        row = await db.fetchrow("SELECT * FROM webhook_endpoints WHERE id = $1", endpoint_id)
        assert row["sign_ed25519"] and row["verified_at"] is None
        page = await staff.get(answer.headers["location"])
        assert "The endpoint is registered." in page.text
        assert "Waiting for verification" in page.text and "Send the verification ping" in page.text
        secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>', page.text)
        assert secret, "the page shows the secret to store"
        consumer.trust(secret.group(1), public_key=consumer.verifier.public_key)

        ping = await staff.post(f"{endpoint_path}/ping", {"csrf_token": token_of(page)})
        assert ping.status_code == 303
        delivery_path = ping.headers["location"].split("?")[0]
        await dispatcher.run_once()
        assert consumer.received[-1].json()["type"] == "webhook.ping" and consumer.received[-1].signature_ok

        delivery = await staff.get(ping.headers["location"])
        assert "A signed test event (webhook.ping) is on its way." in delivery.text
        assert "HTTP 204" in delivery.text and "Delivered" in delivery.text
        page = await staff.get(endpoint_path)
        assert "Verified" in page.text and "Send a test event" in page.text
        assert "100%" in page.text  # one attempt in the last day, a success

        log = await staff.get(f"/en/consumers/{UNGIS}/deliveries?endpoint={endpoint_id}&state=delivered")
        assert log.status_code == 200
        assert f'href="{delivery_path}"' in log.text and "webhook.ping" in log.text
        empty = await staff.get(f"/en/consumers/{UNGIS}/deliveries?state=dead")
        assert "No delivery matches." in empty.text
        # A filter value the list does not take is ignored, as a search form's would be: never a 500.
        assert (
            await staff.get(f"/en/consumers/{UNGIS}/deliveries?state=lost&endpoint=x&cursor=%%")
        ).status_code == 200


async def verified(
    staff: WebClient, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> tuple[str, str]:
    """Register and verify an endpoint through the pages; (its page's path, the CSRF token)."""
    answer = await register(staff, UNGIS, endpoint_form(consumer.url()))
    endpoint_path = answer.headers["location"].split("?")[0]
    page = await staff.get(endpoint_path)
    secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>', page.text)
    assert secret
    consumer.trust(secret.group(1))
    token = token_of(page)
    await staff.post(f"{endpoint_path}/ping", {"csrf_token": token})
    await dispatcher.run_once()
    return endpoint_path, token


async def test_rotating_shows_the_grace_period_and_refuses_one_too_long(
    site: Site,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    clock: Clock,
) -> None:
    async with await signed_in(site, tokens, (Role.consumer, UNGIS)) as staff:
        path, token = await verified(staff, consumer, dispatcher, db)
        endpoint_id = UUID(path.rsplit("/", 1)[1])
        before = await db.fetchval(
            "SELECT count(*) FROM webhook_endpoint_secrets WHERE endpoint_id = $1", endpoint_id
        )
        refused = await staff.post(f"{path}/rotate", {"csrf_token": token, "grace_hours": "500"})
        assert refused.status_code == 422 and "between 0 and 168 hours" in refused.text
        assert 'value="500"' in refused.text
        assert (
            await db.fetchval(
                "SELECT count(*) FROM webhook_endpoint_secrets WHERE endpoint_id = $1", endpoint_id
            )
            == before
        )
        rotated = await staff.post(f"{path}/rotate", {"csrf_token": token, "grace_hours": "2"})
        assert rotated.status_code == 303
        page = await staff.get(rotated.headers["location"])
        assert "A new signing secret signs from now on." in page.text
        # The old secret is listed with the end of its grace period (the clock's now + 2 hours).
        assert "Signs until" in page.text


async def test_a_change_made_meanwhile_is_not_overwritten(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, consumer: ConsumerServer, dispatcher: Dispatcher
) -> None:
    async with await signed_in(site, tokens, (Role.consumer, UNGIS)) as staff:
        path, token = await verified(staff, consumer, dispatcher, db)
        endpoint_id = UUID(path.rsplit("/", 1)[1])
        version = await db.fetchval("SELECT version FROM webhook_endpoints WHERE id = $1", endpoint_id)
        form = {
            "csrf_token": token,
            **endpoint_form(consumer.url(), event_types="message.*"),
            "enabled": "yes",
        }
        saved = await staff.post(f"{path}/settings", {**form, "version": str(version)})
        assert saved.status_code == 303
        stale = await staff.post(
            f"{path}/settings", {**form, "event_types": "nri.*", "version": str(version)}
        )
        assert (
            stale.status_code == 409
            and "Someone changed this endpoint after you opened the page" in stale.text
        )
        types = await db.fetchval("SELECT event_types FROM webhook_endpoints WHERE id = $1", endpoint_id)
        assert types == ["message.*"]


async def test_recover_since_a_time(
    site: Site,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    clock: Clock,
) -> None:
    async with await signed_in(site, tokens, (Role.consumer, UNGIS)) as staff:
        path, token = await verified(staff, consumer, dispatcher, db)
        endpoint_id = UUID(path.rsplit("/", 1)[1])
        future = (clock.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
        for since, message in (
            ("yesterday", "Enter the time to recover from"),
            (future, "must be in the past"),
        ):
            refused = await staff.post(f"{path}/recover", {"csrf_token": token, "since": since})
            assert refused.status_code == 422 and message in refused.text
        assert (
            await db.fetchval("SELECT count(*) FROM webhook_recoveries WHERE endpoint_id = $1", endpoint_id)
            == 0
        )
        since = (clock.now() - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
        done = await staff.post(f"{path}/recover", {"csrf_token": token, "since": since})
        assert done.status_code == 303 and done.headers["location"].endswith("?done=recovering")
        assert (
            await db.fetchval("SELECT count(*) FROM webhook_recoveries WHERE endpoint_id = $1", endpoint_id)
            == 1
        )


async def test_replay_a_delivery_and_not_one_still_pending(
    site: Site,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    clock: Clock,
) -> None:
    async with await signed_in(site, tokens, (Role.consumer, UNGIS)) as staff:
        path, token = await verified(staff, consumer, dispatcher, db)
        consumer.script(fail(500))
        pinged = await staff.post(f"{path}/ping", {"csrf_token": token})
        await dispatcher.run_once()
        pending = await staff.get(pinged.headers["location"])
        assert "HTTP 500" in pending.text and "Pending" in pending.text
        refused = await staff.post(
            pinged.headers["location"].split("?")[0] + "/replay", {"csrf_token": token}
        )
        assert refused.status_code == 409 and "still being attempted" in refused.text
        page = await staff.get(path)
        assert "HTTP 500" in page.text  # the health section lists the last error
        later(clock, 5)
        await dispatcher.run_once()
        replayed = await staff.post(
            pinged.headers["location"].split("?")[0] + "/replay", {"csrf_token": token}
        )
        assert replayed.status_code == 303 and replayed.headers["location"].endswith("?done=replayed")
        assert "sent again" in (await staff.get(f"/en/consumers/{UNGIS}/deliveries")).text


async def test_health_through_the_api(
    client: httpx.AsyncClient, admin: object, consumer: ConsumerServer, dispatcher: Dispatcher, clock: Clock
) -> None:
    """GET .../health: the success rate and latency of the last day, the failures in a row, the next probe."""
    from tests.webhooks.conftest import verified_endpoint

    endpoint = await verified_endpoint(client, admin, consumer, dispatcher)  # type: ignore[arg-type]
    base = f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}"
    consumer.script(fail(503), fail(503), fail(503))
    for _ in range(3):
        await client.post(f"{base}/ping", headers=admin.headers)  # type: ignore[attr-defined]
        await dispatcher.run_once()
    answer = await client.get(f"{base}/health", headers=admin.headers)  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.text
    health = answer.json()
    assert (health["attempts"], health["succeeded"]) == (4, 1)
    assert health["success_rate"] == 0.25
    assert health["consecutive_failures"] == 3 and health["status"] == "failing"
    assert health["next_probe_at"] is not None
    assert [e["status_code"] for e in health["last_errors"]] == [503, 503, 503]
    assert health["latency_median_ms"] is not None
