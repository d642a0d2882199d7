"""Issue 18, who hears what (funding): a pledge overdue reaches the donor's funders and the Secretariat, once,
from the daily job on the injected clock; read from a real SMTP server on 127.0.0.1 and the inbox, in the
recipient's language. Funders of other donors, and pledges not yet due or fulfilled, tell no one."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import msgspec

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.funding import jobs
from tests.funding.conftest import Ledger
from tests.support.auth import Caller, TokenFactory
from tests.support.notices import deliver, inbox, set_language
from tests.support.smtp import smtp_server


async def test_an_overdue_pledge_reaches_the_donor_s_funders_and_the_secretariat_once(
    ledger: Ledger,
    secretariat: Caller,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
) -> None:
    today = clock.now().date()
    late = await ledger.donor(legal_name="Fondation Lumière", display_name="Fondation Lumière")
    later = await ledger.donor(legal_name="Later Ltd", display_name="Later Ltd")
    paid = await ledger.donor(legal_name="Paid Ltd", display_name="Paid Ltd")
    late_funder = await tokens.user((Role.funder, late["id"]))
    later_funder = await tokens.user((Role.funder, later["id"]))
    paid_funder = await tokens.user((Role.funder, paid["id"]))
    await set_language(db, late_funder.id, "fr")
    for donor, due_in, received in ((late, 10, "400.00"), (later, 60, None), (paid, 5, "1000.00")):
        contribution = await ledger.contribution(donor["id"], years=[today.year])
        pledge = {"kind": "pledge", "amount": "1000.00", "value_date": today.isoformat()}
        await ledger.event(contribution["id"], **pledge, due_on=(today + timedelta(days=due_in)).isoformat())
        if received:
            await ledger.event(contribution["id"], amount=received, value_date=today.isoformat())

    ctx = {"pool": db, "settings": settings, "clock": clock}
    assert await jobs.notify_overdue_pledges(ctx) == 0  # nothing is due yet
    clock.advance(timedelta(days=11))
    assert await jobs.notify_overdue_pledges(ctx) == 2  # the late donor's funder and the Secretariat
    assert await jobs.notify_overdue_pledges(ctx) == 0  # the daily job tells them once
    clock.advance(timedelta(days=1))
    assert await jobs.notify_overdue_pledges(ctx) == 0

    async with smtp_server() as smtp:
        await deliver(db, msgspec.structs.replace(settings, mail=smtp.settings()), clock)
        (french,) = smtp.to(late_funder.user.email)
        assert french.subject == f"Promesse en retard : Fondation Lumière, 600.00 USD pour {today.year}"
        assert "1000.00 USD" in french.text and "600.00 USD" in french.text
        (english,) = smtp.to(secretariat.user.email)
        assert english.subject == f"Pledge overdue: Fondation Lumière, 600.00 USD for {today.year}"
        assert smtp.to(later_funder.user.email) == smtp.to(paid_funder.user.email) == []

    due_on = (today + timedelta(days=10)).isoformat()
    expected = {
        "donor": "Fondation Lumière",
        "year": today.year,
        "outstanding": "600.00",
        "pledged": "1000.00",
        "due_on": due_on,
    }
    assert await inbox(db, late_funder.id) == [("funding.pledge_overdue", expected)]
    assert await inbox(db, secretariat.id) == [("funding.pledge_overdue", expected)]
    assert await inbox(db, later_funder.id) == await inbox(db, paid_funder.id) == []
