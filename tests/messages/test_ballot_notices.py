"""Issue 18, who hears what (MAG ballots): a ballot opened, its reminder and its close with the outcome reach the
MAG members eligible on it (and the chair), in their language, by e-mail from a real SMTP server on 127.0.0.1 and
in their inbox; a member appointed after the snapshot, the Secretariat and other people hear nothing."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import msgspec

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.support import Client, mag, message, position, refresh, sweep, to_review
from tests.support.auth import TokenFactory
from tests.support.notices import deliver, inbox, set_language
from tests.support.smtp import Received, SmtpServer, smtp_server


def _mails(smtp: SmtpServer, email: str) -> list[Received]:
    """The ballot mails one address received (other kinds of notice may reach the same people)."""
    return [m for m in smtp.to(email) if "MAG" in m.subject or "GCMP" in m.subject]


BALLOT_KINDS = {"message.ballot_opened", "message.ballot_reminder", "message.ballot_closed"}


async def _ballot_notices(db: asyncpg.Pool, user_id: object) -> list[str]:
    return [kind for kind, _ in await inbox(db, user_id) if kind in BALLOT_KINDS]  # type: ignore[arg-type]


async def test_ballot_opened_reminder_and_closed_reach_the_eligible_members_and_the_chair(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    chair, early, slow = await mag(tokens, 3, chair=True)
    await set_language(db, slow.id, "fr")
    bystander = await tokens.user()
    mid = (await message(client, secretariat)).json()["id"]

    async with smtp_server() as smtp:
        mail_settings = msgspec.structs.replace(settings, mail=smtp.settings())
        await to_review(client, tokens, clock, settings, secretariat, mid)  # opens ballot 1
        late_member = await tokens.user(Role.mag_member)  # after the snapshot: not eligible on this ballot
        ballot = (await client.get(f"/v1/messages/{mid}/ballot")).json()
        closes_on = ballot["closes_at"][:16].replace("T", " ") + " UTC"
        await deliver(db, mail_settings, clock)

        (opened,) = _mails(smtp, slow.user.email)
        assert opened.subject == f"Scrutin du GCMP ouvert jusqu'au {closes_on} : Connect the next billion"
        assert f"/fr/messages/{mid}" in opened.text
        for member in (chair, early):
            assert [m.subject for m in _mails(smtp, member.user.email)] == [
                f"MAG ballot open until {closes_on}: Connect the next billion"
            ]

        # 48 h before the deadline, only the member without a position is reminded (once).
        await refresh(tokens, chair, early, slow)
        await position(client, chair, mid, "yes", group="government")
        await position(client, early, mid, "yes", group="civil_society")
        clock.advance(timedelta(days=12, hours=1))
        await sweep(settings, clock)
        await sweep(settings, clock)
        await deliver(db, mail_settings, clock)
        reminder = _mails(smtp, slow.user.email)[1]
        assert reminder.subject == (
            f"Rappel : le scrutin du GCMP se clôt le {closes_on} : Connect the next billion"
        )
        assert len(_mails(smtp, chair.user.email)) == len(_mails(smtp, early.user.email)) == 1

        # At the deadline the worker closes it: everyone eligible, and the chair, hears the outcome.
        clock.advance(timedelta(days=2))
        await sweep(settings, clock)
        await deliver(db, mail_settings, clock)
        closed = (await client.get(f"/v1/messages/{mid}/ballot")).json()
        assert closed["closed_reason"] == "deadline"
        outcome = "passed" if closed["passes"] else "did not pass"
        for member in (chair, early):
            last = _mails(smtp, member.user.email)[-1]
            assert last.subject == "MAG ballot closed: Connect the next billion"
            assert f"Outcome: it {outcome}." in last.text and "It closed at its deadline." in last.text
        french = _mails(smtp, slow.user.email)[-1]
        assert french.subject == "Scrutin du GCMP clos : Connect the next billion"
        assert "Il s'est clos à son échéance." in french.text

        assert await _ballot_notices(db, slow.id) == [
            "message.ballot_opened",
            "message.ballot_reminder",
            "message.ballot_closed",
        ]
        assert await _ballot_notices(db, chair.id) == ["message.ballot_opened", "message.ballot_closed"]
        # Who does not hear: a member appointed after the snapshot, the Secretariat, anyone else.
        for outsider in (late_member, secretariat, bystander):
            assert await _ballot_notices(db, outsider.id) == []
            assert _mails(smtp, outsider.user.email) == []
