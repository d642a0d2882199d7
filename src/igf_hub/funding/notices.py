"""What the funding domain tells people (people/notices.py): a pledge overdue → the donor's funders and the
Secretariat. Overdue is computed on read from the injected clock (TransparencyService.pledge_years); a daily job
tells them once per contribution, pledge year and due date (a due date moved later is told again once it passes).
"""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.funding.transparency_service import TransparencyService
from igf_hub.people import notices, recipients
from igf_hub.people.notices import N_, NoticeKind

PLEDGE_OVERDUE = NoticeKind(
    name="funding.pledge_overdue",
    label=N_("A pledge is overdue (the donor's funders and the Secretariat)"),
    subject=N_("Pledge overdue: %(donor)s, %(outstanding)s USD for %(year)s"),
    template="funding/notices/pledge_overdue",
)

NOTICE_KINDS = [PLEDGE_OVERDUE]


async def notify_overdue_pledges(conn: asyncpg.Connection, clock: Clock, settings: Settings) -> int:
    """Tell the funders of each donor with an overdue pledge, and the Secretariat; returns how many notices
    were new (0 when the job runs again the same day)."""
    now = clock.now()
    today = now.date()
    created = 0
    secretariat = await notices.secretariat(conn, now)
    for pledge in await TransparencyService(conn, clock, settings).pledge_years(None):
        if pledge.outstanding <= 0 or pledge.due_on is None or pledge.due_on >= today:
            continue
        funders = (
            await recipients.holders(conn, Role.funder, now, bound_to=pledge.recorded_donor_id)
            if pledge.recorded_donor_id is not None
            else []
        )
        created += await notices.notify(
            conn,
            kind=PLEDGE_OVERDUE.name,
            recipients=[*funders, *secretariat],
            key=f"{PLEDGE_OVERDUE.name}:{pledge.contribution_id}:{pledge.year}:{pledge.due_on.isoformat()}",
            params={
                "donor": pledge.donor_name,
                "year": pledge.year,
                "outstanding": str(pledge.outstanding.quantize(Decimal("0.01"))),
                "pledged": str(pledge.pledged.quantize(Decimal("0.01"))),
                "due_on": pledge.due_on.isoformat(),
            },
            link="/transparency",
            now=now,
        )
    return created
