"""NRIs' cached reads through the one core helper: ETag and 304, public for anonymous readers, private and
varying for signed-in ones (the directory holds drafts for the Secretariat only)."""

from __future__ import annotations

import httpx

from igf_hub.auth.principal import Role
from tests.nri.test_directory import _directory
from tests.support.auth import TokenFactory
from tests.support.caching import PRIVATE, PUBLIC, assert_revalidates


async def test_nri_reads_revalidate_and_the_role_varying_directory_says_vary(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    await _directory(client, tokens)
    secretariat = await tokens.user(Role.secretariat)
    public = await assert_revalidates(client, "/v1/nris", cache_control=PUBLIC)
    everything = await assert_revalidates(client, "/v1/nris", secretariat.headers, cache_control=PRIVATE)
    assert public.headers["etag"] != everything.headers["etag"]
    await assert_revalidates(client, "/v1/nris/stats", cache_control=PUBLIC)
    csv = await assert_revalidates(client, "/v1/nris.csv", cache_control=PUBLIC)
    assert csv.headers["content-disposition"] == 'attachment; filename="nris.csv"'
