"""Done when (#21): a year's worth of records, the report drafted from them, every figure checked against a
computation of this test's own (from the rows, in Python), published, ``report.published`` received by UNGIS
and the CSTD at a real consumer on 127.0.0.1, and its signature verified independently (cryptography, by hand)."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.exceptions import InvalidSignature

from igf_hub.auth.principal import Role
from igf_hub.core import countries
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.demo.loader import DemoReport
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.core.test_signing import independent_verify
from tests.messages.support import GROUPS, comment, dispose, mag, message, move, position, refresh, sweep
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer
from tests.webhooks.conftest import CSTD, UNGIS, verified_endpoint

Cell = tuple[Any, ...]


async def approved_message_with_comments(
    client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock, settings: Settings, secretariat: Caller
) -> str:
    """A Message through public comment (three commenters, three dispositions) and a MAG ballot to approval."""
    created = (
        await message(
            client,
            secretariat,
            year=clock.now().year,
            classification={"wsis_action_lines": ["C2", "C7"], "sdgs": [5, 9], "gdc_objectives": []},
        )
    ).json()
    mid = created["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    made = []
    for group, country in (("civil_society", "KE"), ("government", "BR"), ("academia", "DE")):
        commenter = await tokens.user()
        made.append((await comment(client, commenter, mid, stakeholder_group=group, country=country)).json())
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat)
    await sweep(settings, clock)
    for item, outcome in zip(made, ("not_accepted", "out_of_scope", "not_accepted"), strict=True):
        await dispose(client, secretariat, mid, item["id"], {"outcome": outcome, "rationale": "Considered."})
    # The demonstration MAG's members are eligible too: enough new members say yes for the supermajority.
    members = await mag(tokens, 30, chair=True)
    await move(client, secretariat, mid, {"to": "mag_review"})
    for caller, group in zip(members, itertools.cycle(GROUPS), strict=False):
        await position(client, caller, mid, "yes", group=group)
    await move(client, members[0], mid, {"to": "approved"})
    return str(mid)


def table(figures: list[dict[str, Any]], key: str, dimension: str | None = None) -> dict[Any, Any]:
    """The figures of one key as {dimension value: value} ({None: value} for a figure without dimension)."""
    found = {}
    for f in figures:
        if f["key"] == key:
            cell = (
                tuple(f["dimensions"].values())
                if dimension == "*"
                else f["dimensions"].get(dimension)
                if dimension
                else None
            )
            found[cell] = f["value"]
    return found


async def expected_nri(conn: asyncpg.Connection, year: int) -> dict[str, Any]:
    nris = [
        dict(r) for r in await conn.fetch("SELECT id, type, status, recognised_on, regional_groups FROM nris")
    ]
    counted = [
        n
        for n in nris
        if n["status"] in ("recognised", "inactive")
        and n["recognised_on"]
        and n["recognised_on"].year <= year
    ]
    ids = {n["id"] for n in counted}
    reports = [
        dict(r)
        for r in await conn.fetch(
            "SELECT nri_id, participants_total, participants_by_stakeholder, participants_by_gender FROM nri_reports "
            "WHERE year = $1 AND status = 'submitted'",
            year,
        )
        if r["nri_id"] in ids
    ]
    stakeholders: Counter[str] = Counter()
    genders: Counter[str] = Counter()
    for r in reports:
        stakeholders.update({k: int(v) for k, v in r["participants_by_stakeholder"].items()})
        genders.update({k: int(v) for k, v in r["participants_by_gender"].items()})
    return {
        "nri:recognised": {None: len(counted)},
        "nri:new_recognitions": {None: sum(1 for n in counted if n["recognised_on"].year == year)},
        "nri:by_type": dict(Counter(n["type"] for n in counted)),
        "nri:by_regional_group": dict(Counter(g for n in counted for g in (n["regional_groups"] or [None]))),
        "nri:reports_received": {None: len(reports)},
        "nri:participants": {None: sum(r["participants_total"] or 0 for r in reports)},
        "nri:participants_by_stakeholder_group": dict(stakeholders),
        "nri:participants_by_gender": dict(genders),
    }


async def expected_tracks(conn: asyncpg.Connection, year: int) -> dict[str, Any]:
    tracks = await conn.fetch("SELECT type, status, years_active FROM tracks")
    outputs = await conn.fetch(
        "SELECT t.type, o.citable_id, o.status, o.year FROM track_outputs o JOIN tracks t ON t.id = o.track_id"
    )
    of_year = [o for o in outputs if o["year"] == year and o["status"] != "draft"]
    return {
        "tracks:active": dict(
            Counter(t["type"] for t in tracks if year in t["years_active"] and t["status"] != "proposed")
        ),
        "tracks:outputs": dict(Counter(o["type"] for o in of_year)),
        "citable_ids": sorted(o["citable_id"] for o in of_year),
    }


async def expected_messages(conn: asyncpg.Connection, year: int) -> dict[str, Any]:
    messages = await conn.fetch("SELECT id, state, approved_at, public_since, classification FROM messages")
    approved = [
        m
        for m in messages
        if m["approved_at"]
        and m["approved_at"].year == year
        and m["state"] in ("approved", "published", "superseded")
    ]
    matrix: dict[Cell, set[str]] = defaultdict(set)
    for m in approved:
        c = m["classification"]
        for cell in itertools.product(
            c["wsis_action_lines"] or [None], c["sdgs"] or [None], c["gdc_objectives"] or [None]
        ):
            matrix[cell].add(str(m["id"]))
    ids = {m["id"] for m in approved}
    comments = [
        c
        for c in await conn.fetch(
            "SELECT message_id, author_subject, stakeholder_group, country, disposition, created_at, id FROM message_comments"
        )
        if c["message_id"] in ids
    ]
    latest: dict[str, Any] = {}
    for c in sorted(comments, key=lambda c: (c["created_at"], str(c["id"]))):
        latest[c["author_subject"]] = c
    public = {m["id"] for m in messages if m["public_since"] is not None}
    ballots = await conn.fetch(
        "SELECT message_id, closed_at, closed_reason FROM message_ballots WHERE closed_at IS NOT NULL"
    )
    return {
        "messages:approved": {None: len(approved)},
        "matrix": {cell: len(found) for cell, found in matrix.items()},
        "matrix_links": {cell: sorted(f"/v1/messages/{i}" for i in found) for cell, found in matrix.items()},
        "messages:comments": {None: len(comments)},
        "messages:dispositions": dict(Counter(c["disposition"] or "pending" for c in comments)),
        "messages:participants": {None: len(latest)},
        "messages:participants_by_stakeholder_group": dict(
            Counter(c["stakeholder_group"] for c in latest.values())
        ),
        "messages:participants_by_regional_group": dict(
            Counter(countries.regional_group(c["country"]) for c in latest.values())
        ),
        "messages:ballots": dict(
            Counter(
                b["closed_reason"]
                for b in ballots
                if b["closed_at"].year == year and b["message_id"] in public
            )
        ),
    }


async def expected_funding(conn: asyncpg.Connection, year: int) -> dict[str, Any]:
    rows = await conn.fetch(
        """SELECT e.counts_as, e.usd_amount, d.stakeholder_group, d.id AS donor FROM funding_events e
        JOIN funding_contributions c ON c.id = e.contribution_id JOIN donors d ON d.id = c.donor_id
        WHERE e.ledger_year = $1""",
        year,
    )
    total: dict[str, Decimal] = defaultdict(Decimal)
    by_group: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    per_donor: dict[Any, Decimal] = defaultdict(Decimal)
    for r in rows:
        total[r["counts_as"]] += r["usd_amount"]
        by_group[(r["counts_as"], r["stakeholder_group"])] += r["usd_amount"]
        if r["counts_as"] in ("receipt", "in_kind_valuation"):
            per_donor[r["donor"]] += r["usd_amount"]
    given = [a for a in per_donor.values() if a > 0]
    whole = sum(given, Decimal(0))
    hhi = sum(((a / whole) ** 2 for a in given), Decimal(0)) if whole else None

    def usd(amount: Decimal) -> str:
        return str(amount.quantize(Decimal("0.01")))

    return {
        "funding:received": {None: usd(total["receipt"])},
        "funding:in_kind": {None: usd(total["in_kind_valuation"])},
        "funding:pledged": {None: usd(total["pledge"])},
        "received_by_group": {g: usd(a) for (kind, g), a in by_group.items() if kind == "receipt"},
        "pledged_by_group": {g: usd(a) for (kind, g), a in by_group.items() if kind == "pledge"},
        "hhi": str(hhi.quantize(Decimal("0.0001"))) if hhi is not None else None,
    }


def nonzero(values: dict[Any, Any]) -> dict[Any, Any]:
    return {k: v for k, v in values.items() if v not in (0, "0.00")}


async def test_the_yearly_report_from_the_record_to_a_signed_publication(
    demo: DemoReport,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    clock: Clock,
    settings: Settings,
    db: asyncpg.Pool,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    # The demonstration data set (NRIs with reports, tracks with outputs, MAG cycles, funding) loaded through the
    # services, and one more Message through comment and ballot to approval this year.
    await approved_message_with_comments(client, tokens, clock, settings, secretariat)
    year = clock.now().year
    await refresh(tokens, secretariat)

    # UNGIS and the CSTD subscribe to the report, as to the Messages.
    endpoints = {}
    for org in (UNGIS, CSTD):
        staff = await tokens.user((Role.consumer, org))
        endpoints[org] = await verified_endpoint(
            client, staff, consumer, dispatcher, consumer_id=org, event_types=["report.published"]
        )
    await refresh(tokens, secretariat)

    # A draft is the Secretariat's: nobody else sees it.
    drafted = await client.post(f"/v1/reports/{year}/draft", headers=secretariat.headers)
    assert drafted.status_code == 201, drafted.text
    assert (await client.get(f"/v1/reports/{year}")).status_code == 404
    assert (await client.post(f"/v1/reports/{year}/draft", headers=secretariat.headers)).status_code == 200

    report = drafted.json()
    sections = {s["name"]: s["figures"] for s in report["figures"]["sections"]}
    assert list(sections) == ["nri", "tracks", "messages", "mag", "funding"]

    async with db.acquire() as conn:
        nri = await expected_nri(conn, year)
        tracks = await expected_tracks(conn, year)
        msgs = await expected_messages(conn, year)
        money = await expected_funding(conn, year)
    # NRIs
    for key in ("nri:recognised", "nri:new_recognitions", "nri:reports_received", "nri:participants"):
        assert table(sections["nri"], key) == nri[key], key
    assert table(sections["nri"], "nri:by_type", "type") == nri["nri:by_type"]
    assert table(sections["nri"], "nri:by_regional_group", "regional_group") == nri["nri:by_regional_group"]
    assert (
        table(sections["nri"], "nri:participants_by_stakeholder_group", "stakeholder_group")
        == nri["nri:participants_by_stakeholder_group"]
    )
    assert table(sections["nri"], "nri:participants_by_gender", "gender") == nri["nri:participants_by_gender"]
    # Intersessional work, with the citable ids of the year's outputs
    assert table(sections["tracks"], "tracks:active", "track_type") == tracks["tracks:active"]
    assert table(sections["tracks"], "tracks:outputs", "track_type") == tracks["tracks:outputs"]
    linked = sorted(
        link.rsplit("/", 1)[1]
        for f in sections["tracks"]
        if f["key"] == "tracks:outputs"
        for link in f["links"]
    )
    assert linked == tracks["citable_ids"]
    # IGF Messages: the matrix with links to each Message, the comment process, the ballots
    assert table(sections["messages"], "messages:approved") == msgs["messages:approved"]
    assert msgs["messages:approved"][None] >= 1
    assert table(sections["messages"], "messages:matrix", "*") == msgs["matrix"]
    assert {
        tuple(f["dimensions"].values()): sorted(f["links"])
        for f in sections["messages"]
        if f["key"] == "messages:matrix"
    } == msgs["matrix_links"]
    for key, dimension in (
        ("messages:comments", None),
        ("messages:dispositions", "outcome"),
        ("messages:participants", None),
        ("messages:participants_by_stakeholder_group", "stakeholder_group"),
        ("messages:participants_by_regional_group", "regional_group"),
        ("messages:ballots", "outcome"),
    ):
        assert table(sections["messages"], key, dimension) == msgs[key], key
    assert msgs["messages:comments"][None] >= 3 and msgs["messages:ballots"].get("approved", 0) >= 1
    # Funding, from the ledger's events
    for key in ("funding:received", "funding:in_kind", "funding:pledged"):
        assert table(sections["funding"], key) == money[key], key
    assert nonzero(table(sections["funding"], "funding:received_by_donor_type", "donor_type")) == nonzero(
        money["received_by_group"]
    )
    assert nonzero(table(sections["funding"], "funding:pledged_by_donor_type", "donor_type")) == nonzero(
        money["pledged_by_group"]
    )
    if money["hhi"] is not None:
        assert table(sections["funding"], "funding:hhi") == {None: money["hhi"]}
    outstanding = table(sections["funding"], "funding:outstanding_by_donor_type", "donor_type")
    assert sum(Decimal(v) for v in outstanding.values()) == Decimal(
        table(sections["funding"], "funding:outstanding")[None]
    )
    # The MAG cycle of the year (when the record has one): its members add up by every breakdown
    if sections["mag"]:
        seats = table(sections["mag"], "mag:seats")[None]
        for key in ("mag:by_stakeholder_group", "mag:by_regional_group"):
            assert sum(f["value"] for f in sections["mag"] if f["key"] == key) == seats, key
        async with db.acquire() as conn:
            appointed = await conn.fetch(
                """SELECT a.stakeholder_group FROM mag_appointments a JOIN mag_cycles c ON c.id = a.cycle_id
                WHERE c.year = $1 AND a.role <> 'observer' AND a.status = 'active'""",
                year,
            )
        assert nonzero(table(sections["mag"], "mag:by_stakeholder_group", "stakeholder_group")) == dict(
            # The MAG counts academia with the technical community (its four stakeholder groups).
            Counter(
                "technical_community" if r["stakeholder_group"] == "academia" else r["stakeholder_group"]
                for r in appointed
            )
        )

    # Every figure links to the public query or export that reproduces it, and the query gives the same figure.
    for name, figures in sections.items():
        for source in sorted({f["source"].split("#")[0] for f in figures}):
            answer = await client.get(source)
            assert answer.status_code == 200, (source, answer.text)
        live = (await client.get(f"/v1/reports/sections/{name}", params={"year": year})).json()
        if name != "funding":  # money is read at the same instant; the rest is the same query
            assert live["figures"] == figures, name

    # The Secretariat writes the narrative: English, then an Arabic machine translation; diffs between versions.
    english = [
        {"id": s["id"], "title": s["title"], "markdown": f"The {s['title']} of {year}, from the record."}
        for s in report["narrative"][0]["sections"]
    ]
    saved = await client.post(
        f"/v1/reports/{year}/versions", json={"sections": english}, headers=secretariat.headers
    )
    assert saved.status_code == 201, saved.text
    arabic = [{**s, "title": "قسم", "markdown": "تقرير المنتدى من السجل."} for s in english]
    translated = await client.post(
        f"/v1/reports/{year}/versions",
        json={"language": "ar", "sections": arabic, "machine_translation": True},
        headers=secretariat.headers,
    )
    assert translated.status_code == 201, translated.text
    assert translated.json()["translation_of"] == saved.json()["number"]
    diff = (
        await client.get(
            f"/v1/reports/{year}/diff",
            params={"from_version": 1, "to_version": saved.json()["number"]},
            headers=secretariat.headers,
        )
    ).json()
    assert {s["change"] for s in diff["sections"]} == {"changed"}
    assert "+The Introduction of" in diff["sections"][0]["unified"]

    # Publication: the figures are frozen, the report signed, report.published delivered to UNGIS and the CSTD.
    published = await client.post(f"/v1/reports/{year}/publish", headers=secretariat.headers)
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["state"] == "published" and body["signature"]["kind"] == "yearly_report"
    assert [v["language"] for v in body["narrative"]] == ["en", "ar"]
    before = len(consumer.received)
    await dispatcher.run_once()
    delivered = [r for r in consumer.received[before:] if r.json()["type"] == "report.published"]
    # One delivery to each organisation's endpoint (the consumer server holds the secret it was last given).
    assert len(delivered) == 2 and any(r.signature_ok for r in delivered)
    event = delivered[0].json()["data"]
    assert event["year"] == year and event["signature"] == body["signature"]
    # The pull log carries the same event, signature included.
    cstd = await tokens.user((Role.consumer, CSTD))
    pulled = (await client.get("/v1/events", params={"types": "report.*"}, headers=cstd.headers)).json()
    assert [e["type"] for e in pulled["items"]] == ["report.published"]
    assert pulled["items"][0]["data"]["signature"] == body["signature"]

    # Anyone verifies it with the published keys, independently of the code that signed.
    signature = event["signature"]
    path = httpx.URL(signature["document"]).path
    document = (await client.get(path)).content
    jwks = (await client.get("/.well-known/igf-publication-keys.json")).json()
    header = independent_verify(document, signature["jws"], jwks)
    assert header["kid"] == signature["kid"]
    signed = json.loads(document)
    assert signed["kind"] == "yearly_report" and signed["record"]["figures"] == body["figures"]
    tampered = document.replace(b'"year":', b'"yeas":', 1)
    with pytest.raises(InvalidSignature):
        independent_verify(tampered, signature["jws"], jwks)

    # The published report is everyone's, frozen: the record moving on changes nothing in it.
    public = await client.get(f"/v1/reports/{year}/figures.json")
    assert public.status_code == 200 and public.json() == body["figures"]
    refused = await client.post(
        f"/v1/reports/{year}/versions", json={"sections": english}, headers=secretariat.headers
    )
    assert refused.status_code == 409 and "published" in refused.json()["detail"]
    assert (await client.post(f"/v1/reports/{year}/publish", headers=secretariat.headers)).status_code == 409
