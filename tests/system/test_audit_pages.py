"""The Secretariat's audit log page over HTTP: the API's filters (actor, object, event, time range) with bad input
said as sentences, the `audit verify` result (intact, then a forged row found), the public checkpoints; the
Secretariat only."""

from __future__ import annotations

from uuid import uuid4

import asyncpg
import httpx
from lxml import html

from igf_hub.auth.principal import Role
from igf_hub.core.audit_checkpoints import make_checkpoint
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory

PATH = "/en/secretariat/audit"


def _rows(answer: httpx.Response) -> list[list[str]]:
    document = html.fromstring(answer.text)
    return [
        [" ".join(c.text_content().split()) for c in tr.xpath("./th|./td")]
        for tr in document.xpath("//tbody/tr")
    ]


async def test_the_audit_log_filters_as_the_api_does(
    client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    amina = await tokens.user(email="amina@example.org")
    track = uuid4()
    granted = await client.post(
        f"/v1/users/{amina.id}/grants",
        json={"role": "track_facilitator", "resource_id": str(track)},
        headers=secretariat.headers,
    )
    assert granted.status_code == 201, granted.text
    everything = await client.get(PATH, headers=secretariat.headers)
    assert everything.status_code == 200
    assert any(row[3] == "role.granted" for row in _rows(everything))

    actor = (await client.get("/v1/audit?action=role.granted", headers=secretariat.headers)).json()["items"][
        0
    ]["actor"]
    for query in (
        "action=role.granted",
        f"subject_type=user&subject_id={amina.id}&action=role.granted",
        f"actor={actor}&action=role.granted",
    ):
        page = await client.get(f"{PATH}?{query}", headers=secretariat.headers)
        api = await client.get(f"/v1/audit?{query}", headers=secretariat.headers)
        assert [int(r[0]) for r in _rows(page)] == [e["seq"] for e in api.json()["items"]], query
        assert _rows(page), query
    today = clock.now().date().isoformat()
    assert _rows(
        await client.get(
            f"{PATH}?since={today}&until={today}&action=role.granted", headers=secretariat.headers
        )
    )
    assert not _rows(await client.get(f"{PATH}?until=2000-01-01", headers=secretariat.headers))

    for query, sentence in (
        ("since=yesterday", "Enter a date like 2027-01-31"),
        ("since=2027-02-01&until=2027-01-01", "The end date must be after the start date."),
        ("actor=" + "x" * 201, "Enter at most 200 characters."),
    ):
        refused = await client.get(f"{PATH}?{query}", headers=secretariat.headers)
        assert refused.status_code == 422 and sentence in refused.text, query
    # A cursor the page did not issue starts from the newest entry instead of failing.
    assert (await client.get(f"{PATH}?cursor=nonsense", headers=secretariat.headers)).status_code == 200


async def test_verify_says_the_log_is_intact_then_names_a_forged_row_and_checkpoints_are_listed(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    await tokens.user(Role.mag_member)
    async with db.acquire() as conn:
        await make_checkpoint(conn, settings, now=clock.now())
    page = await client.get(PATH, headers=secretariat.headers)
    assert "No checkpoint has been signed yet." not in page.text
    assert html.fromstring(page.text).xpath("//section[@aria-labelledby='checkpoints-title']//li")

    intact = await client.get(f"{PATH}/verify", headers=secretariat.headers)
    assert intact.status_code == 200 and "The audit log is intact" in intact.text
    assert "the log extends it" in intact.text  # the stored checkpoint is checked too
    async with db.acquire() as conn:
        await conn.execute("SET session_replication_role = replica")
        await chain_audit(conn)
        await conn.execute("""UPDATE audit_log SET data = '{"forged": true}' WHERE seq = 1""")
        await conn.execute("SET session_replication_role = DEFAULT")
    broken = await client.get(f"{PATH}/verify", headers=secretariat.headers)
    assert broken.status_code == 200
    assert "NOT intact: the first bad row is #1." in broken.text
    assert "content does not match its hash" in broken.text


async def test_the_audit_log_is_the_secretariat_s_only(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    assert (await client.get(PATH)).status_code == 401
    member = await tokens.user(Role.mag_member)
    for path in (PATH, f"{PATH}/verify"):
        assert (await client.get(path, headers=member.headers)).status_code == 403
