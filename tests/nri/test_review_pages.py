"""The Secretariat's NRI review pages over HTTP: the list (oldest first, with the criteria result), the review
page, each decision through the API's own service (audited and notified as the API does), and every refusal
shown as a sentence in the form with the reviewer's words kept and nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from lxml import html

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from tests.nri.helpers import COMMITTEE, PRINCIPLES, Client, act, register
from tests.support.audit import chain_audit
from tests.support.auth import Caller, TokenFactory


async def _submitted(client: Client, coordinator: Caller, **overrides: Any) -> dict[str, Any]:
    nri = await register(client, coordinator, **overrides)
    answer = await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def _post(client: Client, who: Caller, path: str, form: dict[str, str]) -> httpx.Response:
    return await client.post(path, data=form, headers=who.headers)


def _errors(answer: httpx.Response) -> list[str]:
    document = html.fromstring(answer.text)
    return [" ".join(li.text_content().split()) for li in document.xpath("//div[@class='error-summary']//li")]


async def _status(db: asyncpg.Pool, nri_id: str) -> tuple[str, int]:
    row = await db.fetchrow("SELECT status, version FROM nris WHERE id = $1", nri_id)
    return row["status"], row["version"]


async def test_the_list_shows_the_nris_awaiting_review_oldest_first_with_their_criteria(
    client: Client, tokens: TokenFactory, clock: Clock
) -> None:
    first = await _submitted(client, await tokens.user(), committee=COMMITTEE[:3])
    clock.advance(timedelta(days=3))
    second = await _submitted(
        client,
        await tokens.user(),
        name="Uganda IGF",
        countries=["UG"],
        committee=[{**m, "country": "UG", "city": "Kampala", "gender": "female"} for m in COMMITTEE],
    )
    draft = await register(client, await tokens.user(), name="Draft IGF", countries=["TZ"])
    secretariat = await tokens.user(Role.secretariat)
    answer = await client.get("/en/secretariat/nris", headers=secretariat.headers)
    assert answer.status_code == 200
    document = html.fromstring(answer.text)
    rows = [" ".join(tr.text_content().split()) for tr in document.xpath("//tbody/tr")]
    assert [r.split(" (")[0].split(" National")[0] for r in rows] == [first["name"], second["name"]]
    assert draft["name"] not in answer.text
    assert "waiting 3 days" in rows[0] and "4 of 4 met" in rows[0]
    # The second's committee is all in one city, all women: the reviewer is warned of both.
    assert "regional diversity" in rows[1] and "gender diversity" in rows[1]
    french = await client.get("/fr/secretariat/nris", headers=secretariat.headers)
    assert french.status_code == 200 and "4 sur 4" in french.text


async def test_the_secretariat_starts_the_review_then_asks_for_changes_with_a_reason_per_field(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    coordinator = await tokens.user()
    nri = await _submitted(client, coordinator)
    path = f"/en/secretariat/nris/{nri['id']}"
    page = await client.get(path, headers=secretariat.headers)
    assert page.status_code == 200
    document = html.fromstring(page.text)
    # The criteria beside the submission; the decisions wait for the review to start.
    assert "Met: A multistakeholder organising committee" in " ".join(document.text_content().split())
    assert document.xpath("//form[contains(@action, '/start-review')]")
    assert not document.xpath("//form[contains(@action, '/recognise')]")

    started = await _post(client, secretariat, f"{path}/start-review", {"version": str(nri["version"])})
    assert started.status_code == 303 and started.headers["location"] == f"{path}?done=review-started"
    assert (await _status(db, nri["id"]))[0] == "under_review"
    version = (await _status(db, nri["id"]))[1]

    asked = await _post(
        client,
        secretariat,
        f"{path}/request-changes",
        {
            "version": str(version),
            "reason": "Two fields need work.",
            "field_website": "The site does not load.",
            "field_committee": "Add the academic community.",
            "field_name": "",
            "changes": "Send the founding meeting's minutes\n\n",
        },
    )
    assert asked.status_code == 303, asked.text
    nri_now = (await client.get(f"/v1/nris/{nri['id']}", headers=coordinator.headers)).json()
    assert nri_now["status"] == "changes_requested"
    assert nri_now["requested_fields"] == {
        "website": "The site does not load.",
        "committee": "Add the academic community.",
    }
    assert nri_now["requested_changes"] == ["Send the founding meeting's minutes"]
    # Audited and published as the API does it.
    await chain_audit(db)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM audit_log WHERE subject_id = $1 AND action = 'nri.changes_requested'",
            nri["id"],
        )
        == 1
    )
    assert (
        await db.fetchval(
            "SELECT count(*) FROM outbox WHERE subject = $1 AND type = 'nri.changes_requested'", nri["id"]
        )
        == 1
    )
    shown = await client.get(f"{path}?done=changes-requested", headers=secretariat.headers)
    text = " ".join(html.fromstring(shown.text).text_content().split())
    assert "Website: The site does not load." in text
    assert "The coordinators are asked for changes" in text


async def test_every_refusal_is_a_sentence_in_the_form_with_the_input_kept_and_nothing_written(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    nri = await _submitted(client, await tokens.user())
    path = f"/fr/secretariat/nris/{nri['id']}"

    # A decision before the review started: the state machine's refusal, in the page's language.
    early = await _post(
        client, secretariat, f"{path}/recognise", {"recognise_reason": "Meets every criterion."}
    )
    assert early.status_code == 422
    (sentence,) = _errors(early)
    assert sentence.startswith("Cela n") and "« Soumise »" in sentence
    assert (await _status(db, nri["id"]))[0] == "submitted"

    # A stale version: refused, nothing written.
    stale = await _post(client, secretariat, f"{path}/start-review", {"version": "99"})
    assert stale.status_code == 422 and "depuis que vous avez ouvert la page" in stale.text
    assert (await _status(db, nri["id"]))[0] == "submitted"
    assert (await _post(client, secretariat, f"{path}/start-review", {})).status_code == 303

    await chain_audit(db)
    before = await db.fetchval("SELECT count(*) FROM audit_log")
    cases: list[tuple[str, dict[str, str], str, str]] = [
        ("request-changes", {"reason": "No"}, "reason", "Donnez la raison de votre décision"),
        ("request-changes", {"reason": "Not yet."}, "reason", "Donnez une raison pour au moins un champ"),
        (
            "request-changes",
            {"reason": "Not yet.", "field_website": "x" * 501},
            "field_website",
            "moins de 500 caractères",
        ),
        ("recognise", {"recognise_reason": ""}, "recognise_reason", "Donnez la raison de votre décision"),
        ("decline", {"decline_reason": "no"}, "decline_reason", "Donnez la raison de votre décision"),
    ]
    for action, form, field, sentence in cases:
        answer = await _post(client, secretariat, f"{path}/{action}", form)
        assert answer.status_code == 422, (action, form)
        document = html.fromstring(answer.text)
        assert sentence in " ".join(_errors(answer)), (action, _errors(answer))
        assert document.xpath(f"//*[@id='field-{field}' and @aria-invalid='true']"), field
        for name, value in form.items():  # the reviewer's words are kept
            if value:
                assert document.xpath(f"//textarea[@name='{name}']")[0].text_content() == value
    await chain_audit(db)
    assert await db.fetchval("SELECT count(*) FROM audit_log") == before
    assert (await _status(db, nri["id"]))[0] == "under_review"


async def test_recognising_puts_the_nri_in_the_directory_and_a_duplicate_is_refused(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    kenya = await _submitted(client, await tokens.user())
    again = await _submitted(client, await tokens.user(), name="Kenya IGF bis")
    for nri in (kenya, again):
        assert (await act(client, secretariat, nri["id"], "start-review")).status_code == 200
    done = await _post(
        client, secretariat, f"/en/secretariat/nris/{kenya['id']}/recognise", {"recognise_reason": "Open."}
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=recognised")
    assert kenya["name"] in (await client.get("/en/nris")).text
    assert (
        await db.fetchval(
            "SELECT count(*) FROM outbox WHERE subject = $1 AND type = 'nri.recognised'", kenya["id"]
        )
        == 1
    )
    twin = await _post(
        client, secretariat, f"/en/secretariat/nris/{again['id']}/recognise", {"recognise_reason": "Open."}
    )
    assert twin.status_code == 422
    assert _errors(twin) == [
        "Kenya Internet Governance Forum is already the recognised NRI of this type for these countries."
    ]
    declined = await _post(
        client, secretariat, f"/en/secretariat/nris/{again['id']}/decline", {"decline_reason": "A duplicate."}
    )
    assert declined.status_code == 303
    assert (await _status(db, again["id"]))[0] == "declined"


async def test_only_the_secretariat_reviews(client: Client, tokens: TokenFactory, db: asyncpg.Pool) -> None:
    coordinator = await tokens.user()
    nri = await _submitted(client, coordinator)
    path = f"/en/secretariat/nris/{nri['id']}"
    for who in (coordinator, await tokens.user(Role.mag_member)):
        assert (await client.get("/en/secretariat/nris", headers=who.headers)).status_code == 403
        assert (await client.get(path, headers=who.headers)).status_code == 403
        refused = await _post(client, who, f"{path}/start-review", {})
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert (await client.get(path)).status_code == 401
    assert (await _status(db, nri["id"]))[0] == "submitted"
    unknown = await client.get(
        "/en/secretariat/nris/00000000-0000-0000-0000-000000000000",
        headers=(await tokens.user(Role.secretariat)).headers,
    )
    assert unknown.status_code == 404
