"""Issue 18: a worker killed with SIGKILL while it sends a notice's e-mail sends no notice twice and loses none.

The SMTP server (real, on 127.0.0.1) holds its answer to the message's data, so the worker is caught mid-send;
it is killed there. The server had not accepted the message (no 250), so when the connection drops it has
nothing to deliver. Once the dead worker's lease runs out a new worker process claims the mail again and sends
it, with the same Message-ID; a notice created while no worker ran goes out too. Each arrives exactly once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from uuid import UUID

import asyncpg
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core import mail
from igf_hub.core.clock import Clock
from igf_hub.core.db import create_pool
from igf_hub.nri.notices import SUBMITTED
from igf_hub.people import notices
from tests.faults.conftest import FaultServers, eventually, worker_process
from tests.people.support import person
from tests.support.smtp import Received, SmtpServer, smtp_server

MAIL_LEASE_SECONDS = 4  # a killed worker's mail is claimable again this soon (production: 120)


@pytest.fixture
async def pool(fault_servers: FaultServers) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(fault_servers.settings().db.url, application_name="igf-hub.tests", max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


async def _submitted(pool: asyncpg.Pool, recipient: UUID, key: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await notices.notify(
            conn,
            kind=SUBMITTED.name,
            recipients=[notices.Account(recipient)],
            key=key,
            params={"name": f"IGF {key}", "countries": "Kenya"},
            link="/nris",
            now=Clock().now(),
        )


async def _mail(pool: asyncpg.Pool, key: str) -> dict[str, object]:
    row = await pool.fetchrow("SELECT * FROM notice_mails WHERE idempotency_key = $1", key)
    assert row is not None
    return dict(row)


async def test_a_worker_killed_mid_send_sends_no_notice_twice_and_loses_none(
    fault_servers: FaultServers, pool: asyncpg.Pool
) -> None:
    settings = fault_servers.settings()
    secretariat, address = await person(pool, settings, Clock(), Role.secretariat, name="Sam")
    async with smtp_server() as smtp:
        env = {**smtp.env(), "IGF_HUB_MAIL_LEASE_SECONDS": str(MAIL_LEASE_SECONDS)}
        held = smtp.hold()
        await _submitted(pool, secretariat, "first")
        key = f"first|{secretariat}"

        async with worker_process(fault_servers, "killed-mail-worker", **env) as first:
            try:
                await smtp.wait_for(1, within=30, started=True)  # the data is in; the answer is held
            except TimeoutError:
                pytest.fail(f"the worker sent nothing; its log:\n{first.log_tail()}")
            await first.kill()
        claimed = await _mail(pool, key)
        # Killed before recording anything: still pending, its one attempt counted, under the dead lease.
        assert (claimed["state"], claimed["attempts"]) == ("pending", 1)
        assert claimed["lease_until"] is not None
        held.set()
        smtp.release()
        assert smtp.messages == []  # the server never accepted it

        # Created while no worker runs: it waits in PostgreSQL.
        await _submitted(pool, secretariat, "orphan")

        async with worker_process(fault_servers, "replacement-mail-worker", **env) as second:
            got = await _received(smtp, 2, second.log_tail)
            sent = await eventually(
                lambda: _sent(pool, key),
                within=15,
                what=lambda: f"the send recorded; log:\n{second.log_tail()}",
            )
            assert second.alive, second.log_tail()

    assert sorted(m.message_id for m in got) == sorted(
        [mail.message_id(settings, key), mail.message_id(settings, f"orphan|{secretariat}")]
    )
    assert all(m.rcpt_tos == [address] for m in got)
    assert smtp.started == 3  # the held attempt, then each mail once
    assert (sent["state"], sent["attempts"]) == ("sent", 2)
    log = await pool.fetch("SELECT outcome, attempt FROM notice_send_log WHERE mail_id = $1", sent["id"])
    assert [tuple(r) for r in log] == [("sent", 2)]  # the killed attempt recorded nothing


async def _received(smtp: SmtpServer, count: int, log_tail: Callable[[], str]) -> list[Received]:
    try:
        return await smtp.wait_for(count, within=MAIL_LEASE_SECONDS + 30)
    except TimeoutError:
        pytest.fail(f"{len(smtp.messages)} of {count} mails arrived; worker log:\n{log_tail()}")


async def _sent(pool: asyncpg.Pool, key: str) -> dict[str, object] | None:
    row = await _mail(pool, key)
    return row if row["state"] == "sent" else None
