"""Funding's cached reads: private (the Secretariat and funders only), with ETag, 304 and Vary."""

from __future__ import annotations

import httpx

from tests.funding.conftest import Ledger
from tests.support.caching import PRIVATE, assert_revalidates


async def test_donor_and_contribution_reads_revalidate(client: httpx.AsyncClient, ledger: Ledger) -> None:
    donor = await ledger.donor()
    contribution = await ledger.contribution(donor["id"])
    read = await assert_revalidates(
        client, f"/v1/funding/donors/{donor['id']}", ledger.headers, cache_control=PRIVATE
    )
    assert read.headers["etag"] == f'"{donor["version"]}"'
    await assert_revalidates(
        client, f"/v1/funding/contributions/{contribution['id']}", ledger.headers, cache_control=PRIVATE
    )
    # every donor for the Secretariat, its own for a funder: the lists say they vary by caller
    await assert_revalidates(client, "/v1/funding/donors", ledger.headers, cache_control=PRIVATE)
    await assert_revalidates(client, "/v1/funding/contributions", ledger.headers, cache_control=PRIVATE)
