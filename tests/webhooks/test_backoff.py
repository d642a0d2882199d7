"""Back-off follows how long an endpoint has been failing, and its return releases the backlog at once.

The clock is injected and moved one second at a time; the dispatcher runs a pass each second, as the running
loop would (it polls every second and wakes on NOTIFY). The consumer on 127.0.0.1 answers 503 while "down".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import asyncpg
import httpx
import pytest

from igf_hub.core.clock import Clock
from igf_hub.webhooks.dispatcher import Dispatcher
from igf_hub.webhooks.schemas import DEFAULT_RETRY_SCHEDULE
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer
from tests.webhooks.conftest import UNGIS, approved_message, publish, verified_endpoint

Client = httpx.AsyncClient


async def outage(db: asyncpg.Pool, consumer: ConsumerServer, in_flight: int) -> set[str]:
    """The consumer goes down and ``in_flight`` events (distinct subjects: all sent at once) are published."""
    consumer.unavailable = True
    ids = set()
    for _ in range(in_flight):
        subject = uuid4()
        ids.add(str((await publish(db, "message.approved", subject, approved_message(subject))).event_id))
    return ids


# The case (37 s, 6 in flight: blocked 28 minutes before), a full minute, a lone delivery (its own
# schedule would wait 120 s after its third attempt), and a bigger backlog.
@pytest.mark.parametrize(("in_flight", "down_for"), [(6, 37), (6, 60), (1, 37), (1, 60), (20, 45)])
async def test_after_an_outage_of_up_to_a_minute_the_backlog_arrives_within_a_minute_of_the_return(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
    in_flight: int,
    down_for: int,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher)
    ids = await outage(db, consumer, in_flight)
    back = clock.now() + timedelta(seconds=down_for)
    since_back: int | None = None  # index of the first request the returned consumer answered
    for _ in range(down_for + 3600):
        if since_back is None and clock.now() >= back:
            consumer.unavailable, since_back = False, len(consumer.received)
        await dispatcher.run_once()
        if since_back is not None and ids <= {r.webhook_id for r in consumer.received[since_back:]}:
            break
        clock.advance(timedelta(seconds=1))
    else:
        raise AssertionError("the backlog never arrived")
    assert clock.now() - back <= timedelta(seconds=60), f"{clock.now() - back} after the consumer came back"
    assert all(r.signature_ok for r in consumer.received[since_back:])


async def test_the_probe_waits_with_the_outage_and_a_ping_releases_the_backlog_at_once(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
    tokens: TokenFactory,
) -> None:
    endpoint = await verified_endpoint(client, admin, consumer, dispatcher)
    base = f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}"
    ids = await outage(db, consumer, 6)
    waits = []  # the endpoint's next probe, relative to the previous attempt, as the outage goes on
    for _ in range(1000):
        attempts = await dispatcher.run_once()
        if attempts:
            admin = Caller(admin.user, await tokens.token_for(admin.id))  # time moves past a token's life
            state = (await client.get(base, headers=admin.headers)).json()
            assert state["status"] == "failing" and state["next_probe_at"] is not None
            attempted = datetime.fromisoformat(state["last_failure_at"])
            failing_for = attempted - datetime.fromisoformat(state["failing_since"])
            waits.append((failing_for, datetime.fromisoformat(state["next_probe_at"]) - attempted))
        clock.advance(timedelta(seconds=1))
    # The wait grows with how long the endpoint has been failing (never with how many deliveries failed):
    # 5 s steps at first, 30 s steps from 30 s, 120 s from two minutes, 300 s from five (±20 % jitter).
    for failing_for, wait in waits:
        step = max(s for s in (5, 30, 120, 300) if s <= max(failing_for.total_seconds(), 5))
        assert step * 0.8 <= wait.total_seconds() <= step * 1.2, (failing_for, wait)
    assert waits[-1][1] > timedelta(seconds=200)  # the next probe is minutes away now
    # More probes than the retry schedule has attempts, all of one delivery (the oldest): probes spend no
    # retry budget, so nothing died while the endpoint was down.
    assert len(waits) > len(DEFAULT_RETRY_SCHEDULE)
    pending = (
        await client.get(
            f"/v1/consumers/{UNGIS}/deliveries", params={"state": "pending"}, headers=admin.headers
        )
    ).json()["items"]
    assert len(pending) == 6 and max(d["attempt_count"] for d in pending) > len(DEFAULT_RETRY_SCHEDULE)

    consumer.unavailable = False
    pinged = await client.post(f"{base}/ping", headers=admin.headers)
    assert pinged.status_code == 202
    await dispatcher.run_once()  # the ping goes despite the backoff; its 2xx releases everything
    await dispatcher.run_once()
    assert ids <= {r.webhook_id for r in consumer.received}, "the backlog waited for the next probe"
    state = (await client.get(base, headers=admin.headers)).json()
    assert (state["status"], state["next_probe_at"], state["consecutive_failures"]) == ("active", None, 0)
    deliveries = (
        await client.get(
            f"/v1/consumers/{UNGIS}/deliveries", params={"state": "pending"}, headers=admin.headers
        )
    ).json()
    assert deliveries["items"] == []
