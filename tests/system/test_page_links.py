"""Every list says where its next page is twice: ``next_cursor`` in the body and ``Link: <…>; rel="next"``
(RFC 8288) in the headers, with the caller's filters kept, so a client can follow links to the end."""

from __future__ import annotations

import re

import httpx

from igf_hub.auth.principal import Role
from tests.support.auth import TokenFactory

Client = httpx.AsyncClient
NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


async def test_following_next_links_walks_the_filtered_list_to_its_end(
    client: Client, tokens: TokenFactory
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    rates = [
        {"currency": currency, "effective_on": f"2025-0{month}-01", "usd_per_unit": "1.1", "source": "UN"}
        for currency in ("EUR", "GBP")
        for month in (1, 2, 3)
    ]
    created = await client.post("/v1/funding/exchange-rates", json=rates, headers=secretariat.headers)
    assert created.status_code == 201, created.text

    url: str | None = "/v1/funding/exchange-rates?currency=EUR&limit=2"
    seen: list[str] = []
    pages = 0
    while url is not None:
        response = await client.get(url, headers=secretariat.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        seen += [f"{r['currency']} {r['effective_on']}" for r in body["items"]]
        link = response.headers.get("link")
        assert (link is None) == (body["next_cursor"] is None)  # the header and the body agree
        if link is None:
            url = None
            continue
        match = NEXT.match(link)
        assert match, link
        url = match["url"]
        assert url.startswith("/v1/funding/exchange-rates?") and "currency=EUR" in url and "limit=2" in url
        assert f"cursor={body['next_cursor']}" in url and url.count("cursor=") == 1
    assert pages == 2
    assert sorted(seen) == ["EUR 2025-01-01", "EUR 2025-02-01", "EUR 2025-03-01"]


async def test_a_last_page_and_a_non_list_carry_no_link(client: Client) -> None:
    assert "link" not in (await client.get("/v1/nris?limit=100")).headers
    assert "link" not in (await client.get("/healthz")).headers
