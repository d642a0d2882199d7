"""Issue 18, who hears what: "public comment opened / closing in 48 h → people who follow the Message's theme or
the Messages of the year". The real transition through the API, the worker's after-commit dispatch and its
send job, mail read from a real SMTP server on 127.0.0.1 and the inbox, in each recipient's language; the
48-hour warning is the worker's sweep on the injected clock, said once per window however often it runs."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people import follows
from igf_hub.people.repository import NoticeRepository
from tests.messages.support import message, move, sweep
from tests.people.support import person
from tests.support.auth import TokenFactory
from tests.support.smtp import SmtpServer
from tests.tracks.conftest import Tracks

THEME = "Universal and meaningful connectivity"


async def inbox(db: asyncpg.Pool, user_id: UUID) -> list[str]:
    async with db.acquire() as conn:
        notices, _ = await NoticeRepository(conn).inbox(user_id, 50, 0)
    return [n.kind for n in notices]


async def test_followers_of_the_theme_or_year_hear_that_comment_opened_and_closes_in_48_hours(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    mail_settings: Settings,
    clock: Clock,
    smtp: SmtpServer,
) -> None:
    theme_fan, theme_email = await person(db, mail_settings, clock, language="fr", name="Amélie")
    year_fan, year_email = await person(db, mail_settings, clock, language="en", name="Yusuf")
    other_theme, other_email = await person(db, mail_settings, clock, name="Olga")
    other_year, other_year_email = await person(db, mail_settings, clock, name="Pablo")
    async with db.acquire() as conn, conn.transaction():
        now = clock.now()
        await follows.follow(conn, theme_fan, follows.THEME, THEME, THEME, now)
        await follows.follow(conn, year_fan, follows.MESSAGES_OF_YEAR, "2025", "2025", now)
        await follows.follow(conn, other_theme, follows.THEME, "Cybersecurity and trust", "Cyber", now)
        await follows.follow(conn, other_year, follows.MESSAGES_OF_YEAR, "2024", "2024", now)

    admin = await tokens.user(Role.secretariat)
    created = (await message(client, admin, theme=THEME, year=2025)).json()
    await move(client, admin, created["id"], {"to": "public_comment"})

    await sweep(mail_settings, clock, "dispatch_outbox")  # after commit: the notices are written
    await sweep(mail_settings, clock, "notices_send")
    opened_fr, opened_en = smtp.to(theme_email), smtp.to(year_email)
    assert len(opened_fr) == 1 and len(opened_en) == 1
    assert opened_fr[0].subject == "Ouvert aux commentaires publics : Connect the next billion"
    assert "est ouvert aux commentaires publics" in opened_fr[0].text
    assert f"/fr/messages/{created['id']}" in opened_fr[0].text
    assert opened_en[0].subject == "Open for public comment: Connect the next billion"
    assert f"/en/messages/{created['id']}" in opened_en[0].html
    assert smtp.to(other_email) == [] and smtp.to(other_year_email) == []
    assert await inbox(db, theme_fan) == ["message.public_comment_opened"]
    assert await inbox(db, other_theme) == [] and await inbox(db, other_year) == []

    # Three days before the end: nothing yet. Then 47 hours before: once, however often the sweep runs.
    clock.advance(timedelta(days=18) - timedelta(minutes=1))
    await sweep(mail_settings, clock)
    assert await inbox(db, year_fan) == ["message.public_comment_opened"]
    clock.advance(timedelta(days=1, hours=1))
    await sweep(mail_settings, clock)
    clock.advance(timedelta(hours=1))
    await sweep(mail_settings, clock)
    await sweep(mail_settings, clock, "notices_send")
    closing = [m for m in smtp.to(theme_email) if m not in opened_fr]
    assert [m.subject for m in closing] == [
        "Les commentaires publics se terminent dans 48 heures : Connect the next billion"
    ]
    assert [m.subject for m in smtp.to(year_email)][1:] == [
        "Public comment closes in 48 hours: Connect the next billion"
    ]
    assert await inbox(db, year_fan) == ["message.public_comment_closing", "message.public_comment_opened"]
    assert smtp.to(other_email) == [] and smtp.to(other_year_email) == []
    assert await inbox(db, other_theme) == []


async def test_a_track_s_participants_and_followers_hear_that_a_call_opened_and_closes_in_48_hours(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    mail_settings: Settings,
    clock: Clock,
    smtp: SmtpServer,
) -> None:
    tracks = Tracks(client, tokens, await tokens.user(Role.secretariat))
    await tracks.active({"slug": "pn-ai", "type": "policy_network", "name": "Policy Network on AI"})
    facilitator = await tracks.facilitator("pn-ai")
    participant = await tokens.user()
    await db.execute("UPDATE users SET preferred_language = 'es' WHERE id = $1", participant.id)
    joined = await client.put(
        "/v1/tracks/pn-ai/participants/me",
        json={"stakeholder_group": "civil_society", "country": "KE"},
        headers=participant.headers,
    )
    assert joined.status_code == 201, joined.text
    follower, follower_email = await person(db, mail_settings, clock, name="Fola")
    outsider, outsider_email = await person(db, mail_settings, clock, name="Otto")
    async with db.acquire() as conn, conn.transaction():
        await follows.follow(conn, follower, follows.TRACK, "pn-ai", "Policy Network on AI", clock.now())
        await follows.follow(conn, outsider, follows.TRACK, "dc-other", "Another track", clock.now())
    opens = clock.now() + timedelta(days=1)
    body = {
        "title": "Call for input on AI governance",
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(days=14)).isoformat(),
    }
    created = await client.post("/v1/tracks/pn-ai/calls", json=body, headers=facilitator.headers)
    assert created.status_code == 201, created.text

    await sweep(mail_settings, clock, "announce_call_windows")  # scheduled, not open: nothing yet
    assert await inbox(db, follower) == []
    clock.advance(timedelta(days=1, minutes=1))
    for _ in range(2):  # the sweep runs every minute: once is all it says
        await sweep(mail_settings, clock, "announce_call_windows")
    clock.advance(timedelta(days=12))  # 47 h 59 min before the close
    for _ in range(2):
        await sweep(mail_settings, clock, "announce_call_windows")
    await sweep(mail_settings, clock, "notices_send")

    assert [m.subject for m in smtp.to(participant.user.email)] == [
        "Convocatoria de aportes abierta: Call for input on AI governance (Policy Network on AI)",
        "La convocatoria de aportes se cierra en 48 horas: Call for input on AI governance (Policy Network on AI)",
    ]
    assert "/es/tracks/pn-ai" in smtp.to(participant.user.email)[0].text
    assert [m.subject for m in smtp.to(follower_email)] == [
        "Call for input open: Call for input on AI governance (Policy Network on AI)",
        "Call for input closes in 48 hours: Call for input on AI governance (Policy Network on AI)",
    ]
    assert await inbox(db, follower) == ["track.call_closing", "track.call_opened"]
    # Neither a follower of another track nor anyone who is not a participant hears of it.
    assert smtp.to(outsider_email) == [] and await inbox(db, outsider) == []
    assert smtp.to(tracks.admin.user.email) == []
