"""Issue 18, "who hears what": each line drives the real event through the API, the worker's outbox dispatch and
its mail job, and reads the mail from a real SMTP server on 127.0.0.1 (and the inbox), in the recipient's
language."""

from __future__ import annotations

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core import queue
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people.repository import NoticeRepository
from tests.messages.support import comment, dispose, message, move
from tests.nri.helpers import PRINCIPLES, act, register
from tests.support.auth import TokenFactory
from tests.support.smtp import SmtpServer
from tests.support.worker import run_worker_burst


async def _worker(settings: Settings, clock: Clock) -> None:
    """The worker after commit: the outbox's subscribers create the notices, then the mail job sends them."""
    redis = await queue.connect(settings.redis.url)
    try:
        await redis.enqueue_job("dispatch_outbox")
        await run_worker_burst(settings, clock)
        await redis.enqueue_job("notices_send")
        await run_worker_burst(settings, clock)
    finally:
        await redis.aclose()


async def _language(db: asyncpg.Pool, user_id: object, language: str) -> None:
    await db.execute("UPDATE users SET preferred_language = $2 WHERE id = $1", user_id, language)


async def test_nri_submitted_reaches_the_secretariat(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    mail_settings: Settings,
    clock: Clock,
    smtp: SmtpServer,
) -> None:
    coordinator = await tokens.user()
    secretariat = await tokens.user(Role.secretariat)
    await _language(db, secretariat.id, "es")
    nri = await register(client, coordinator)
    submitted = await act(
        client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES}, **{"If-Match": '"1"'}
    )
    assert submitted.status_code == 200, submitted.text
    await _worker(mail_settings, clock)

    (mail,) = smtp.to(secretariat.user.email)
    assert mail.subject == f"Iniciativa presentada para su reconocimiento: {nri['name']}"
    assert f"{nri['name']} se ha presentado para su reconocimiento" in mail.text
    assert f"{mail_settings.base_url}/es/nris/{nri['id']}" in mail.text
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert smtp.to(coordinator.user.email) == []  # the coordinator is not the Secretariat
    async with db.acquire() as conn:
        inbox, _ = await NoticeRepository(conn).inbox(secretariat.id, 10, 0)
    assert [(n.kind, n.link) for n in inbox] == [("nri.submitted", f"/nris/{nri['id']}")]
    # The event is dispatched once: running the worker again sends nothing more.
    await _worker(mail_settings, clock)
    assert len(smtp.to(secretariat.user.email)) == 1


async def test_a_comment_s_disposition_reaches_its_author(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    mail_settings: Settings,
    clock: Clock,
    smtp: SmtpServer,
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    drafter = await tokens.user()
    author = await tokens.user()
    bystander = await tokens.user()
    await _language(db, author.id, "fr")
    mid = (await message(client, secretariat, drafters=[str(drafter.id)])).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    mine = (await comment(client, author, mid)).json()
    await comment(client, bystander, mid, body="Another view.")
    await dispose(
        client,
        drafter,
        mid,
        mine["id"],
        {"outcome": "not_accepted", "rationale": "Hors du champ de ce texte."},
    )
    await _worker(mail_settings, clock)

    (mail,) = smtp.to(author.user.email)
    assert mail.subject == "Une suite a été donnée à votre commentaire"
    assert "Résultat : Non accepté" in mail.text
    assert "Leurs raisons : Hors du champ de ce texte." in mail.text
    assert f"{mail_settings.base_url}/fr/messages/{mid}" in mail.text
    assert smtp.to(bystander.user.email) == []  # their comment has no disposition yet
    async with db.acquire() as conn:
        inbox, _ = await NoticeRepository(conn).inbox(author.id, 10, 0)
        assert await NoticeRepository(conn).unread(author.id) == 1
    assert [n.kind for n in inbox] == ["message.comment_disposed"]
    assert inbox[0].params == {"outcome": "not_accepted", "rationale": "Hors du champ de ce texte."}
