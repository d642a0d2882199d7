"""Issue 18, who hears what (NRIs): the Secretariat's decision, with its reasons, reaches the NRI's coordinators;
last year's activity report due, then overdue, reaches the coordinators of each NRI that has not submitted it.
Each drives the real change through the API (the reminders through the worker's job on the injected clock) and
reads the mail from a real SMTP server on 127.0.0.1 and the recipient's inbox, in the recipient's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.nri import jobs
from tests.nri.helpers import PRINCIPLES, Client, act, recognised, register
from tests.nri.test_reports import report_body
from tests.support.auth import TokenFactory
from tests.support.notices import deliver, inbox, set_language
from tests.support.smtp import smtp_server


async def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_the_decision_and_its_reasons_reach_the_nri_s_coordinators_only(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    kenya_coordinator = await tokens.user(email="wanjiru@example.org")
    uganda_coordinator = await tokens.user(email="okello@example.org")
    await set_language(db, kenya_coordinator.id, "fr")
    await set_language(db, uganda_coordinator.id, "es")
    kenya = await register(client, kenya_coordinator)
    uganda = await register(
        client, uganda_coordinator, name="Uganda IGF", acronym="UIGF", countries=["UG"], website=None
    )
    for nri in (kenya, uganda):
        caller = kenya_coordinator if nri is kenya else uganda_coordinator
        await _ok(await act(client, caller, nri["id"], "submit", {"affirmed_principles": PRINCIPLES}))
        await _ok(await act(client, secretariat, nri["id"], "start-review"))

    async with smtp_server() as smtp:
        mail_settings = msgspec.structs.replace(settings, mail=smtp.settings())
        await _ok(
            await act(
                client,
                secretariat,
                kenya["id"],
                "request-changes",
                {"reason": "The committee lacks the private sector.", "changes": ["Add a business member"]},
            )
        )
        await _ok(
            await act(client, secretariat, uganda["id"], "decline", {"reason": "A forum already covers UG."})
        )
        await deliver(db, mail_settings, clock)

        (changes,) = [m for m in smtp.to("wanjiru@example.org") if "Kenya" in m.subject]
        assert changes.subject == "Modifications demandées : Kenya Internet Governance Forum"
        assert "The committee lacks the private sector." in changes.text
        assert "- Add a business member" in changes.text
        assert "<li>Add a business member</li>" in changes.html
        assert f"/fr/nris/{kenya['id']}" in changes.text
        (declined,) = [m for m in smtp.to("okello@example.org") if "Uganda" in m.subject]
        assert declined.subject == "Reconocimiento denegado: Uganda IGF"
        assert "A forum already covers UG." in declined.text
        # Neither coordinator hears of the other's NRI, and the Secretariat (who decided) hears neither.
        assert not [m for m in smtp.to("wanjiru@example.org") if "Uganda" in m.subject]
        assert {kind for kind, _ in await inbox(db, secretariat.id)} == {"nri.submitted"}
        assert all(m.subject.startswith("NRI submitted") for m in smtp.to(secretariat.user.email))
        assert await inbox(db, kenya_coordinator.id) == [
            (
                "nri.changes_requested",
                {
                    "name": "Kenya Internet Governance Forum",
                    "reason": "The committee lacks the private sector.",
                    "changes": ["Add a business member"],
                },
            )
        ]
        assert [kind for kind, _ in await inbox(db, uganda_coordinator.id)] == ["nri.declined"]

        # Submitted again and recognised: the coordinator hears that too, once however often the outbox runs.
        await _ok(
            await act(client, kenya_coordinator, kenya["id"], "submit", {"affirmed_principles": PRINCIPLES})
        )
        await _ok(await act(client, secretariat, kenya["id"], "start-review"))
        await _ok(
            await act(client, secretariat, kenya["id"], "recognise", {"reason": "Meets every criterion."})
        )
        await deliver(db, mail_settings, clock)
        await deliver(db, mail_settings, clock)
        (recognised_mail,) = [m for m in smtp.to("wanjiru@example.org") if m.subject.startswith("Reconnue")]
        assert (
            recognised_mail.subject
            == "Reconnue comme initiative nationale ou régionale : Kenya Internet Governance Forum"
        )
        assert "Meets every criterion." in recognised_mail.text
        assert [kind for kind, _ in await inbox(db, kenya_coordinator.id)] == [
            "nri.changes_requested",
            "nri.recognised",
        ]
        assert [kind for kind, _ in await inbox(db, uganda_coordinator.id)] == ["nri.declined"]


def _at(clock: Clock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


async def test_last_year_s_report_due_then_overdue_reaches_the_coordinators_of_nris_without_it_once(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    late = await tokens.user(email="late@example.org")
    prompt = await tokens.user(email="prompt@example.org")
    await set_language(db, late.id, "es")
    late_nri = await recognised(client, late, secretariat)
    prompt_nri = await recognised(
        client, prompt, secretariat, name="Uganda IGF", acronym="UIGF", countries=["UG"], website=None
    )
    year = clock.now().year + 1  # the first whole year both NRIs are recognised for
    due_on = datetime(year + 1, 3, 31, tzinfo=UTC)  # IGF_HUB_NRI_REPORT_DUE_MONTHS = 3 after the year's end

    # In the year itself nothing is due yet; the prompt NRI submits its report for the year.
    _at(clock, datetime(year, 11, 1, tzinfo=UTC))
    token = await tokens.token_for(prompt.id)
    base = f"/v1/nris/{prompt_nri['id']}/reports"
    headers = {"Authorization": f"Bearer {token}"}
    created = await client.post(base, json=report_body(datetime(year, 10, 1).date()), headers=headers)
    assert created.status_code == 201, created.text
    submitted = await client.post(f"{base}/{year}/submit", headers={**headers, "If-Match": '"1"'})
    assert submitted.status_code == 200, submitted.text

    async with smtp_server() as smtp:
        mail_settings = msgspec.structs.replace(settings, mail=smtp.settings())
        ctx = {"pool": db, "settings": settings, "clock": clock}
        assert await jobs.notify_report_deadlines(ctx) == 0
        _at(clock, due_on - timedelta(days=31))
        assert await jobs.notify_report_deadlines(ctx) == 0  # more than a month before: not yet

        _at(clock, due_on - timedelta(days=20))
        assert await jobs.notify_report_deadlines(ctx) == 1
        assert await jobs.notify_report_deadlines(ctx) == 0  # the daily job tells each coordinator once
        clock.advance(timedelta(days=1))
        assert await jobs.notify_report_deadlines(ctx) == 0
        await deliver(db, mail_settings, clock)
        reports = [m for m in smtp.to("late@example.org") if m.subject.startswith("Informe")]
        (due,) = reports
        assert due.subject == (
            f"Informe de actividades de {year}, vence el {due_on.date().isoformat()}: "
            "Kenya Internet Governance Forum"
        )
        assert f"/es/nris/{late_nri['id']}" in due.text

        _at(clock, due_on + timedelta(days=2))
        assert await jobs.notify_report_deadlines(ctx) == 1
        assert await jobs.notify_report_deadlines(ctx) == 0
        await deliver(db, mail_settings, clock)
        overdue = [m for m in smtp.to("late@example.org") if m.subject.startswith("Informe")][1]
        assert (
            overdue.subject == f"Informe de actividades de {year} atrasado: Kenya Internet Governance Forum"
        )
        assert [kind for kind, _ in await inbox(db, late.id)] == [
            "nri.recognised",
            "nri.report_due",
            "nri.report_overdue",
        ]
        # The NRI that reported, and the Secretariat, hear nothing of it.
        assert [m.subject for m in smtp.to("prompt@example.org")] == ["Recognised as an NRI: Uganda IGF"]
        assert [kind for kind, _ in await inbox(db, prompt.id)] == ["nri.recognised"]
        assert {kind for kind, _ in await inbox(db, secretariat.id)} == {"nri.submitted"}
